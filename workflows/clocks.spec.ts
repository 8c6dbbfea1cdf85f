/**
 * Every clock of DOMAIN.md's table: what starts it, when it falls due, what stops it, and how a
 * recorded DeadlineMissed escalates the journey until the work is done.
 */
import { addDuration, clocksToMark, computeClocks, isEscalated, lateEntries, markableAt, openClocks } from './clocks';
import { WorkflowRegistry } from './index';
import type { WorkflowDefinition } from './runtime';
import { policyV1 } from './support-planning/policy';
import { fact, pathTo, toEvents, type Fact } from './testing/facts';
import { lateEntryDefinition } from './testing/late-entry-policy';

const v1 = new WorkflowRegistry().get('support-planning', 1);
const clocksOf = (facts: Fact[], definition: WorkflowDefinition = v1) => computeClocks(definition.policy, toEvents(facts));
const open = (facts: Fact[]) => openClocks(clocksOf(facts)).map((clock) => clock.clock);

describe('addDuration', () => {
  it('adds hours, days and weeks exactly, in UTC', () => {
    expect(addDuration('2026-03-28T09:00:00.000Z', { hours: 48 })).toBe('2026-03-30T09:00:00.000Z');
    expect(addDuration('2026-03-28T09:00:00.000Z', { days: 28 })).toBe('2026-04-25T09:00:00.000Z');
    expect(addDuration('2026-01-05T09:00:00.000Z', { weeks: 8 })).toBe('2026-03-02T09:00:00.000Z');
  });

  it('adds calendar months, clamped to the end of a shorter month', () => {
    expect(addDuration('2026-01-31T10:00:00.000Z', { months: 1 })).toBe('2026-02-28T10:00:00.000Z');
    expect(addDuration('2026-08-15T10:00:00.000Z', { months: 6 })).toBe('2027-02-15T10:00:00.000Z');
  });
});

describe('each clock of the policy', () => {
  const referralAt = '2026-01-05T09:00:00.000Z';
  const cases: Array<{ clock: string; facts: Fact[]; due: string; stoppedBy: Fact }> = [
    {
      clock: 'fast-track-care-in-place',
      facts: [fact('ReferralReceived', { fundingStream: 'nhs-chc', route: 'fast-track' }, { at: referralAt })],
      due: '2026-01-07T09:00:00.000Z',
      stoppedBy: fact('SupportStarted'),
    },
    {
      clock: 'chc-eligibility-decision',
      facts: [fact('ReferralReceived', { fundingStream: 'nhs-chc' }, { at: referralAt }), fact('AssessmentStarted')],
      due: '2026-02-02T09:00:00.000Z',
      stoppedBy: fact('AssessmentCompleted'),
    },
    {
      clock: 'assessment-completed',
      facts: [fact('ReferralReceived', {}, { at: referralAt }), fact('AssessmentStarted')],
      due: '2026-02-02T09:00:00.000Z',
      stoppedBy: fact('AssessmentCompleted'),
    },
    {
      clock: 'plan-signed-off',
      facts: [...pathTo.indicativeBudget(), fact('IndicativeBudgetSet', {}, { at: '2026-01-10T09:00:00.000Z' })],
      due: '2026-02-07T09:00:00.000Z',
      stoppedBy: fact('SupportPlanApproved'),
    },
    {
      clock: 'first-review',
      facts: [...pathTo.approved(), fact('SupportStarted', {}, { at: '2026-02-02T09:00:00.000Z' })],
      due: '2026-03-30T09:00:00.000Z',
      stoppedBy: fact('ReviewCompleted'),
    },
    {
      clock: 'direct-payment-first-review',
      facts: [...pathTo.approved(), fact('SupportStarted', {}, { at: '2026-02-02T09:00:00.000Z' })],
      due: '2026-08-02T09:00:00.000Z',
      stoppedBy: fact('ReviewCompleted'),
    },
    {
      clock: 'chc-first-review',
      facts: [
        fact('ReferralReceived', { fundingStream: 'nhs-chc' }),
        ...pathTo.approved().slice(1),
        fact('SupportStarted', {}, { at: '2026-02-02T09:00:00.000Z' }),
      ],
      due: '2026-05-02T09:00:00.000Z',
      stoppedBy: fact('ReviewCompleted'),
    },
    {
      clock: 'annual-review',
      facts: [...pathTo.review(), fact('ReviewCompleted', { outcome: 'continue' }, { at: '2026-04-01T09:00:00.000Z' })],
      due: '2027-04-01T09:00:00.000Z',
      stoppedBy: fact('ReviewCompleted'),
    },
    {
      clock: 'challenge-answered',
      facts: [...pathTo.indicativeBudget(), fact('DecisionChallenged', { decisionRevision: 2 }, { at: '2026-01-10T09:00:00.000Z' })],
      due: '2026-02-07T09:00:00.000Z',
      stoppedBy: fact('ChallengeResolved', { challengeRevision: 3 }),
    },
  ];

  it('covers every clock in the policy', () => {
    expect(cases.map((c) => c.clock).sort()).toEqual(policyV1.clocks.map((c) => c.id).sort());
  });

  describe.each(cases)('$clock', ({ clock, facts, due, stoppedBy }) => {
    it('starts, with its due time from the policy', () => {
      const started = clocksOf(facts).find((instance) => instance.clock === clock);
      expect(started).toMatchObject({ status: 'running', dueAt: due });
    });

    it('is due for marking once its time has passed, not before', () => {
      const clocks = clocksOf(facts).filter((instance) => instance.clock === clock);
      const justBefore = new Date(Date.parse(due) - 1);
      expect(clocksToMark(clocks, justBefore)).toHaveLength(0);
      expect(clocksToMark(clocks, new Date(due)).map((instance) => instance.clock)).toEqual([clock]);
    });

    it('is marked missed by the DeadlineMissed fact, and the journey is escalated until the work is done', () => {
      const missed = [...facts, fact('DeadlineMissed', { clock, dueAt: due }, { at: due })];
      const afterMiss = clocksOf(missed).find((instance) => instance.clock === clock);
      expect(afterMiss?.status).toBe('missed');
      expect(isEscalated(clocksOf(missed))).toBe(true);
      const done = clocksOf([...missed, stoppedBy]);
      expect(done.find((instance) => instance.clock === clock && instance.dueAt === due)?.status).toBe('stopped');
      expect(isEscalated(done)).toBe(false);
    });
  });
});

