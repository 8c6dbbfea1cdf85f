/**
 * Support-planning v1, event by event: where each fact of the vocabulary may be recorded and where
 * it may not, who may record it, and what the pure functions over the machine (`decide`,
 * `allowedEvents`, `rehydrate`, `summarise`) answer. The rules themselves, guard by guard, are in
 * `v1.guards.spec.ts`; whole journeys in `v1.journeys.spec.ts`; path coverage in `v1.paths.spec.ts`.
 */
import { WorkflowRegistry } from '../index';
import {
  allowedEvents,
  apply,
  decide,
  initialSnapshot,
  rehydrate,
  replay,
  replayChecked,
  statePath,
  type JourneySnapshot,
} from '../runtime';
import { summarise } from '../summary';
import { actors, fact, pathTo, toEvents, type Fact } from '../testing/facts';
import { specification } from '../testing/specification';
import {
  EVENT_TYPES,
  ROLES,
  V2_ONLY_EVENT_TYPES,
  type Actor,
  type EventType,
  type EventTypeV1,
  type JourneyEvent,
  type Role,
} from './events';
import { GUARD_DESCRIPTIONS } from './guards';

const v1 = new WorkflowRegistry().get('support-planning', 1);
const journey = specification(v1);

/** The journey after these facts (each one checked by the machine as it is replayed). */
const after = (...facts: Fact[]): JourneySnapshot => replay(v1, toEvents(facts));
/** The fact as it would be recorded next after `history` (revision and time follow on). */
const next = (history: Fact[], f: Fact): JourneyEvent => toEvents([f], history.length, toEvents(history).at(-1)?.meta.occurredAt)[0];

/** v1's vocabulary: every event but version 2's own. */
const V1_EVENT_TYPES = EVENT_TYPES.filter((type): type is EventTypeV1 => !(V2_ONLY_EVENT_TYPES as readonly string[]).includes(type));

const closedAfterReferral = (): Fact[] => [fact('ReferralReceived'), fact('JourneyClosed', { reason: 'withdrew' })];

/**
 * Every event of the vocabulary: a history where it is allowed (and the step it leads to), and a
 * history where the journey is at the wrong step for it. Typed as a Record over the event types,
 * so a new event cannot be added to the vocabulary without a row here.
 */
