/**
 * Workflow version 2's rules (DOMAIN.md, "Workflow version 2"), each given / when / then on v2
 * beside the same story on v1, whose answer is the behaviour the rule changes: every spec here
 * would fail on v1.
 */
import { computeClocks, decide, replay, statePath, summarise, WorkflowRegistry, type JourneyEvent } from '../index';
import { actors, fact, pathTo, toEvents, type Fact } from '../testing/facts';
import { specification } from '../testing/specification';
import { decisionsOf } from './decisions';

const registry = new WorkflowRegistry();
const v1 = registry.get('support-planning', 1);
const v2 = registry.get('support-planning', 2);
const onV1 = specification(v1);
const onV2 = specification(v2);

const agencyWish = fact('PreferenceRecorded', {
  topic: 'provider',
  value: 'agency-a',
  inTheirWords: 'I chose Agency A and I want to keep them',
});
const homeWish = fact('PreferenceRecorded', { topic: 'place-of-care', value: 'home', inTheirWords: 'I want to be cared for at home' });
const agencyB = { description: 'Home care, 10 hours a week', category: 'personal-care', costPence: 24_000, provider: 'Agency B' };

/** Referral to a drafted plan, with the person's wishes recorded on the way. */
function drafted(plan: Record<string, unknown>, ...wishes: Fact[]): Fact[] {
  return [...pathTo.supportPlanning(), ...wishes, fact('SupportPlanDrafted', plan)];
}