describe('stopping clocks', () => {
  it('closing a journey (the person died) stops every clock', () => {
    const facts = [fact('ReferralReceived', { fundingStream: 'nhs-chc', route: 'fast-track' })];
    expect(open(facts).sort()).toEqual(['assessment-completed', 'chc-eligibility-decision', 'fast-track-care-in-place']);
    expect(open([...facts, fact('JourneyClosed', { reason: 'died' })])).toEqual([]);
  });

  it('a review ending support stops the review clocks and starts none', () => {
    expect(open([...pathTo.review(), fact('ReviewCompleted', { outcome: 'end-support' })])).toEqual([]);
  });

  it('a second SupportStarted (after a revised plan) does not restart the first-review clock', () => {
    const facts = [...pathTo.liveSupport(), fact('ReviewStarted'), fact('ReviewCompleted', { outcome: 'revise-plan' })];
    const restarted = [
      ...facts,
      fact('SupportPlanDrafted'),
      fact('SupportPlanSubmitted', { planVersion: 2 }),
      fact('SupportPlanApproved', { planVersion: 2 }),
      fact('SupportStarted'),
    ];
    expect(open(restarted)).not.toContain('first-review');
    expect(open(restarted)).toContain('annual-review');
  });

  it('a review that sends the journey to reassessment keeps the yearly review running, through the new plan', () => {
    const reassess = [...pathTo.review(), fact('ReviewCompleted', { outcome: 'reassess' }, { at: '2026-06-01T09:00:00.000Z' })];
    expect(open(reassess)).toEqual(expect.arrayContaining(['annual-review', 'assessment-completed']));
    const annual = clocksOf(reassess).find((clock) => clock.clock === 'annual-review' && clock.status === 'running');
    expect(annual?.dueAt).toBe('2027-06-01T09:00:00.000Z');
  });

  it('an upheld challenge restarts the clock of the step it reopens; one not upheld restarts nothing', () => {
    const challenged = [...pathTo.notEligible(), fact('DecisionChallenged', { decisionRevision: 2 })]; // challenge at 3
    const upheld = [
      ...challenged,
      fact('ChallengeResolved', { challengeRevision: 3, outcome: 'upheld' }, { at: '2026-04-01T09:00:00.000Z' }),
    ];
    const assessment = clocksOf(upheld).filter((clock) => clock.clock === 'assessment-completed' && clock.status === 'running');
    expect(assessment.map((clock) => clock.dueAt)).toEqual(['2026-04-29T09:00:00.000Z']);
    expect(open([...challenged, fact('ChallengeResolved', { challengeRevision: 3, outcome: 'not-upheld' })])).not.toContain(
      'assessment-completed',
    );

    const approvalChallenged = [...pathTo.approved(), fact('DecisionChallenged', { decisionRevision: 6 })]; // challenge at 7
    const reopened = [...approvalChallenged, fact('ChallengeResolved', { challengeRevision: 7, outcome: 'partly-upheld' })];
    expect(open(reopened)).toContain('plan-signed-off');
    expect(open(reopened)).not.toContain('assessment-completed');
  });

  it('each challenge has its own clock, stopped only by its own resolution', () => {
    const facts = [
      ...pathTo.supportPlanning(),
      fact('DecisionChallenged', { decisionRevision: 2 }),
      fact('DecisionChallenged', { decisionRevision: 3 }),
      fact('ChallengeResolved', { challengeRevision: 5 }),
    ];
    const challengeClocks = openClocks(clocksOf(facts)).filter((instance) => instance.clock === 'challenge-answered');
    expect(challengeClocks.map((instance) => instance.key)).toEqual(['challenge-answered#4']);
  });
});