const EVERY_EVENT: Record<EventTypeV1, { allowedAfter: Fact[]; fact: Fact; leadsTo: string; wrongStep: Fact[] | null; note: string }> = {
  ReferralReceived: {
    note: 'starts the journey; a journey is referred once',
    allowedAfter: [],
    fact: fact('ReferralReceived'),
    leadsTo: 'open.referral',
    wrongStep: [fact('ReferralReceived')],
  },
  AssessmentStarted: {
    note: 'after a referral',
    allowedAfter: [fact('ReferralReceived')],
    fact: fact('AssessmentStarted'),
    leadsTo: 'open.assessment',
    wrongStep: pathTo.assessment(),
  },
  AssessmentCompleted: {
    note: 'once the assessment has started; an eligible outcome moves on to the indicative budget',
    allowedAfter: pathTo.assessment(),
    fact: fact('AssessmentCompleted'),
    leadsTo: 'open.indicativeBudget',
    wrongStep: [fact('ReferralReceived')],
  },
  IndicativeBudgetSet: {
    note: 'after an eligible assessment, before planning starts',
    allowedAfter: pathTo.indicativeBudget(),
    fact: fact('IndicativeBudgetSet'),
    leadsTo: 'open.supportPlanning',
    wrongStep: pathTo.assessment(),
  },
  SupportPlanDrafted: {
    note: 'once the indicative budget is known; drafting again makes a new plan version',
    allowedAfter: pathTo.supportPlanning(),
    fact: fact('SupportPlanDrafted'),
    leadsTo: 'open.supportPlanning',
    wrongStep: pathTo.indicativeBudget(),
  },
  SupportPlanSubmitted: {
    note: 'a drafted plan goes to sign-off',
    allowedAfter: pathTo.planDrafted(),
    fact: fact('SupportPlanSubmitted'),
    leadsTo: 'open.signOff',
    wrongStep: pathTo.signOff(),
  },
  SupportPlanReturned: {
    note: 'at sign-off; a returned plan goes back to planning',
    allowedAfter: pathTo.signOff(),
    fact: fact('SupportPlanReturned'),
    leadsTo: 'open.supportPlanning',
    wrongStep: pathTo.planDrafted(),
  },
  SupportPlanApproved: {
    note: 'at sign-off',
    allowedAfter: pathTo.signOff(),
    fact: fact('SupportPlanApproved'),
    leadsTo: 'open.approved',
    wrongStep: pathTo.planDrafted(),
  },
  SupportStarted: {
    note: 'once the plan is approved',
    allowedAfter: pathTo.approved(),
    fact: fact('SupportStarted'),
    leadsTo: 'open.liveSupport',
    wrongStep: pathTo.signOff(),
  },
  ReviewRequested: {
    note: 'while support is live; the request is remembered until a review completes',
    allowedAfter: pathTo.liveSupport(),
    fact: fact('ReviewRequested'),
    leadsTo: 'open.liveSupport',
    wrongStep: pathTo.approved(),
  },
  ReviewStarted: {
    note: 'while support is live',
    allowedAfter: pathTo.liveSupport(),
    fact: fact('ReviewStarted'),
    leadsTo: 'open.review',
    wrongStep: pathTo.approved(),
  },
  ReviewCompleted: {
    note: 'once a review has started',
    allowedAfter: pathTo.review(),
    fact: fact('ReviewCompleted'),
    leadsTo: 'open.liveSupport',
    wrongStep: pathTo.liveSupport(),
  },
  PreferenceRecorded: {
    note: 'at any open step, without moving the journey',
    allowedAfter: pathTo.signOff(),
    fact: fact('PreferenceRecorded'),
    leadsTo: 'open.signOff',
    wrongStep: closedAfterReferral(),
  },
  AdvocateAppointed: {
    note: 'at any open step, without moving the journey',
    allowedAfter: pathTo.assessment(),
    fact: fact('AdvocateAppointed'),
    leadsTo: 'open.assessment',
    wrongStep: [],
  },
  AdvocateWithdrawn: {
    note: 'at any open step, without moving the journey',
    allowedAfter: [fact('ReferralReceived'), fact('AdvocateAppointed')],
    fact: fact('AdvocateWithdrawn'),
    leadsTo: 'open.referral',
    wrongStep: [fact('ReferralReceived'), fact('AdvocateAppointed'), fact('JourneyClosed')],
  },
  DecisionChallenged: {
    note: 'at any step (even after closure): it names a decision rather than a step',
    allowedAfter: pathTo.notEligible(),
    fact: fact('DecisionChallenged', { decisionRevision: 2 }),
    leadsTo: 'open.notEligible',
    wrongStep: null,
  },
  ChallengeResolved: {
    note: 'at any step where a challenge is open; not upheld leaves the journey where it was',
    allowedAfter: [...pathTo.supportPlanning(), fact('DecisionChallenged', { decisionRevision: 3 })],
    fact: fact('ChallengeResolved', { challengeRevision: 4, outcome: 'not-upheld' }),
    leadsTo: 'open.supportPlanning',
    wrongStep: null,
  },
  DeadlineMissed: {
    note: 'at any open step (and, for a challenge clock, on a closed journey), recorded by the scheduler',
    allowedAfter: pathTo.liveSupport(),
    fact: fact('DeadlineMissed', { clock: 'first-review', dueAt: '2026-04-27T09:00:00.000Z' }),
    leadsTo: 'open.liveSupport',
    wrongStep: [],
  },
  JourneyClosed: {
    note: 'from any open step',
    allowedAfter: pathTo.supportPlanning(),
    fact: fact('JourneyClosed', { reason: 'moved-away' }),
    leadsTo: 'closed',
    wrongStep: closedAfterReferral(),
  },
};