describe('rule 1: a plan is compared with the person’s wishes by what it contains', () => {
  const story = drafted({ supports: [agencyB] }, agencyWish);

  it('refuses the seed story: a wish for Agency A, a plan naming Agency B, nothing ticked (v1 lets it through)', () => {
    onV1
      .given(...story)
      .when(fact('SupportPlanSubmitted'))
      .thenAllowed('open.signOff');
    onV2
      .given(...story)
      .when(fact('SupportPlanSubmitted'))
      .thenRefused('planFollowsWishesOrSaysWhy');
  });

  it('takes the plan to sign-off once the submission says it differs, and why; the approval must say so too', () => {
    const override = [{ topic: 'provider', reason: 'Agency A has no staff in her area until March' }];
    const submitted = [...story, fact('SupportPlanSubmitted', { overridesPreference: override })];
    onV2
      .given(...story)
      .when(submitted[submitted.length - 1])
      .thenAllowed('open.signOff');
    onV2
      .given(...submitted)
      .when(fact('SupportPlanApproved'))
      .thenRefused('planFollowsWishesOrSaysWhy');
    onV2
      .given(...submitted)
      .when(fact('SupportPlanApproved', { overridesPreference: override }))
      .thenAllowed('open.approved');
  });

  it('shows advocates the approval that went against the wish, by what the plan contains, with its reason (v1 saw nothing ticked)', () => {
    const override = [{ topic: 'provider', reason: 'Agency A has no staff in her area until March' }];
    const history = [
      ...story,
      fact('SupportPlanSubmitted', { overridesPreference: override }),
      fact('SupportPlanApproved', { overridesPreference: override }),
    ];
    const approval = (definition: typeof v2) =>
      decisionsOf(toEvents(history), definition.policy).find((decision) => decision.type === 'SupportPlanApproved');
    expect(approval(v2)?.preferences).toEqual([
      expect.objectContaining({
        topic: 'provider',
        preferred: 'agency-a',
        chosen: 'Agency B',
        followed: false,
        overrideReason: override[0].reason,
      }),
    ]);
    expect(approval(v1)?.preferences).toEqual([]);
  });

  it('reads a provider by what it names, not by its spelling', () => {
    const sameAgency = drafted({ supports: [{ ...agencyB, provider: 'Agency  A' }] }, agencyWish);
    onV2
      .given(...sameAgency)
      .when(fact('SupportPlanSubmitted'))
      .thenAllowed('open.signOff');
  });

  it('compares where care is given with the wish on place of care, and asks where when there is such a wish', () => {
    onV2
      .given(...drafted({ setting: 'nursing-home' }, homeWish))
      .when(fact('SupportPlanSubmitted'))
      .thenRefused('planFollowsWishesOrSaysWhy');
    onV2
      .given(...drafted({}, homeWish))
      .when(fact('SupportPlanSubmitted'))
      .thenRefused('planStatesSettingWhenWished');
    onV2
      .given(...drafted({ setting: 'home' }, homeWish))
      .when(fact('SupportPlanSubmitted'))
      .thenAllowed('open.signOff');
  });

  it('compares each support’s provider: a plan naming Agency A for one support and Agency B for another differs from the wish', () => {
    const both = drafted(
      {
        supports: [
          { ...agencyB, provider: 'Agency A', costPence: 12_000 },
          { ...agencyB, description: 'Night sits', costPence: 12_000 },
        ],
      },
      agencyWish,
    );
    onV2
      .given(...both)
      .when(fact('SupportPlanSubmitted'))
      .thenRefused('planFollowsWishesOrSaysWhy');
  });

  it('reads what is ticked beside what the plan contains: neither hides the other', () => {
    const tickedOther = drafted({ choices: { provider: 'agency-b' } }, agencyWish);
    onV2
      .given(...tickedOther)
      .when(fact('SupportPlanSubmitted'))
      .thenRefused('planFollowsWishesOrSaysWhy');
    const tickedWish = drafted({ supports: [agencyB], choices: { provider: 'agency-a' } }, agencyWish);
    onV2
      .given(...tickedWish)
      .when(fact('SupportPlanSubmitted'))
      .thenRefused('planFollowsWishesOrSaysWhy');
    const override = [{ topic: 'provider', reason: 'Agency A has no staff in her area until March' }];
    const approved = [
      ...tickedWish,
      fact('SupportPlanSubmitted', { overridesPreference: override }),
      fact('SupportPlanApproved', { overridesPreference: override }),
    ];
    const approval = decisionsOf(toEvents(approved), v2.policy).find((decision) => decision.type === 'SupportPlanApproved');
    expect(approval?.preferences).toEqual([
      expect.objectContaining({ topic: 'provider', chosen: 'Agency B, agency-a', followed: false, overrideReason: override[0].reason }),
    ]);
  });

  it('finds the wish however its topic was spelt, and takes the reason given under any spelling of it', () => {
    const spelt = fact('PreferenceRecorded', { topic: 'Provider', value: 'agency-a', inTheirWords: 'Agency A, please' });
    const story = drafted({ supports: [agencyB] }, spelt);
    onV2
      .given(...story)
      .when(fact('SupportPlanSubmitted'))
      .thenRefused('planFollowsWishesOrSaysWhy');
    const override = [{ topic: 'provider', reason: 'Agency A has no staff in her area until March' }];
    const approved = [
      ...story,
      fact('SupportPlanSubmitted', { overridesPreference: override }),
      fact('SupportPlanApproved', { overridesPreference: override }),
    ];
    const approval = decisionsOf(toEvents(approved), v2.policy).find((decision) => decision.type === 'SupportPlanApproved');
    expect(approval?.preferences).toEqual([
      expect.objectContaining({ topic: 'provider', preferred: 'agency-a', followed: false, overrideReason: override[0].reason }),
    ]);
  });

  it('compares how the money is held with the wish on deployment', () => {
    const wish = fact('PreferenceRecorded', { topic: 'deployment', value: 'direct-payment', inTheirWords: 'I want the money myself' });
    onV2
      .given(...drafted({ deployment: 'notional' }, wish))
      .when(fact('SupportPlanSubmitted'))
      .thenRefused('planFollowsWishesOrSaysWhy');
  });
});