describe('pinned policy values', () => {
  it('changing the fast-track timescale in a later version leaves v1 journeys’ clocks as they were', () => {
    const registry = new WorkflowRegistry();
    const later: WorkflowDefinition = {
      ...v1,
      version: 9,
      policy: {
        ...policyV1,
        version: 9,
        clocks: policyV1.clocks.map((clock) => (clock.id === 'fast-track-care-in-place' ? { ...clock, due: { hours: 24 } } : clock)),
      },
    };
    registry.register(later);
    const facts = [fact('ReferralReceived', { fundingStream: 'nhs-chc', route: 'fast-track' }, { at: '2026-01-05T09:00:00.000Z' })];
    const dueOn = (definition: WorkflowDefinition) =>
      clocksOf(facts, definition).find((instance) => instance.clock === 'fast-track-care-in-place')?.dueAt;
    expect(dueOn(registry.get('support-planning', 1))).toBe('2026-01-07T09:00:00.000Z');
    expect(dueOn(registry.get('support-planning', 9))).toBe('2026-01-06T09:00:00.000Z');
  });
});

/**
 * v2 rules 7 and 8, switched on by `clockTiming` in the policy. Each "given … when … then" below
 * is checked on the test version (v1's policy with the v2 clock values) and, beside it, on v1,
 * whose answer is the behaviour the rule changes.
 */