describe('every event of the vocabulary', () => {
  it('has a row in the table above (and nothing else does)', () => {
    expect(Object.keys(EVERY_EVENT).sort()).toEqual([...V1_EVENT_TYPES].sort());
  });

  describe.each(V1_EVENT_TYPES.map((type) => ({ type, ...EVERY_EVENT[type] })))('$type ($note)', (row) => {
    it(`is allowed at its step and leads to ${row.leadsTo}`, () => {
      journey
        .given(...row.allowedAfter)
        .when(row.fact)
        .thenAllowed(row.leadsTo);
    });

    if (row.wrongStep !== null) {
      const wrongStep = row.wrongStep;
      it('is refused at a step where it does not belong (wrong-state)', () => {
        const refusal = journey
          .given(...wrongStep)
          .when(row.fact)
          .thenRefused('wrong-state');
        expect(refusal.kind).toBe('refused');
      });
    } else {
      it('has no wrong step: with nothing to challenge or resolve, the challenge rules refuse it instead', () => {
        const refusal = journey
          .given()
          .when(row.fact)
          .thenRefused(row.type === 'DecisionChallenged' ? 'challengeNamesOpenableDecision' : 'challengeIsOpen');
        expect(refusal.state).toBe('awaitingReferral');
      });
    }
  });
});

describe('a journey that is not eligible', () => {
  const notEligible = pathTo.notEligible();
  const STEP_EVENTS: EventType[] = [
    'AssessmentStarted',
    'AssessmentCompleted',
    'IndicativeBudgetSet',
    'SupportPlanDrafted',
    'SupportPlanSubmitted',
    'SupportPlanReturned',
    'SupportPlanApproved',
    'SupportStarted',
    'ReviewRequested',
    'ReviewStarted',
    'ReviewCompleted',
  ];

  it('rests in notEligible, which only a challenge or closure can leave', () => {
    expect(statePath(after(...notEligible).value)).toBe('open.notEligible');
    // The not-eligible decision is there to challenge; nothing is yet to resolve, no advocate to withdraw.
    expect(allowedEvents(v1, after(...notEligible))).toEqual([
      'PreferenceRecorded',
      'AdvocateAppointed',
      'DecisionChallenged',
      'DeadlineMissed',
      'JourneyClosed',
    ]);
  });

  it.each(STEP_EVENTS)('cannot move on by %s', (type) => {
    journey
      .given(...notEligible)
      .when(fact(type))
      .thenRefused('wrong-state');
  });

  it('keeps resting there while preferences, advocacy and missed deadlines are recorded', () => {
    journey
      .given(...notEligible, fact('PreferenceRecorded'), fact('AdvocateAppointed'))
      .when(fact('DeadlineMissed'))
      .thenAllowed('open.notEligible');
  });

  it('returns to assessment when a challenge to the decision is upheld', () => {
    journey
      .given(...notEligible, fact('DecisionChallenged', { decisionRevision: 2 }))
      .when(fact('ChallengeResolved', { challengeRevision: 3, outcome: 'upheld' }))
      .thenAllowed('open.assessment');
  });

  it('stays not eligible when the challenge is not upheld', () => {
    journey
      .given(...notEligible, fact('DecisionChallenged', { decisionRevision: 2 }))
      .when(fact('ChallengeResolved', { challengeRevision: 3, outcome: 'not-upheld' }))
      .thenAllowed('open.notEligible');
  });

  it('can be closed', () => {
    journey
      .given(...notEligible)
      .when(fact('JourneyClosed', { reason: 'no-longer-eligible' }))
      .thenAllowed('closed');
  });
});

