/**
 * The record in plain English (GOV.UK content style): dates as "2 December 2026", money as £
 * from pence, roles and steps in everyday words, and one sentence for every fact of the journey.
 * Pure functions: the pages and their tests read the same words.
 */
import type { BudgetPeriod, EventDataMap, EventType, Role } from '../../workflows';

const LONDON = 'Europe/London';
const DATE = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: LONDON });
const TIME = new Intl.DateTimeFormat('en-GB', { hour: 'numeric', minute: '2-digit', hourCycle: 'h12', timeZone: LONDON });

/** "2 December 2026", in UK time (a fact at 11pm GMT on the 1st of June is on the 2nd in London). */
export function formatDate(iso: string): string {
  return DATE.format(new Date(iso));
}

/** "4pm on 2 December 2026", "9:30am on ..." (GOV.UK style: no ":00", lower-case am and pm). */
export function formatDateTime(iso: string): string {
  const time = TIME.format(new Date(iso)).replace(/\s/g, '').replace(':00', '').toLowerCase();
  const plain = time === '12am' ? 'midnight' : time === '12pm' ? 'midday' : time;
  return `${plain} on ${formatDate(iso)}`;
}

/** "£1,750" for whole pounds, "£1,750.50" otherwise. Integer pence in, never a float on the way. */
export function formatMoney(pence: number): string {
  const sign = pence < 0 ? '-' : '';
  const abs = Math.abs(pence);
  const pounds = Math.floor(abs / 100).toLocaleString('en-GB');
  const rest = abs % 100;
  return `${sign}£${pounds}${rest === 0 ? '' : `.${String(rest).padStart(2, '0')}`}`;
}

const PERIODS: Record<BudgetPeriod, string> = { week: 'a week', 'four-weeks': 'every 4 weeks', month: 'a month', year: 'a year' };

export function formatBudget(pence: number, period: BudgetPeriod | undefined): string {
  return period === undefined ? formatMoney(pence) : `${formatMoney(pence)} ${PERIODS[period]}`;
}

const ROLE_NAMES: Record<Role, string> = {
  'case-worker': 'case worker',
  approver: 'approver',
  'senior-approver': 'senior approver',
  advocate: 'advocate',
  person: 'the person',
  auditor: 'auditor',
  system: 'the engine',
};

export function roleName(role: string): string {
  return ROLE_NAMES[role as Role] ?? role;
}

/** "case-worker-1, case worker" or, for the person themself, "The person (or their representative)". */
export function actorName(actor: { id: string; role: string; onBehalfOf?: string }): string {
  if (actor.role === 'person') return 'The person (or their representative)';
  if (actor.role === 'system') return 'The engine';
  const behalf = actor.onBehalfOf ? `, for ${actor.onBehalfOf}` : '';
  return `${actor.id}, ${roleName(actor.role)}${behalf}`;
}

/** The subject of a sentence about what someone did: "Sam Patel, approver," (commas around the role). */
export function actorAsSubject(actor: { id: string; role: string; onBehalfOf?: string }): string {
  const name = actorName(actor);
  return actor.role === 'person' || actor.role === 'system' ? name : `${name},`;
}

const STEPS: Record<string, string> = {
  awaitingReferral: 'Waiting for a referral',
  referral: 'Referred, waiting for an assessment',
  assessment: 'Assessment',
  notEligible: 'Not eligible',
  indicativeBudget: 'Setting the indicative budget',
  supportPlanning: 'Writing the support plan',
  signOff: 'Waiting for sign-off',
  approved: 'Plan signed off, support not started yet',
  liveSupport: 'Support in place',
  review: 'Review',
  closed: 'Closed',
};

export function stepName(step: string): string {
  return STEPS[step] ?? step;
}

/** Topic names are free text in the record (`place-of-care`): shown as words. */
export function topicName(topic: string): string {
  return topic.replace(/[-_]+/g, ' ');
}

const FUNDING: Record<string, string> = {
  'social-care': 'Council (social care personal budget)',
  'nhs-chc': 'NHS Continuing Healthcare (personal health budget)',
  integrated: 'Council and NHS together (integrated personal budget)',
};

export function fundingName(stream: string | null): string {
  return stream === null ? 'Not known yet' : (FUNDING[stream] ?? stream);
}

const CHALLENGE_OUTCOMES: Record<string, string> = { upheld: 'upheld', 'partly-upheld': 'partly upheld', 'not-upheld': 'not upheld' };
const REVIEW_OUTCOMES: Record<string, string> = {
  continue: 'support continues as it is',
  'revise-plan': 'the plan is to be revised',
  reassess: 'needs are to be assessed again',
  'end-support': 'support ends',
};
const CLOSURE: Record<string, string> = {
  died: 'the person died',
  'moved-away': 'the person moved away',
  'no-longer-eligible': 'the person is no longer eligible',
  declined: 'the person declined support',
  withdrew: 'the person withdrew',
};