describe('clocks under clockTiming (v2 rules 7 and 8)', () => {
  const v2 = lateEntryDefinition();
  const clockOf = (facts: Fact[], clock: string, definition: WorkflowDefinition) =>
    clocksOf(facts, definition)
      .filter((instance) => instance.clock === clock)
      .at(-1);

  describe('rule 7: clocks run from when things happened', () => {
    // Support started on 1 March; the case worker types it in on 22 March (21 days later).
    const enteredLate = (startDate: string, facts: Fact[] = pathTo.approved()) => [
      ...facts,
      fact('SupportStarted', { startDate }, { at: '2026-03-22T10:00:00.000Z' }),
    ];
    const chcApproved = () => [fact('ReferralReceived', { fundingStream: 'nhs-chc' }), ...pathTo.approved().slice(1)];

    it.each([
      ['first-review', pathTo.approved(), '2026-04-26T00:00:00.000Z', '2026-05-17T10:00:00.000Z'],
      ['direct-payment-first-review', pathTo.approved(), '2026-09-01T00:00:00.000Z', '2026-09-22T10:00:00.000Z'],
      ['chc-first-review', chcApproved(), '2026-06-01T00:00:00.000Z', '2026-06-22T10:00:00.000Z'],
    ])(
      'given support started 21 days before it was entered, when entered, then %s is due from the start date',
      (clock, path, dueOnV2, dueOnV1) => {
        const facts = enteredLate('2026-03-01', path);
        expect(clockOf(facts, clock, v2)).toMatchObject({ status: 'running', startedAt: '2026-03-01T00:00:00.000Z', dueAt: dueOnV2 });
        expect(clockOf(facts, clock, v1)?.dueAt).toBe(dueOnV1);
      },
    );

    it('given a start date with a time and zone, then the clock starts at that instant in UTC', () => {
      expect(clockOf(enteredLate('2026-03-01T09:30:00+01:00'), 'first-review', v2)).toMatchObject({
        startedAt: '2026-03-01T08:30:00.000Z',
        dueAt: '2026-04-26T08:30:00.000Z',
      });
    });

    it('given a fast-track referral, when care is entered late with its real start date, then the 48-hour clock stops on that date', () => {
      const facts = [
        fact('ReferralReceived', { fundingStream: 'nhs-chc', route: 'fast-track' }, { at: '2026-03-01T09:00:00.000Z' }),
        ...pathTo
          .approved()
          .slice(1)
          .map((f, i) => ({ ...f, at: `2026-03-01T1${i}:00:00.000Z` })),
        fact('SupportStarted', { startDate: '2026-03-02' }, { at: '2026-03-05T09:00:00.000Z' }),
      ];
      expect(clockOf(facts, 'fast-track-care-in-place', v2)).toMatchObject({ status: 'stopped', stoppedAt: '2026-03-02T00:00:00.000Z' });
      expect(clockOf(facts, 'fast-track-care-in-place', v1)).toMatchObject({ status: 'stopped', stoppedAt: '2026-03-05T09:00:00.000Z' });
    });
  });

  describe('rule 8: late entries', () => {
    const referralAt = '2026-01-05T09:00:00.000Z';
    const due = '2026-02-02T09:00:00.000Z';
    const missed = (): Fact[] => [
      fact('ReferralReceived', {}, { at: referralAt }),
      fact('DeadlineMissed', { clock: 'assessment-completed', dueAt: due }, { at: due }), // revision 1
    ];
    // The assessment was done an hour after the referral; the case worker enters it after the miss.
    const doneInTime = (): Fact[] => [
      ...missed(),
      fact('AssessmentStarted', {}, { at: '2026-01-05T09:30:00.000Z' }),
      fact('AssessmentCompleted', {}, { at: '2026-01-05T10:00:00.000Z' }), // revision 3
    ];

    it('given a recorded miss, when the work is entered with an effective date before the due time, then the clock is met, recorded late', () => {
      const clocks = clocksOf(doneInTime(), v2);
      expect(clocks.find((clock) => clock.clock === 'assessment-completed')).toMatchObject({
        status: 'met-late',
        dueAt: due,
        missedAtRevision: 1,
        recordedLateAtRevision: 3,
        stoppedAt: '2026-01-05T10:00:00.000Z',
      });
      expect(isEscalated(clocks)).toBe(false);
      expect(openClocks(clocks)).toEqual([]);
      expect(lateEntries(clocks).map((clock) => clock.clock)).toEqual(['assessment-completed']);
    });

    it('on v1 the same facts leave a plain stopped clock after a miss: no late entry to show', () => {
      const clocks = clocksOf(doneInTime(), v1);
      expect(clocks.find((clock) => clock.clock === 'assessment-completed')).toMatchObject({ status: 'stopped', missedAtRevision: 1 });
      expect(lateEntries(clocks)).toEqual([]);
    });

    it('given a recorded miss, until the work is entered, then the journey is escalated', () => {
      expect(isEscalated(clocksOf(missed(), v2))).toBe(true);
    });

    it('given a recorded miss, when the work is entered dated exactly at the due time, then it was done in time', () => {
      const facts = [...missed(), fact('AssessmentStarted', {}, { at: referralAt }), fact('AssessmentCompleted', {}, { at: due })];
      expect(clockOf(facts, 'assessment-completed', v2)?.status).toBe('met-late');
    });

    it('given a recorded miss, when the work is entered dated after the due time, then the miss stands: stopped, not met', () => {
      const facts = [
        ...missed(),
        fact('AssessmentStarted', {}, { at: referralAt }),
        fact('AssessmentCompleted', {}, { at: '2026-02-02T09:00:00.001Z' }),
      ];
      expect(clockOf(facts, 'assessment-completed', v2)).toMatchObject({ status: 'stopped', missedAtRevision: 1 });
      expect(clockOf(facts, 'assessment-completed', v2)).not.toHaveProperty('recordedLateAtRevision');
    });

    it('given a recorded miss, when the journey is closed with an earlier date, then the clock is stopped, not met', () => {
      const facts = [...missed(), fact('JourneyClosed', { reason: 'died' }, { at: '2026-01-20T09:00:00.000Z' })];
      expect(clockOf(facts, 'assessment-completed', v2)).toMatchObject({ status: 'stopped', missedAtRevision: 1 });
    });

    it('given a missed fast-track clock, when support is entered with a start date inside the 48 hours, then it is met, recorded late', () => {
      const facts = [
        fact('ReferralReceived', { fundingStream: 'nhs-chc', route: 'fast-track' }, { at: '2026-03-01T09:00:00.000Z' }),
        fact(
          'DeadlineMissed',
          { clock: 'fast-track-care-in-place', dueAt: '2026-03-03T09:00:00.000Z' },
          { at: '2026-03-03T09:00:00.000Z' },
        ),
        ...pathTo
          .approved()
          .slice(1)
          .map((f) => ({ ...f, at: '2026-03-04T09:00:00.000Z' })),
        fact('SupportStarted', { startDate: '2026-03-02' }, { at: '2026-03-04T10:00:00.000Z' }),
      ];
      expect(clockOf(facts, 'fast-track-care-in-place', v2)).toMatchObject({
        status: 'met-late',
        missedAtRevision: 1,
        stoppedAt: '2026-03-02T00:00:00.000Z',
      });
      expect(clockOf(facts, 'fast-track-care-in-place', v1)).toMatchObject({ status: 'stopped' });
    });
  });

  describe('the late-entry grace before the scheduler records a miss', () => {
    const referral = clocksOf([fact('ReferralReceived', {}, { at: '2026-01-05T09:00:00.000Z' })], v2).find(
      (c) => c.clock === 'assessment-completed',
    );
    if (!referral) throw new Error('the referral starts the assessment clock');

    it('given a referral dated 80 days before it was recorded, then its overdue clock may be marked only 24 hours after the recording', () => {
      const recordedAt = '2026-03-26T09:00:00.000Z';
      expect(referral.dueAt).toBe('2026-02-02T09:00:00.000Z');
      expect(markableAt(v2.policy, referral, recordedAt)).toBe('2026-03-27T09:00:00.000Z');
      expect(markableAt(v1.policy, referral, recordedAt)).toBe(referral.dueAt);
    });

    it('given a referral recorded before its clock fell due, then the clock is marked when due', () => {
      expect(markableAt(v2.policy, referral, '2026-01-05T09:05:00.000Z')).toBe(referral.dueAt);
    });

    it('given no recording time (a pure replay), then the due time', () => {
      expect(markableAt(v2.policy, referral, undefined)).toBe(referral.dueAt);
    });
  });
});