describe('rule 2: every kind of representative may ask for a review', () => {
  const daughter = { id: 'daughter-1', role: 'advocate' as const };
  const appointed = (basis: string) => fact('AdvocateAppointed', { advocateId: 'daughter-1', basis: basis as 'chosen-by-person' });
  const askForReview = fact('ReviewRequested', { requestedBy: 'daughter-1', why: 'Mum is more confused at night' }, { by: daughter });

  it.each(['family-or-friend', 'lasting-power-of-attorney', 'court-deputy', 'care-act-s67', 'chosen-by-person'])(
    'a representative appointed as %s may ask for a review (v1: 403 for any advocate)',
    (basis) => {
      onV2
        .given(...pathTo.liveSupport(), appointed(basis))
        .when(askForReview)
        .thenAllowed('open.liveSupport');
    },
  );

  it('v1 has no such basis, and refuses an advocate’s review request by role', () => {
    onV1
      .given(...pathTo.liveSupport())
      .when(appointed('family-or-friend'))
      .thenRefused('isIn');
    onV1
      .given(...pathTo.liveSupport(), appointed('chosen-by-person'))
      .when(askForReview)
      .thenRefused('actorMayRecord');
  });

  it('a representative not appointed to the journey may not ask', () => {
    onV2
      .given(...pathTo.liveSupport())
      .when(askForReview)
      .thenRefused('advocateIsAppointed');
  });
});

describe('rule 3: not eligible means advice (Care Act s.13(5))', () => {
  const notEligible = { eligible: false, eligibleOutcomes: [], reasons: 'Needs do not meet reg. 2' };

  it('refuses a finding of no eligible needs without the advice given', () => {
    onV1
      .given(...pathTo.assessment())
      .when(fact('AssessmentCompleted', notEligible))
      .thenAllowed('open.notEligible');
    onV2
      .given(...pathTo.assessment())
      .when(fact('AssessmentCompleted', notEligible))
      .thenRefused('notEligibleGivesAdvice');
    onV2
      .given(...pathTo.assessment())
      .when(fact('AssessmentCompleted', { ...notEligible, adviceGiven: '   ' }))
      .thenRefused('hasVisibleText');
  });

  it('records it with the advice; v1 had no place for it', () => {
    const advised = fact('AssessmentCompleted', {
      ...notEligible,
      adviceGiven: 'Leaflet on the handyperson scheme; referral to the falls clinic',
    });
    onV2
      .given(...pathTo.assessment())
      .when(advised)
      .thenAllowed('open.notEligible');
    onV1
      .given(...pathTo.assessment())
      .when(advised)
      .thenRefused('whitelistValidation');
  });
});

describe('rule 4: the final budget covers the plan it approves', () => {
  const over = drafted({ supports: [{ ...agencyB, costPence: 30_000, provider: undefined }], overBudgetReason: 'Night-time needs' });
  const short = fact('SupportPlanApproved', { finalBudgetPence: 20_000, budgetDifferenceReason: 'Panel capped it' });

  it('refuses £200 a week approving a plan that costs £300 a week, whatever reason is given (v1 took any reason)', () => {
    onV1
      .given(...over, fact('SupportPlanSubmitted'))
      .when(short)
      .thenAllowed('open.approved');
    onV2
      .given(...over, fact('SupportPlanSubmitted'))
      .when(short)
      .thenRefused('finalBudgetCoversPlan');
  });

  it('compares over the same period: £1,300 a month covers £300 a week', () => {
    const monthly = fact('SupportPlanApproved', { finalBudgetPence: 130_000, period: 'month', budgetDifferenceReason: 'Costed plan' });
    onV2
      .given(...over, fact('SupportPlanSubmitted'))
      .when(monthly)
      .thenAllowed('open.approved');
  });
});

describe('rule 5: the funding in force follows the approval', () => {
  const shares = [
    { funder: 'council', amountPence: 15_000 },
    { funder: 'nhs', amountPence: 10_000 },
  ];
  const history = [...pathTo.signOff(), fact('SupportPlanApproved', { fundingShares: shares as never })];

  it('makes a social-care journey integrated once NHS and council shares are approved; the referral’s stream is kept', () => {
    const after = replay(v2, toEvents(history));
    expect(summarise(v2, after)).toMatchObject({ fundingStream: 'integrated', referralFundingStream: 'social-care' });
    expect(summarise(v1, replay(v1, toEvents(history))).fundingStream).toBe('social-care');
  });

  it('refuses an approval whose shares in force (the plan’s, when it names none) do not add up to the final budget', () => {
    const planShares = [
      ...pathTo.supportPlanning(),
      fact('SupportPlanDrafted', { fundingShares: shares as never }),
      fact('SupportPlanSubmitted'),
    ];
    const larger = fact('SupportPlanApproved', { finalBudgetPence: 30_000, budgetDifferenceReason: 'Night sits added at panel' });
    onV2
      .given(...planShares)
      .when(larger)
      .thenRefused('fundingSharesInForceMatchBudget');
    onV1
      .given(...planShares)
      .when(larger)
      .thenAllowed('open.approved');
    onV2
      .given(...planShares)
      .when(fact('SupportPlanApproved'))
      .thenAllowed('open.approved');
  });
});