describe('who may record what (the policy’s roles per event)', () => {
  /** An actor of each role; the advocate is appointed by the history when the event allows advocates. */
  const actorOf = (role: Role): Actor => ({ id: `${role}-9`, role });

  it.each(V1_EVENT_TYPES)('%s: the roles the policy lists may record it, every other role is forbidden', (type) => {
    const row = EVERY_EVENT[type];
    for (const role of ROLES) {
      const mayRecord = v1.policy.rolesPerEvent[type]?.includes(role) ?? false;
      const history =
        role === 'advocate' && mayRecord
          ? [...row.allowedAfter, fact('AdvocateAppointed', { advocateId: 'advocate-9' })]
          : row.allowedAfter;
      const candidate = { ...row.fact, actor: actorOf(role) };
      const decision = decide(v1, after(...history), next(history, candidate));
      if (mayRecord) {
        expect({ role, decision }).toEqual({ role, decision: { ok: true } });
      } else {
        expect({ role, decision }).toEqual({
          role,
          decision: expect.objectContaining({ ok: false, kind: 'forbidden', reason: 'actorMayRecord' }),
        });
      }
    }
  });

  it('an auditor records nothing, whatever the step', () => {
    expect(EVENT_TYPES.filter((type) => v1.policy.rolesPerEvent[type]?.includes('auditor'))).toEqual([]);
    journey
      .given(...pathTo.signOff())
      .when(fact('SupportPlanApproved', {}, { by: actors.auditor }))
      .thenRefused('actorMayRecord');
  });

  it('the system (the scheduler) records only DeadlineMissed', () => {
    expect(EVENT_TYPES.filter((type) => v1.policy.rolesPerEvent[type]?.includes('system'))).toEqual(['DeadlineMissed']);
    journey
      .given(...pathTo.review())
      .when(fact('ReviewCompleted', {}, { by: actors.system }))
      .thenRefused('actorMayRecord');
    journey
      .given(...pathTo.review())
      .when(fact('DeadlineMissed', {}, { by: actors.caseWorker }))
      .thenRefused('actorMayRecord');
  });

  it('a person may challenge and record their own preferences, but not approve a plan', () => {
    journey
      .given(...pathTo.approved())
      .when(fact('DecisionChallenged', { decisionRevision: 6 }, { by: actors.person }))
      .thenAllowed('open.approved');
    journey
      .given(...pathTo.signOff())
      .when(fact('SupportPlanApproved', {}, { by: actors.person }))
      .thenRefused('actorMayRecord');
  });

  it('an advocate acts only once appointed, and no longer once withdrawn', () => {
    const challenge = fact('DecisionChallenged', { decisionRevision: 2, raisedBy: 'advocate-1' }, { by: actors.advocate });
    journey
      .given(...pathTo.notEligible())
      .when(challenge)
      .thenRefused('advocateIsAppointed');
    journey
      .given(...pathTo.notEligible(), fact('AdvocateAppointed'))
      .when(challenge)
      .thenAllowed('open.notEligible');
    journey
      .given(...pathTo.notEligible(), fact('AdvocateAppointed'), fact('AdvocateWithdrawn'))
      .when(challenge)
      .thenRefused('advocateIsAppointed');
  });
});