describe('v2 rule 9: an upheld challenge to a closure sets the closed step’s clocks going again', () => {
  const v2 = new WorkflowRegistry().get('support-planning', 2);
  const openOnV2 = (facts: Fact[]) => openClocks(clocksOf(facts, v2));
  // Referral 0, assessment started 1, closed at 2, challenged at 3.
  const closedInAssessment = [
    fact('ReferralReceived', { fundingStream: 'nhs-chc', route: 'fast-track' }),
    fact('AssessmentStarted'),
    fact('JourneyClosed', { reason: 'declined' }),
    fact('DecisionChallenged', { decisionRevision: 2 }),
  ];

  it('given a journey closed during assessment, when the challenge to the closure is upheld, then every clock the closure stopped restarts from the resolution', () => {
    const upheld = [
      ...closedInAssessment,
      fact('ChallengeResolved', { challengeRevision: 3, outcome: 'upheld' }, { at: '2026-04-01T09:00:00.000Z' }),
    ];
    const restarted = openOnV2(upheld);
    expect(restarted.map((clock) => clock.clock).sort()).toEqual([
      'assessment-completed',
      'chc-eligibility-decision',
      'fast-track-care-in-place',
    ]);
    expect(restarted.map((clock) => [clock.startedAt, clock.startedAtRevision])).toEqual(
      restarted.map(() => ['2026-04-01T09:00:00.000Z', 4]),
    );
    expect(restarted.find((clock) => clock.clock === 'assessment-completed')?.dueAt).toBe('2026-04-29T09:00:00.000Z');
  });

  it('given a challenge to the closure that is not upheld, then nothing restarts', () => {
    expect(openOnV2([...closedInAssessment, fact('ChallengeResolved', { challengeRevision: 3, outcome: 'not-upheld' })])).toEqual([]);
  });

  it('given a journey closed during planning, then only the sign-off clock restarts, not the clocks the closure did not stop', () => {
    // pathTo.supportPlanning: revisions 0-3; closed at 4, challenged at 5.
    const facts = [
      ...pathTo.supportPlanning(),
      fact('JourneyClosed', { reason: 'no-longer-eligible' }),
      fact('DecisionChallenged', { decisionRevision: 4 }),
    ];
    const upheld = [...facts, fact('ChallengeResolved', { challengeRevision: 5, outcome: 'partly-upheld' })];
    expect(openOnV2(upheld).map((clock) => clock.clock)).toEqual(['plan-signed-off']);
  });

  it('given an access request open at closure, then it was never stopped and is not started twice', () => {
    const facts = [
      fact('ReferralReceived'),
      fact('AccessRequested'),
      fact('JourneyClosed'),
      fact('DecisionChallenged', { decisionRevision: 2 }),
    ];
    const upheld = [...facts, fact('ChallengeResolved', { challengeRevision: 3, outcome: 'upheld' })];
    const clocks = openOnV2(upheld).map((clock) => clock.clock);
    expect(clocks.filter((clock) => clock === 'access-request-answered')).toHaveLength(1);
    expect(clocks).toContain('assessment-completed');
  });
});