describe('rule 6: a revised plan approved during live support takes effect at once', () => {
  const revised = [
    ...pathTo.review(),
    fact('ReviewCompleted', { outcome: 'revise-plan', reasons: 'Needs a second visit each day' }),
    fact('SupportPlanDrafted', { supports: [{ ...agencyB, provider: undefined, costPence: 25_000 }] }),
    fact('SupportPlanSubmitted', { planVersion: 2 }),
  ];

  it('returns the journey to live support (v1 left it in approved until a second SupportStarted)', () => {
    const approve = fact('SupportPlanApproved', { planVersion: 2, finalBudgetPence: 25_000 });
    onV1
      .given(...revised)
      .when(approve)
      .thenAllowed('open.approved');
    onV2
      .given(...revised)
      .when(approve)
      .thenAllowed('open.liveSupport');
  });

  it('keeps the review clocks running from the first start', () => {
    const events = toEvents([...revised, fact('SupportPlanApproved', { planVersion: 2, finalBudgetPence: 25_000 })]);
    const annual = computeClocks(v2.policy, events).filter((clock) => clock.clock === 'annual-review' && clock.status === 'running');
    expect(annual).toHaveLength(1);
  });
});

describe('rule 7: clocks run from when things happened', () => {
  it('starts the first-review clock on the support’s start date, not on when it was typed in', () => {
    const facts = [
      ...pathTo
        .approved()
        .map((f, index) => ({ ...f, at: new Date(Date.parse('2026-01-05T09:00:00Z') + index * 3_600_000).toISOString() })),
      fact('SupportStarted', { startDate: '2026-01-06' }, { at: '2026-01-27T10:00:00.000Z' }),
    ];
    const dueOn = (events: JourneyEvent[], definition: typeof v1) =>
      computeClocks(definition.policy, events).find((clock) => clock.clock === 'first-review')?.dueAt;
    expect(dueOn(toEvents(facts), v2)).toBe('2026-03-03T00:00:00.000Z');
    expect(dueOn(toEvents(facts), v1)).toBe('2026-03-24T10:00:00.000Z');
  });
});

describe('rule 8: backdating beyond the policy’s limit needs a reason', () => {
  it('refuses a fact dated more than 30 days before it is recorded, unless a reason is given', () => {
    const [referral] = toEvents([fact('ReferralReceived', {}, { at: '2026-01-05T09:00:00.000Z' })]);
    const journey = replay(v2, [referral]);
    const started = (reason?: string): JourneyEvent =>
      ({
        ...toEvents([fact('AssessmentStarted', {}, { at: '2026-01-06T09:00:00.000Z', reason })], 1)[0],
        meta: {
          actor: actors.caseWorker,
          occurredAt: '2026-01-06T09:00:00.000Z',
          revision: 1,
          recordedAt: '2026-03-01T09:00:00.000Z',
          ...(reason ? { reason } : {}),
        },
      }) as JourneyEvent;
    expect(decide(v2, journey, started())).toMatchObject({ ok: false, kind: 'invalid', reason: 'backdatingNeedsReason' });
    expect(decide(v2, journey, started('Entered from the paper file after the system outage'))).toEqual({ ok: true });
    expect(decide(v1, replay(v1, [referral]), started())).toEqual({ ok: true });
  });
});