describe('decide: the answer a command gets', () => {
  it('is { ok: true } when the fact may be recorded now', () => {
    expect(decide(v1, after(...pathTo.signOff()), next(pathTo.signOff(), fact('SupportPlanApproved')))).toEqual({ ok: true });
  });

  it('says `forbidden` when the role may never record the event, with the events that role may record now', () => {
    const history = pathTo.signOff();
    expect(decide(v1, after(...history), next(history, fact('SupportPlanApproved', {}, { by: actors.caseWorker })))).toEqual({
      ok: false,
      kind: 'forbidden',
      reason: 'actorMayRecord',
      explanation: 'role case-worker may not record SupportPlanApproved',
      state: 'open.signOff',
      allowed: ['PreferenceRecorded', 'AdvocateAppointed', 'JourneyClosed'],
    });
  });

  it('says `refused` with reason wrong-state when the journey is at another step', () => {
    const history = pathTo.signOff();
    expect(decide(v1, after(...history), next(history, fact('SupportStarted')))).toEqual({
      ok: false,
      kind: 'refused',
      reason: 'wrong-state',
      explanation: 'SupportStarted is not allowed in state open.signOff',
      state: 'open.signOff',
      allowed: ['PreferenceRecorded', 'AdvocateAppointed', 'JourneyClosed'],
    });
  });

  it('says `refused` and names the rule, in words, when a guard refuses', () => {
    const history = pathTo.signOff();
    const drafterAsApprover = fact('SupportPlanApproved', {}, { by: { id: actors.caseWorker.id, role: 'approver' } });
    expect(decide(v1, after(...history), next(history, drafterAsApprover))).toEqual({
      ok: false,
      kind: 'refused',
      reason: 'approverDidNotDraftPlan',
      explanation: GUARD_DESCRIPTIONS.approverDidNotDraftPlan,
      state: 'open.signOff',
      allowed: ['SupportPlanReturned', 'SupportPlanApproved'],
    });
  });

  it('refuses an event that is not in the vocabulary', () => {
    const unknown = {
      type: 'PlanUpdated',
      data: {},
      meta: { actor: actors.caseWorker, occurredAt: '2026-01-05T09:00:00.000Z', revision: 0 },
    };
    expect(decide(v1, initialSnapshot(v1), unknown as unknown as JourneyEvent)).toMatchObject({
      ok: false,
      kind: 'refused',
      reason: 'unknown-event',
      state: 'awaitingReferral',
      allowed: ['ReferralReceived'],
    });
  });

  it('agrees with replayChecked, which stops at the first fact the workflow refuses', () => {
    const events = toEvents([...pathTo.planDrafted(), fact('SupportStarted'), fact('SupportPlanSubmitted')]);
    const result = replayChecked(v1, events);
    expect(result.refusedAt).toBe(5);
    expect(result.refusal).toMatchObject({ ok: false, reason: 'wrong-state', state: 'open.supportPlanning' });
    expect(statePath(result.snapshot.value)).toBe('open.supportPlanning');
    expect(() => replay(v1, events)).toThrow(/event 5 \(SupportStarted\) is refused by the workflow: wrong-state/);
  });
});

describe('allowedEvents: what may happen next', () => {
  it('before a referral: only the referral (challenges are on every state, but there is nothing yet to name)', () => {
    expect(allowedEvents(v1, initialSnapshot(v1))).toEqual(['ReferralReceived']);
  });

  it('at sign-off: the decision on the plan, the side activities and challenges', () => {
    expect(allowedEvents(v1, after(...pathTo.signOff()))).toEqual([
      'SupportPlanReturned',
      'SupportPlanApproved',
      'PreferenceRecorded',
      'AdvocateAppointed',
      'DecisionChallenged',
      'DeadlineMissed',
      'JourneyClosed',
    ]);
  });

  it('offers only what the journey holds something for: a resolution once a challenge is open, a withdrawal once an advocate is appointed', () => {
    const challenged = [...pathTo.signOff(), fact('DecisionChallenged', { decisionRevision: 3 }), fact('AdvocateAppointed')];
    expect(allowedEvents(v1, after(...challenged), 'approver')).toEqual([
      'SupportPlanReturned',
      'SupportPlanApproved',
      'ChallengeResolved',
    ]);
    expect(allowedEvents(v1, after(...challenged), 'case-worker')).toEqual([
      'PreferenceRecorded',
      'AdvocateAppointed',
      'AdvocateWithdrawn',
      'JourneyClosed',
    ]);
    // Every decision so far (the assessment at 2 and the budget at 3, which is under challenge) leaves the assessment to challenge.
    expect(allowedEvents(v1, after(...challenged), 'person')).toEqual(['PreferenceRecorded', 'DecisionChallenged']);
  });

  it('is filtered by role', () => {
    const live = after(...pathTo.liveSupport());
    expect(allowedEvents(v1, live, 'person')).toEqual(['ReviewRequested', 'PreferenceRecorded', 'DecisionChallenged']);
    expect(allowedEvents(v1, live, 'case-worker')).toEqual([
      'ReviewRequested',
      'ReviewStarted',
      'PreferenceRecorded',
      'AdvocateAppointed',
      'JourneyClosed',
    ]);
    expect(allowedEvents(v1, live, 'approver')).toEqual([]);
    expect(allowedEvents(v1, live, 'system')).toEqual(['DeadlineMissed']);
    expect(allowedEvents(v1, live, 'auditor')).toEqual([]);
  });

  it('on a closed journey, only challenges (of a decision it holds) and the missed deadline of one', () => {
    expect(allowedEvents(v1, after(...closedAfterReferral()))).toEqual(['DeadlineMissed']);
    const closedAfterDecision = [...pathTo.notEligible(), fact('JourneyClosed', { reason: 'withdrew' })];
    expect(allowedEvents(v1, after(...closedAfterDecision))).toEqual(['DecisionChallenged', 'DeadlineMissed']);
  });
});