describe('v2 rule 5: the clocks read the funding in force', () => {
  const v2 = new WorkflowRegistry().get('support-planning', 2);
  const nhsOnly = [{ funder: 'nhs' as const, amountPence: 25_000 }];

  it('given a social-care referral whose plan the NHS alone funds, when support starts, then the NHS CHC 3-month review runs (v1 reads the referral for good)', () => {
    const approvedByNhs = [...pathTo.signOff(), fact('SupportPlanApproved', { fundingShares: nhsOnly }), fact('SupportStarted')];
    expect(openOnV2(approvedByNhs)).toContain('chc-first-review');
    expect(open(approvedByNhs)).not.toContain('chc-first-review');
  });

  it('given an approval naming no shares, then the plan’s shares decide', () => {
    const planShares = [
      ...pathTo.supportPlanning(),
      fact('SupportPlanDrafted', { fundingShares: nhsOnly }),
      fact('SupportPlanSubmitted'),
      fact('SupportPlanApproved'),
      fact('SupportStarted'),
    ];
    expect(openOnV2(planShares)).toContain('chc-first-review');
  });

  function openOnV2(facts: Fact[]): string[] {
    return openClocks(clocksOf(facts, v2)).map((clock) => clock.clock);
  }
});

describe('v2: a challenge open at closure is still owed its answer', () => {
  const v2 = new WorkflowRegistry().get('support-planning', 2);
  // Challenge at 4, closed at 5.
  const closedWhileChallenged = [
    ...pathTo.supportPlanning(),
    fact('DecisionChallenged', { decisionRevision: 2 }),
    fact('JourneyClosed', { reason: 'no-longer-eligible' }),
  ];

  it('given a challenge raised before the journey closed, then its clock keeps running until it is resolved (v1 stopped it)', () => {
    const running = openClocks(clocksOf(closedWhileChallenged, v2));
    expect(running.map((clock) => clock.key)).toEqual(['challenge-answered#4']);
    expect(openClocks(clocksOf(closedWhileChallenged))).toEqual([]);
    const resolved = [...closedWhileChallenged, fact('ChallengeResolved', { challengeRevision: 4, outcome: 'not-upheld' })];
    expect(openClocks(clocksOf(resolved, v2))).toEqual([]);
  });
});
