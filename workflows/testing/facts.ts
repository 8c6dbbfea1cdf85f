/**
 * Builders of journey facts for tests: sensible defaults for every event of the vocabulary, so a
 * test states only what matters to the rule it checks. Revisions and times are filled in by the
 * specification helper; an explicit `at` pins `occurredAt`.
 */
import type { Actor, EventDataMap, EventType, JourneyEvent } from '../support-planning/events';

export interface Fact<K extends EventType = EventType> {
  type: K;
  data: EventDataMap[K];
  actor: Actor;
  at?: string;
  reason?: string;
}

export const actors = {
  caseWorker: { id: 'case-worker-1', role: 'case-worker' },
  otherCaseWorker: { id: 'case-worker-2', role: 'case-worker' },
  approver: { id: 'approver-1', role: 'approver' },
  otherApprover: { id: 'approver-2', role: 'approver' },
  seniorApprover: { id: 'senior-approver-1', role: 'senior-approver' },
  person: { id: 'person-1', role: 'person' },
  advocate: { id: 'advocate-1', role: 'advocate' },
  auditor: { id: 'auditor-1', role: 'auditor' },
  system: { id: 'scheduler', role: 'system' },
} satisfies Record<string, Actor>;

const DEFAULT_ACTOR: Record<EventType, Actor> = {
  ReferralReceived: actors.caseWorker,
  AssessmentStarted: actors.caseWorker,
  AssessmentCompleted: actors.caseWorker,
  IndicativeBudgetSet: actors.caseWorker,
  SupportPlanDrafted: actors.caseWorker,
  SupportPlanSubmitted: actors.caseWorker,
  SupportPlanReturned: actors.approver,
  SupportPlanApproved: actors.approver,
  SupportStarted: actors.caseWorker,
  ReviewRequested: actors.person,
  ReviewStarted: actors.caseWorker,
  ReviewCompleted: actors.caseWorker,
  PreferenceRecorded: actors.person,
  AdvocateAppointed: actors.caseWorker,
  AdvocateWithdrawn: actors.caseWorker,
  DecisionChallenged: actors.person,
  ChallengeResolved: actors.otherApprover,
  DeadlineMissed: actors.system,
  JourneyClosed: actors.caseWorker,
  AccessRequested: actors.person,
  AccessRequestAnswered: actors.caseWorker,
};

const DEFAULT_DATA: EventDataMap = {
  ReferralReceived: {
    personId: '7d1f0a8e-3b5c-4f7a-9e2d-1c6b8a4f0e21',
    fundingStream: 'social-care',
    route: 'standard',
    source: 'GP',
    summary: 'Struggling at home after a fall',
  },
  AssessmentStarted: { assessor: 'case-worker-1' },
  AssessmentCompleted: {
    eligible: true,
    eligibleOutcomes: ['nutrition', 'personal-hygiene', 'using-home-safely'],
    summary: 'Needs help with meals, washing and moving around the home',
    personViews: 'I want to stay in my own home',
    reasons: 'Unable to achieve three outcomes; significant impact on wellbeing',
  },
  IndicativeBudgetSet: {
    amountPence: 25_000,
    period: 'week',
    method: { tool: 'council-ras', version: '2024.1' },
    inputs: { personalCareHoursPerWeek: 10 },
  },
  SupportPlanDrafted: {
    outcomes: ['Stay safe and well at home'],
    supports: [{ description: 'Home care, 10 hours a week', category: 'personal-care', costPence: 24_000, provider: 'Agency A' }],
    period: 'week',
    deployment: 'direct-payment',
  },
  SupportPlanSubmitted: { planVersion: 1, personAgreement: 'agrees' },
  SupportPlanReturned: { planVersion: 1, reasons: 'Costs not itemised', changesRequested: ['Itemise agency costs'] },
  SupportPlanApproved: {
    planVersion: 1,
    finalBudgetPence: 25_000,
    period: 'week',
    reasons: 'Plan meets the eligible needs within the indicative budget',
  },
  SupportStarted: { startDate: '2026-01-05' },
  ReviewRequested: { requestedBy: 'person-1', why: 'My needs have changed' },
  ReviewStarted: { reviewer: 'case-worker-1' },
  ReviewCompleted: { outcome: 'continue', reasons: 'Plan is meeting outcomes' },
  PreferenceRecorded: { topic: 'place-of-care', value: 'home', inTheirWords: 'I want to be cared for at home' },
  AdvocateAppointed: { advocateId: 'advocate-1', basis: 'care-act-s67' },
  AdvocateWithdrawn: { advocateId: 'advocate-1', basis: 'person no longer needs an advocate' },
  DecisionChallenged: { decisionRevision: 2, grounds: 'The assessment ignored my night-time needs', raisedBy: 'person-1' },
  ChallengeResolved: { challengeRevision: 3, outcome: 'not-upheld', reasons: 'Night-time needs were considered' },
  DeadlineMissed: { clock: 'assessment-completed', dueAt: '2026-02-01T09:00:00.000Z' },
  JourneyClosed: { reason: 'died' },
  AccessRequested: { requestedBy: 'person-1', what: 'Everything you hold about me' },
  AccessRequestAnswered: { requestRevision: 1, given: 'The journey export and the access log, sent by secure email' },
};