describe('rehydrate: a snapshot read back from JSON', () => {
  const history = [...pathTo.signOff(), fact('PreferenceRecorded'), fact('AdvocateAppointed')];
  const original = after(...history);
  const persisted = JSON.parse(JSON.stringify(original)) as { value: JourneySnapshot['value']; context: JourneySnapshot['context'] };
  const candidates: JourneyEvent[] = [
    next(history, fact('SupportPlanApproved')),
    next(history, fact('SupportPlanApproved', {}, { by: { id: actors.caseWorker.id, role: 'approver' } })),
    next(history, fact('SupportPlanApproved', { finalBudgetPence: 26_000 })),
    next(history, fact('SupportPlanReturned')),
    next(history, fact('SupportStarted')),
    next(history, fact('DecisionChallenged', { decisionRevision: 3 })),
    next(history, fact('DecisionChallenged', { decisionRevision: 4 })),
    next(history, fact('AdvocateAppointed')),
    next(history, fact('AdvocateWithdrawn')),
    next(history, fact('JourneyClosed')),
  ];

  it('is plain data with no machine behind it until rehydrated', () => {
    expect(persisted).toMatchObject({ value: { open: 'signOff' } });
    expect((persisted as unknown as { can?: unknown }).can).toBeUndefined();
  });

  it('answers `can` exactly as the original snapshot does', () => {
    const rehydrated = rehydrate(v1, persisted);
    const answers = (snapshot: JourneySnapshot) => candidates.map((event) => snapshot.can(event));
    expect(answers(rehydrated)).toEqual(answers(original));
    expect(answers(original)).toEqual([true, false, false, true, false, true, false, false, true, true]);
  });

  it('decides, summarises and carries on like the original', () => {
    const rehydrated = rehydrate(v1, persisted);
    candidates.forEach((event) => expect(decide(v1, rehydrated, event)).toEqual(decide(v1, original, event)));
    expect(summarise(v1, rehydrated)).toEqual(summarise(v1, original));
    const approval = candidates[0];
    expect(summarise(v1, apply(v1, rehydrated, approval))).toEqual(summarise(v1, apply(v1, original, approval)));
  });
});