describe('rule 9: challenges name decisions in force; closure is one', () => {
  /** Reassessed, found no longer eligible, closed; v1 had no place for the advice. */
  const reassessedThenClosed = (advice?: { adviceGiven: string }): Fact[] => [
    ...pathTo.review(),
    fact('ReviewCompleted', { outcome: 'reassess', reasons: 'Needs have changed' }),
    fact('AssessmentCompleted', { eligible: false, eligibleOutcomes: [], reasons: 'Recovered', ...advice }),
    fact('JourneyClosed', { reason: 'no-longer-eligible' }),
  ];
  const reassessedNotEligible = reassessedThenClosed({ adviceGiven: 'Community groups leaflet' });
  const approvalRevision = 6;
  const closureRevision = reassessedNotEligible.length - 1;

  it('refuses a challenge to an approval replaced by a later assessment (v1 reopened sign-off)', () => {
    const challenge = fact('DecisionChallenged', { decisionRevision: approvalRevision });
    onV1
      .given(...reassessedThenClosed())
      .when(challenge)
      .thenAllowed('closed');
    onV2
      .given(...reassessedNotEligible)
      .when(challenge)
      .thenRefused('challengeNamesDecisionInForce');
  });

  it('accepts a challenge to the closure, and an upheld one reopens the step the journey closed from', () => {
    const challenge = fact('DecisionChallenged', { decisionRevision: closureRevision, grounds: 'I still cannot wash without help' });
    onV1
      .given(...reassessedThenClosed())
      .when(challenge)
      .thenRefused('challengeNamesOpenableDecision');
    const challenged = [...reassessedNotEligible, challenge];
    onV2
      .given(...reassessedNotEligible)
      .when(challenge)
      .thenAllowed('closed');
    const upheld = fact('ChallengeResolved', { challengeRevision: closureRevision + 1, outcome: 'upheld', reasons: 'Closed too soon' });
    const after = onV2
      .given(...challenged)
      .when(upheld)
      .thenAllowed('open.notEligible');
    expect(after.context.closedFrom).toBeNull();
  });

  it('clears the closure when an upheld challenge to another decision reopens a closed journey (v1 kept showing it closed)', () => {
    const assessmentRevision = closureRevision - 1;
    const challenge = fact('DecisionChallenged', { decisionRevision: assessmentRevision });
    const upheld = fact('ChallengeResolved', {
      challengeRevision: closureRevision + 1,
      outcome: 'upheld',
      reasons: 'Night-time needs were missed',
    });
    expect(
      onV2
        .given(...reassessedNotEligible, challenge)
        .when(upheld)
        .thenAllowed('open.assessment').context.closure,
    ).toBeNull();
    expect(
      onV1
        .given(...reassessedThenClosed(), challenge)
        .when(upheld)
        .thenAllowed('open.assessment').context.closure,
    ).not.toBeNull();

    const endedAtReview = [...pathTo.review(), fact('ReviewCompleted', { outcome: 'end-support', reasons: 'Moving in with family' })];
    const reviewChallenged = [...endedAtReview, fact('DecisionChallenged', { decisionRevision: endedAtReview.length - 1 })];
    const reviewUpheld = fact('ChallengeResolved', {
      challengeRevision: endedAtReview.length,
      outcome: 'upheld',
      reasons: 'She never agreed to end support',
    });
    expect(
      onV2
        .given(...reviewChallenged)
        .when(reviewUpheld)
        .thenAllowed('open.review').context.closure,
    ).toBeNull();
  });

  it('lists the closure among the decisions an advocate reads, with the challenge to it and its outcome (v1 does not)', () => {
    const challenge = fact('DecisionChallenged', { decisionRevision: closureRevision, grounds: 'I still cannot wash without help' });
    const upheld = fact('ChallengeResolved', { challengeRevision: closureRevision + 1, outcome: 'upheld', reasons: 'Closed too soon' });
    const decisions = decisionsOf(toEvents([...reassessedNotEligible, challenge, upheld]), v2.policy);
    const closure = decisions.find((decision) => decision.type === 'JourneyClosed');
    expect(closure).toMatchObject({
      revision: closureRevision,
      outcome: 'closed: no-longer-eligible',
      restsOn: [expect.objectContaining({ revision: closureRevision - 1, as: 'assessment' })],
      challenges: [
        expect.objectContaining({ challengeRevision: closureRevision + 1, resolution: expect.objectContaining({ outcome: 'upheld' }) }),
      ],
    });
    expect(decisions.at(-1)).toMatchObject({
      type: 'ChallengeResolved',
      answers: { challengeRevision: closureRevision + 1, decisionRevision: closureRevision },
    });
    expect(decisionsOf(toEvents(reassessedThenClosed()), v1.policy).map((decision) => decision.type)).not.toContain('JourneyClosed');
  });

  it('still accepts a challenge to the latest decision of each kind', () => {
    onV2
      .given(...pathTo.approved())
      .when(fact('DecisionChallenged', { decisionRevision: 6 }))
      .thenAllowed('open.approved');
    onV2
      .given(...pathTo.approved())
      .when(fact('DecisionChallenged', { decisionRevision: 2 }))
      .thenAllowed('open.approved');
  });
});