/** A fact of the given type: defaults overridden by `data`, recorded by the usual role. */
export function fact<K extends EventType>(
  type: K,
  data: Partial<EventDataMap[K]> = {},
  options: { by?: Actor; at?: string; reason?: string } = {},
): Fact<K> {
  return {
    type,
    data: { ...DEFAULT_DATA[type], ...data },
    actor: options.by ?? DEFAULT_ACTOR[type],
    at: options.at,
    reason: options.reason,
  };
}

const START = Date.parse('2026-01-05T09:00:00.000Z');
const HOUR = 3_600_000;

/**
 * Number facts from revision 0 and give each a time: an hour apart unless pinned, and never
 * before the fact before it (`after`, for the first), since no fact may be dated before its referral.
 */
export function toEvents(facts: readonly Fact[], firstRevision = 0, after?: string): JourneyEvent[] {
  let previous = after === undefined ? -Infinity : Date.parse(after);
  return facts.map((f, index) => {
    const revision = firstRevision + index;
    const occurredAt = f.at ?? new Date(Math.max(START + revision * HOUR, previous + HOUR)).toISOString();
    previous = Date.parse(occurredAt);
    return {
      type: f.type,
      data: f.data,
      meta: {
        actor: f.actor,
        occurredAt,
        revision,
        ...(f.reason ? { reason: f.reason } : {}),
      },
    } as JourneyEvent;
  });
}

/** The facts that take a standard social-care journey to the named step. */
export const pathTo = {
  assessment: (): Fact[] => [fact('ReferralReceived'), fact('AssessmentStarted')],
  indicativeBudget: (): Fact[] => [...pathTo.assessment(), fact('AssessmentCompleted')],
  supportPlanning: (): Fact[] => [...pathTo.indicativeBudget(), fact('IndicativeBudgetSet')],
  planDrafted: (): Fact[] => [...pathTo.supportPlanning(), fact('SupportPlanDrafted')],
  signOff: (): Fact[] => [...pathTo.planDrafted(), fact('SupportPlanSubmitted')],
  approved: (): Fact[] => [...pathTo.signOff(), fact('SupportPlanApproved')],
  liveSupport: (): Fact[] => [...pathTo.approved(), fact('SupportStarted')],
  review: (): Fact[] => [...pathTo.liveSupport(), fact('ReviewStarted')],
  notEligible: (): Fact[] => [
    ...pathTo.assessment(),
    fact('AssessmentCompleted', { eligible: false, eligibleOutcomes: [], reasons: 'Needs do not meet reg. 2' }),
  ],
};