describe('summarise: the serialisable view of a journey', () => {
  it('gives the status a caseload filters on', () => {
    expect(summarise(v1, initialSnapshot(v1)).status).toBe('awaiting-referral');
    expect(summarise(v1, after(...pathTo.supportPlanning())).status).toBe('open');
    expect(summarise(v1, after(...pathTo.notEligible())).status).toBe('not-eligible');
    expect(summarise(v1, after(...closedAfterReferral())).status).toBe('closed');
  });

  it('of a journey before any fact', () => {
    expect(summarise(v1, initialSnapshot(v1))).toEqual({
      workflow: { id: 'support-planning', version: 1 },
      state: 'awaitingReferral',
      step: 'awaitingReferral',
      status: 'awaiting-referral',
      revision: -1,
      lastOccurredAt: null,
      fundingStream: null,
      route: null,
      referredAt: null,
      eligible: null,
      indicativeBudget: null,
      budgetInForce: null,
      plan: null,
      previousPlanVersion: null,
      submitted: null,
      supportStartedAt: null,
      reviewRequest: null,
      preferences: {},
      advocates: [],
      openChallenges: [],
      resolvedChallenges: [],
      missedDeadlines: [],
      closure: null,
    });
  });

  it('of a journey at sign-off, with a preference, an advocate and an open challenge to the budget', () => {
    const snapshot = after(
      ...pathTo.signOff(), // revisions 0-5
      fact('PreferenceRecorded', { topic: 'carers', value: 'same-carers', inTheirWords: 'I want the carers I know' }),
      fact('AdvocateAppointed'),
      fact('DecisionChallenged', { decisionRevision: 3, grounds: 'Too little for night care' }),
    );
    expect(summarise(v1, snapshot)).toEqual({
      workflow: { id: 'support-planning', version: 1 },
      state: 'open.signOff',
      step: 'signOff',
      status: 'open',
      revision: 8,
      lastOccurredAt: '2026-01-05T17:00:00.000Z',
      fundingStream: 'social-care',
      route: 'standard',
      referredAt: '2026-01-05T09:00:00.000Z',
      eligible: true,
      indicativeBudget: { amountPence: 25_000, period: 'week', revision: 3, setAt: '2026-01-05T12:00:00.000Z' },
      budgetInForce: null,
      plan: {
        version: 1,
        outcomes: ['Stay safe and well at home'],
        supports: [{ description: 'Home care, 10 hours a week', category: 'personal-care', costPence: 24_000, provider: 'Agency A' }],
        period: 'week',
        deployment: 'direct-payment',
        fundingShares: [],
        choices: {},
        overBudgetReason: null,
        totalPence: 24_000,
        draftedBy: 'case-worker-1',
        draftedAt: '2026-01-05T13:00:00.000Z',
        revision: 4,
      },
      previousPlanVersion: null,
      submitted: { planVersion: 1, personAgreement: 'agrees', personViews: null, revision: 5 },
      supportStartedAt: null,
      reviewRequest: null,
      preferences: {
        carers: {
          value: 'same-carers',
          inTheirWords: 'I want the carers I know',
          recordedBy: 'person-1',
          recordedAt: '2026-01-05T15:00:00.000Z',
          revision: 6,
        },
      },
      advocates: ['advocate-1'],
      openChallenges: [{ challengeRevision: 8, decisionRevision: 3, raisedBy: 'person-1', raisedAt: '2026-01-05T17:00:00.000Z' }],
      resolvedChallenges: [],
      missedDeadlines: [],
      closure: null,
    });
  });

  it('is plain JSON: it survives a round trip unchanged', () => {
    const summary = summarise(v1, after(...pathTo.review(), fact('ReviewCompleted', { outcome: 'end-support' })));
    expect(JSON.parse(JSON.stringify(summary))).toEqual(summary);
    expect(summary).toMatchObject({ state: 'closed', status: 'closed', closure: { reason: 'support-ended-at-review', revision: 9 } });
  });
});

describe('statePath', () => {
  it('writes a state value as a dotted path', () => {
    expect(statePath('awaitingReferral')).toBe('awaitingReferral');
    expect(statePath({ open: 'signOff' })).toBe('open.signOff');
    expect(statePath({ open: {} })).toBe('open');
    expect(statePath({ a: 'x', b: { c: 'y' } })).toBe('a.x,b.c.y');
  });
});

describe('the budget in force', () => {
  const integratedAtSignOff = (): Fact[] => [fact('ReferralReceived', { fundingStream: 'integrated' }), ...pathTo.signOff().slice(1)];

  it('keeps each funder’s share as the approval confirmed it, over the draft’s', () => {
    const shares = [
      { funder: 'council' as const, amountPence: 15_000 },
      { funder: 'nhs' as const, amountPence: 10_000 },
    ];
    const approved = after(...integratedAtSignOff(), fact('SupportPlanApproved', { fundingShares: shares }));
    expect(approved.context.budgetInForce).toMatchObject({ amountPence: 25_000, approvedBy: actors.approver.id, fundingShares: shares });
  });

  it('keeps no shares for a budget one funder pays', () => {
    expect(after(...pathTo.approved()).context.budgetInForce?.fundingShares).toEqual([]);
  });
});