describe('rule 10: support categories are a closed list', () => {
  const nhsDirectPayment = [fact('ReferralReceived', { fundingStream: 'nhs-chc' }), ...pathTo.supportPlanning().slice(1)];

  it('refuses a category not on the list, whatever its spelling (v1 took it as words)', () => {
    const whisky = fact('SupportPlanDrafted', { supports: [{ description: 'Whisky', category: 'Alcohol', costPence: 5_000 }] });
    onV2
      .given(...nhsDirectPayment)
      .when(whisky)
      .thenRefused('isIn');
    onV1
      .given(...nhsDirectPayment)
      .when(whisky)
      .thenAllowed('open.supportPlanning');
  });

  it('keeps the NHS prohibited list as a rule on the listed categories', () => {
    const whisky = fact('SupportPlanDrafted', { supports: [{ description: 'Whisky', category: 'alcohol', costPence: 5_000 }] });
    onV2
      .given(...nhsDirectPayment, whisky)
      .when(fact('SupportPlanSubmitted'))
      .thenRefused('nhsDirectPaymentExcludesProhibited');
  });
});

describe('rule 11: subject access', () => {
  const asked = fact('AccessRequested', { requestedBy: 'person-1' }, { by: actors.person });

  it('starts a one-month clock when the person asks for their record, stopped by the answer', () => {
    const history = [...pathTo.liveSupport(), asked];
    const clocks = computeClocks(v2.policy, toEvents(history));
    const access = clocks.find((clock) => clock.clock === 'access-request-answered');
    expect(access).toMatchObject({ status: 'running' });
    const answered = fact('AccessRequestAnswered', { requestRevision: history.length - 1 });
    const after = onV2
      .given(...history)
      .when(answered)
      .thenAllowed('open.liveSupport');
    expect(after.context.accessRequests).toEqual({});
    const stopped = computeClocks(v2.policy, toEvents([...history, answered])).find((clock) => clock.clock === 'access-request-answered');
    expect(stopped?.status).toBe('stopped');
  });

  it('is answered only for a request that is open; v1 has no such event', () => {
    onV2
      .given(...pathTo.liveSupport())
      .when(fact('AccessRequestAnswered', { requestRevision: 3 }))
      .thenRefused('accessRequestIsOpen');
    onV1
      .given(...pathTo.liveSupport())
      .when(asked)
      .thenRefused('unknown-event');
  });

  it('keeps its clock running when the journey closes before the answer, and the answer stops it then', () => {
    const history = [...pathTo.liveSupport(), asked, fact('JourneyClosed', { reason: 'moved-away' })];
    const access = () => computeClocks(v2.policy, toEvents(history)).find((clock) => clock.clock === 'access-request-answered');
    expect(access()).toMatchObject({ status: 'running' });
    expect(
      computeClocks(v1.policy, toEvents(pathTo.liveSupport().concat(fact('JourneyClosed')))).filter((clock) => clock.status === 'running'),
    ).toEqual([]);
    onV2
      .given(...history)
      .when(fact('AccessRequestAnswered', { requestRevision: history.length - 2 }))
      .thenAllowed('closed');
  });

  it('may be asked after the journey closed', () => {
    const closed = [...pathTo.liveSupport(), fact('JourneyClosed', { reason: 'moved-away' })];
    const snapshot = onV2
      .given(...closed)
      .when(asked)
      .thenAllowed('closed');
    expect(statePath(snapshot.value)).toBe('closed');
  });
});