/** A fact as the journey records it: its type and its data, narrowed together. */
export type Fact = { [K in EventType]: { type: K; data: EventDataMap[K] } }[EventType];

/** What a fact says, as the end of a sentence whose subject is who recorded it: "signed off the plan". */
export function describeFact(fact: Fact): string {
  switch (fact.type) {
    case 'ReferralReceived':
      return `recorded a ${fact.data.route === 'fast-track' ? 'fast-track ' : ''}referral from ${fact.data.source}: ${fact.data.summary}`;
    case 'AssessmentStarted':
      return 'started the assessment';
    case 'AssessmentCompleted':
      return `completed the assessment and found the person ${fact.data.eligible === false ? 'not eligible' : 'eligible'}`;
    case 'IndicativeBudgetSet':
      return `set an indicative budget of ${formatBudget(fact.data.amountPence, fact.data.period)}, worked out with ${fact.data.method.tool} version ${fact.data.method.version}`;
    case 'SupportPlanDrafted': {
      const { supports, period } = fact.data;
      const total = supports.reduce((sum, support) => sum + support.costPence, 0);
      return `wrote a support plan with ${supports.length} ${supports.length === 1 ? 'support' : 'supports'} costing ${formatBudget(total, period)}`;
    }
    case 'SupportPlanSubmitted':
      return `sent version ${fact.data.planVersion} of the plan for sign-off; the person ${fact.data.personAgreement === 'agrees' ? 'agrees with it' : 'does not agree with it'}`;
    case 'SupportPlanReturned':
      return `sent version ${fact.data.planVersion} of the plan back for changes: ${fact.data.changesRequested.join('; ') || 'none listed'}`;
    case 'SupportPlanApproved':
      return `signed off the plan with a final budget of ${formatBudget(fact.data.finalBudgetPence, fact.data.period)}`;
    case 'SupportStarted':
      return `recorded that support started on ${formatDate(fact.data.startDate)}`;
    case 'ReviewRequested':
      return 'asked for a review';
    case 'ReviewStarted':
      return 'started the review';
    case 'ReviewCompleted':
      return `completed the review: ${REVIEW_OUTCOMES[fact.data.outcome] ?? fact.data.outcome}`;
    case 'PreferenceRecorded':
      return `recorded what the person wants about ${topicName(fact.data.topic)}`;
    case 'AdvocateAppointed':
      return `appointed ${fact.data.advocateId} as advocate`;
    case 'AdvocateWithdrawn':
      return `ended ${fact.data.advocateId}'s appointment as advocate`;
    case 'DecisionChallenged':
      return 'challenged a decision';
    case 'ChallengeResolved':
      return `answered a challenge: ${CHALLENGE_OUTCOMES[fact.data.outcome] ?? fact.data.outcome}`;
    case 'DeadlineMissed':
      return `recorded that a deadline was missed (${fact.data.clock.replace(/-/g, ' ')}, due by ${formatDate(fact.data.dueAt)})`;
    case 'JourneyClosed':
      return `closed the journey because ${CLOSURE[fact.data.reason] ?? fact.data.reason}`;
    case 'AccessRequested':
      return 'asked for a copy of the record';
    case 'AccessRequestAnswered':
      return `answered the request for the record: ${fact.data.given}`;
    default: {
      const unknown: never = fact;
      return `recorded ${(unknown as { type: string }).type}`;
    }
  }
}

/** What recording an event of this type means, for "what may be recorded next". */
export const NEXT_STEP_NAMES: Record<EventType, string> = {
  ReferralReceived: 'Record a referral',
  AssessmentStarted: 'Start the assessment',
  AssessmentCompleted: 'Complete the assessment',
  IndicativeBudgetSet: 'Set the indicative budget',
  SupportPlanDrafted: 'Write or revise the support plan',
  SupportPlanSubmitted: 'Send the plan for sign-off',
  SupportPlanReturned: 'Send the plan back for changes',
  SupportPlanApproved: 'Sign off the plan',
  SupportStarted: 'Record that support has started',
  ReviewRequested: 'Ask for a review',
  ReviewStarted: 'Start the review',
  ReviewCompleted: 'Complete the review',
  PreferenceRecorded: 'Record what the person wants',
  AdvocateAppointed: 'Appoint an advocate',
  AdvocateWithdrawn: 'End an advocate’s appointment',
  DecisionChallenged: 'Challenge a decision',
  ChallengeResolved: 'Answer a challenge',
  DeadlineMissed: 'Record a missed deadline',
  JourneyClosed: 'Close the journey',
  AccessRequested: 'Ask for a copy of the record',
  AccessRequestAnswered: 'Answer a request for the record',
};

export function challengeOutcomeName(outcome: string): string {
  return CHALLENGE_OUTCOMES[outcome] ?? outcome;
}
