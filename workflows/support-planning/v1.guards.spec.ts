/**
 * The rules of support planning, one block per named guard of the machine: each block says the
 * rule in plain words and shows it allow and refuse. Read top to bottom, this is the process a
 * council or NHS body must follow. (Routing guards choose between the ways a fact can go rather
 * than refuse it; their "refuses" examples show the fact taking another way.)
 *
 * Revisions count from 0 in the order facts are given; comments note the ones a challenge names.
 */
import { WorkflowRegistry } from '../index';
import { replay, statePath } from '../runtime';
import { summarise } from '../summary';
import { actors, fact, pathTo, toEvents, type Fact } from '../testing/facts';
import { specification } from '../testing/specification';
import type { Actor, BudgetPeriod, FundingStream, Support } from './events';
import { GUARD_DESCRIPTIONS, type GuardName } from './guards';

const v1 = new WorkflowRegistry().get('support-planning', 1);
const journey = specification(v1);

/** Each example states its outcome with thenAllowed / thenRefused (which throw or fail when it differs). */
type Examples = Record<string, () => unknown>;
const covered = new Set<string>();

/** A rule block: its plain-words statement, then at least one example of each way it can go. */
function rule(guard: GuardName, inPlainWords: string, examples: { allows: Examples; refuses: Examples }): void {
  covered.add(guard);
  describe(`${inPlainWords} (${guard})`, () => {
    it('is a named guard of the machine, described for the rules document', () => {
      expect(GUARD_DESCRIPTIONS[guard]).toEqual(expect.any(String));
      expect(v1.machine.implementations.guards[guard]).toEqual(expect.any(Function));
    });
    if (Object.keys(examples.allows).length === 0 || Object.keys(examples.refuses).length === 0) {
      throw new Error(`rule ${guard} needs an example that allows and one that refuses`);
    }
    Object.entries(examples.allows).forEach(([title, example]) => it(`allows ${title}`, () => void example()));
    Object.entries(examples.refuses).forEach(([title, example]) => it(`refuses ${title}`, () => void example()));
  });
}

/** A journey up to sign-off with the given budget and plan (revisions 0-5; budget 3, plan 4). */
function atSignOff(options: {
  fundingStream?: FundingStream;
  budget?: number;
  period?: BudgetPeriod;
  supports?: Support[];
  plan?: Partial<Fact<'SupportPlanDrafted'>['data']>;
}): Fact[] {
  const period = options.period ?? 'week';
  const budget = options.budget ?? 25_000;
  return [
    fact('ReferralReceived', { fundingStream: options.fundingStream ?? 'social-care' }),
    fact('AssessmentStarted'),
    fact('AssessmentCompleted'),
    fact('IndicativeBudgetSet', { amountPence: budget, period }),
    fact('SupportPlanDrafted', {
      period,
      supports: options.supports ?? [{ description: 'Home care', category: 'personal-care', costPence: budget }],
      ...options.plan,
    }),
    fact('SupportPlanSubmitted'),
  ];
}

/** A journey with the plan drafted, ready to submit (revisions 0-4). */
const drafted = (options: Parameters<typeof atSignOff>[0]): Fact[] => atSignOff(options).slice(0, 5);

const approve = (data: Partial<Fact<'SupportPlanApproved'>['data']> = {}, by: Actor = actors.approver) =>
  fact('SupportPlanApproved', data, { by });

describe('the rules of support planning', () => {
  rule('actorMayRecord', 'Each fact is recorded only by a role the policy lists for it', {
    allows: {
      'a case worker recording a referral': () => journey.given().when(fact('ReferralReceived')).thenAllowed('open.referral'),
      'an approver signing off a plan': () =>
        journey
          .given(...pathTo.signOff())
          .when(approve())
          .thenAllowed('open.approved'),
    },
    refuses: {
      'a person recording their own assessment outcome (forbidden, not merely refused)': () => {
        const refusal = journey
          .given(...pathTo.assessment())
          .when(fact('AssessmentCompleted', {}, { by: actors.person }))
          .thenRefused('actorMayRecord');
        expect(refusal.kind).toBe('forbidden');
      },
      'an auditor recording anything at all': () => {
        journey
          .given(...pathTo.liveSupport())
          .when(fact('ReviewStarted', {}, { by: actors.auditor }))
          .thenRefused('actorMayRecord');
      },
    },
  });

  rule('advocateIsAppointed', 'An advocate acts on a journey only while appointed to it', {
    allows: {
      'an appointed advocate recording the person’s wish': () =>
        journey
          .given(fact('ReferralReceived'), fact('AdvocateAppointed'))
          .when(fact('PreferenceRecorded', {}, { by: { ...actors.advocate, onBehalfOf: 'person-1' } }))
          .thenAllowed('open.referral'),
      'an appointed advocate challenging a decision': () =>
        journey
          .given(...pathTo.notEligible(), fact('AdvocateAppointed'))
          .when(fact('DecisionChallenged', { decisionRevision: 2, raisedBy: 'advocate-1' }, { by: actors.advocate }))
          .thenAllowed('open.notEligible'),
    },
    refuses: {
      'an advocate who was never appointed to this journey': () =>
        journey
          .given(fact('ReferralReceived'))
          .when(fact('PreferenceRecorded', {}, { by: actors.advocate }))
          .thenRefused('advocateIsAppointed'),
      'an advocate whose appointment was withdrawn': () =>
        journey
          .given(...pathTo.notEligible(), fact('AdvocateAppointed'), fact('AdvocateWithdrawn'))
          .when(fact('DecisionChallenged', { decisionRevision: 2, raisedBy: 'advocate-1' }, { by: actors.advocate }))
          .thenRefused('advocateIsAppointed'),
      'a different advocate from the one appointed': () =>
        journey
          .given(fact('ReferralReceived'), fact('AdvocateAppointed'))
          .when(fact('PreferenceRecorded', {}, { by: { id: 'advocate-2', role: 'advocate' } }))
          .thenRefused('advocateIsAppointed'),
    },
  });

  rule('isEligible', 'An assessment that finds eligible needs moves on to the indicative budget', {
    allows: {
      'an eligible outcome to go on to the budget step': () =>
        journey
          .given(...pathTo.assessment())
          .when(fact('AssessmentCompleted', { eligible: true }))
          .thenAllowed('open.indicativeBudget'),
    },
    refuses: {
      'to send a not-eligible outcome to the budget step (it goes to notEligible)': () =>
        journey
          .given(...pathTo.assessment())
          .when(fact('AssessmentCompleted', { eligible: false, eligibleOutcomes: [] }))
          .thenAllowed('open.notEligible'),
    },
  });

  rule('isNotEligible', 'An assessment that finds no eligible needs ends in notEligible, with its reasons', {
    allows: {
      'a not-eligible outcome to rest in notEligible': () => {
        const after = journey
          .given(...pathTo.assessment())
          .when(fact('AssessmentCompleted', { eligible: false, eligibleOutcomes: [], reasons: 'Can manage all ten outcomes' }))
          .thenAllowed('open.notEligible');
        expect(summarise(v1, after)).toMatchObject({ status: 'not-eligible', eligible: false });
      },
    },
    refuses: {
      'to end an eligible outcome in notEligible (it goes to the budget step)': () =>
        journey
          .given(...pathTo.assessment())
          .when(fact('AssessmentCompleted'))
          .thenAllowed('open.indicativeBudget'),
    },
  });

  rule('eligibilityMeetsRegulations', 'Social care eligibility needs two or more of the ten outcomes of the 2015 Regulations', {
    allows: {
      'a social care assessment with two outcomes the person cannot achieve': () =>
        journey
          .given(...pathTo.assessment())
          .when(fact('AssessmentCompleted', { eligibleOutcomes: ['nutrition', 'toilet-needs'] }))
          .thenAllowed('open.indicativeBudget'),
      'an NHS CHC assessment with no reg. 2 outcomes (its eligibility rests on the decision support tool)': () =>
        journey
          .given(fact('ReferralReceived', { fundingStream: 'nhs-chc' }), fact('AssessmentStarted'))
          .when(fact('AssessmentCompleted', { eligibleOutcomes: [] }))
          .thenAllowed('open.indicativeBudget'),
    },
    refuses: {
      'a social care assessment finding only one outcome': () =>
        journey
          .given(...pathTo.assessment())
          .when(fact('AssessmentCompleted', { eligibleOutcomes: ['nutrition'] }))
          .thenRefused('eligibilityMeetsRegulations'),
      'the same outcome counted twice': () =>
        journey
          .given(...pathTo.assessment())
          .when(fact('AssessmentCompleted', { eligibleOutcomes: ['nutrition', 'nutrition'] }))
          .thenRefused('eligibilityMeetsRegulations'),
      'an integrated assessment finding only one outcome': () =>
        journey
          .given(fact('ReferralReceived', { fundingStream: 'integrated' }), fact('AssessmentStarted'))
          .when(fact('AssessmentCompleted', { eligibleOutcomes: ['relationships'] }))
          .thenRefused('eligibilityMeetsRegulations'),
    },
  });

  describe('a decision that goes against what the person said they want must say so, and why', () => {
    const home = fact('PreferenceRecorded', { topic: 'place-of-care', value: 'home', inTheirWords: 'I want to be looked after at home' });
    const override = [{ topic: 'place-of-care', reason: 'Home cannot be made safe for hoisting; reviewed in 6 weeks' }];

    rule('decisionExplainsPreferenceOverride', 'on an assessment outcome', {
      allows: {
        'an outcome that agrees with the recorded wish': () =>
          journey
            .given(...pathTo.assessment(), home)
            .when(fact('AssessmentCompleted', { choices: { 'place-of-care': 'home' } }))
            .thenAllowed('open.indicativeBudget'),
        'an outcome that goes against the wish and says why': () =>
          journey
            .given(...pathTo.assessment(), home)
            .when(fact('AssessmentCompleted', { choices: { 'place-of-care': 'care-home' }, overridesPreference: override }))
            .thenAllowed('open.indicativeBudget'),
        'an outcome that agrees with the latest wish, when the person has changed their mind': () =>
          journey
            .given(
              ...pathTo.assessment(),
              home,
              fact('PreferenceRecorded', {
                topic: 'place-of-care',
                value: 'hospice',
                inTheirWords: 'Now I would rather be in the hospice',
              }),
            )
            .when(fact('AssessmentCompleted', { choices: { 'place-of-care': 'hospice' } }))
            .thenAllowed('open.indicativeBudget'),
      },
      refuses: {
        'an outcome that goes against the wish in silence': () =>
          journey
            .given(...pathTo.assessment(), home)
            .when(fact('AssessmentCompleted', { choices: { 'place-of-care': 'care-home' } }))
            .thenRefused('decisionExplainsPreferenceOverride'),
        'a not-eligible outcome that goes against the wish in silence': () =>
          journey
            .given(...pathTo.assessment(), home)
            .when(fact('AssessmentCompleted', { eligible: false, eligibleOutcomes: [], choices: { 'place-of-care': 'care-home' } }))
            .thenRefused('decisionExplainsPreferenceOverride'),
        'an override with a blank reason (refused as words before any rule), or about another topic': () => {
          const given = journey.given(...pathTo.assessment(), home);
          given
            .when(
              fact('AssessmentCompleted', {
                choices: { 'place-of-care': 'care-home' },
                overridesPreference: [{ topic: 'place-of-care', reason: '  ' }],
              }),
            )
            .thenRefused('hasVisibleText');
          given
            .when(
              fact('AssessmentCompleted', {
                choices: { 'place-of-care': 'care-home' },
                overridesPreference: [{ topic: 'carers', reason: 'Agency change' }],
              }),
            )
            .thenRefused('decisionExplainsPreferenceOverride');
        },
      },
    });

    describe('on an approval, including the choices the plan carries', () => {
      /** The wish is recorded before the assessment; the plan chooses a nursing home. */
      const nursingHomePlan = (): Fact[] => [
        fact('ReferralReceived'),
        home,
        fact('AssessmentStarted'),
        fact('AssessmentCompleted'),
        fact('IndicativeBudgetSet'),
        fact('SupportPlanDrafted', { choices: { 'place-of-care': 'nursing-home' } }),
        fact('SupportPlanSubmitted', { personAgreement: 'disagrees', personViews: 'I do not want to go into a home' }),
      ];

      it('refuses to approve a plan whose choices go against the wish, in silence', () => {
        journey
          .given(...nursingHomePlan())
          .when(approve())
          .thenRefused('decisionExplainsPreferenceOverride');
      });

      it('allows approving it when the approval carries overridesPreference with a reason', () => {
        journey
          .given(...nursingHomePlan())
          .when(approve({ overridesPreference: override }))
          .thenAllowed('open.approved');
      });

      it('refuses an approval whose own choices go against the wish, even if the plan’s do not', () => {
        journey
          .given(fact('ReferralReceived'), home, ...pathTo.signOff().slice(1))
          .when(approve({ choices: { 'place-of-care': 'nursing-home' } }))
          .thenRefused('decisionExplainsPreferenceOverride');
      });

      it('allows approving a plan that chooses what the person asked for', () => {
        const homePlan = nursingHomePlan().map((f) =>
          f.type === 'SupportPlanDrafted' ? fact('SupportPlanDrafted', { choices: { 'place-of-care': 'home' } }) : f,
        );
        journey
          .given(...homePlan)
          .when(approve())
          .thenAllowed('open.approved');
      });
    });

    describe('on a review outcome', () => {
      const carers = fact('PreferenceRecorded', { topic: 'carers', value: 'same-carers', inTheirWords: 'I want to keep Ann and Joe' });

      it('refuses a review that changes the carers the person chose, in silence', () => {
        journey
          .given(...pathTo.liveSupport(), carers, fact('ReviewStarted'))
          .when(fact('ReviewCompleted', { outcome: 'revise-plan', choices: { carers: 'new-agency' } }))
          .thenRefused('decisionExplainsPreferenceOverride');
      });

      it('allows it when the review says why', () => {
        journey
          .given(...pathTo.liveSupport(), carers, fact('ReviewStarted'))
          .when(
            fact('ReviewCompleted', {
              outcome: 'revise-plan',
              choices: { carers: 'new-agency' },
              overridesPreference: [{ topic: 'carers', reason: 'The agency has closed' }],
            }),
          )
          .thenAllowed('open.supportPlanning');
      });
    });
  });

  rule('planHasOutcomeAndSupport', 'A plan goes to sign-off only with at least one outcome and one support', {
    allows: {
      'a plan with an outcome and a support': () =>
        journey
          .given(...pathTo.planDrafted())
          .when(fact('SupportPlanSubmitted'))
          .thenAllowed('open.signOff'),
    },
    refuses: {
      'a plan with no outcome': () =>
        journey
          .given(...drafted({ plan: { outcomes: [] } }))
          .when(fact('SupportPlanSubmitted'))
          .thenRefused('planHasOutcomeAndSupport'),
      'a plan with no support': () =>
        journey
          .given(...drafted({ supports: [] }))
          .when(fact('SupportPlanSubmitted'))
          .thenRefused('planHasOutcomeAndSupport'),
    },
  });

  rule('planWithinBudgetOrJustified', 'A plan costs no more than the indicative budget, or says why it must', {
    allows: {
      'a plan within the budget': () =>
        journey
          .given(...drafted({ supports: [{ description: 'Home care', category: 'personal-care', costPence: 24_999 }] }))
          .when(fact('SupportPlanSubmitted'))
          .thenAllowed('open.signOff'),
      'a plan costing exactly the budget': () =>
        journey
          .given(...drafted({}))
          .when(fact('SupportPlanSubmitted'))
          .thenAllowed('open.signOff'),
      'a plan over the budget that gives its reason': () =>
        journey
          .given(
            ...drafted({
              supports: [{ description: 'Home care and a night sitter', category: 'personal-care', costPence: 31_000 }],
              plan: { overBudgetReason: 'Night-time needs were not in the allocation tool' },
            }),
          )
          .when(fact('SupportPlanSubmitted'))
          .thenAllowed('open.signOff'),
      'a monthly plan within a weekly budget once both are counted by the year (£108,333 a month × 12 ≤ £250 a week × 52)': () =>
        journey
          .given(
            ...drafted({
              plan: { period: 'month', supports: [{ description: 'Home care', category: 'personal-care', costPence: 108_333 }] },
            }),
          )
          .when(fact('SupportPlanSubmitted'))
          .thenAllowed('open.signOff'),
    },
    refuses: {
      'a plan over the budget with no reason': () =>
        journey
          .given(...drafted({ supports: [{ description: 'Home care', category: 'personal-care', costPence: 25_001 }] }))
          .when(fact('SupportPlanSubmitted'))
          .thenRefused('planWithinBudgetOrJustified'),
      'a plan over the budget whose reason is blank (the draft is refused as words before any rule)': () =>
        journey
          .given(...pathTo.supportPlanning())
          .when(
            fact('SupportPlanDrafted', {
              supports: [{ description: 'Home care', category: 'personal-care', costPence: 31_000 }],
              overBudgetReason: ' \u200b',
            }),
          )
          .thenRefused('hasVisibleText'),
      'a monthly plan a few pence a year over a weekly budget (108,334 × 12 > 25,000 × 52)': () =>
        journey
          .given(
            ...drafted({
              plan: { period: 'month', supports: [{ description: 'Home care', category: 'personal-care', costPence: 108_334 }] },
            }),
          )
          .when(fact('SupportPlanSubmitted'))
          .thenRefused('planWithinBudgetOrJustified'),
    },
  });

  rule('submitsCurrentPlan', 'The plan submitted is the latest version drafted', {
    allows: {
      'submitting the second version once it is drafted': () =>
        journey
          .given(...pathTo.planDrafted(), fact('SupportPlanDrafted'))
          .when(fact('SupportPlanSubmitted', { planVersion: 2 }))
          .thenAllowed('open.signOff'),
    },
    refuses: {
      'submitting an older version': () =>
        journey
          .given(...pathTo.planDrafted(), fact('SupportPlanDrafted'))
          .when(fact('SupportPlanSubmitted', { planVersion: 1 }))
          .thenRefused('submitsCurrentPlan'),
      'submitting before any plan is drafted': () =>
        journey
          .given(...pathTo.supportPlanning())
          .when(fact('SupportPlanSubmitted'))
          .thenRefused('submitsCurrentPlan'),
    },
  });

  rule('decidesSubmittedPlan', 'Sign-off decides the plan version that was submitted', {
    allows: {
      'approving the version submitted': () =>
        journey
          .given(...pathTo.signOff())
          .when(approve({ planVersion: 1 }))
          .thenAllowed('open.approved'),
      'returning the version submitted': () =>
        journey
          .given(...pathTo.signOff())
          .when(fact('SupportPlanReturned', { planVersion: 1 }))
          .thenAllowed('open.supportPlanning'),
    },
    refuses: {
      'approving another version': () =>
        journey
          .given(...pathTo.signOff())
          .when(approve({ planVersion: 2 }))
          .thenRefused('decidesSubmittedPlan'),
      'returning another version': () =>
        journey
          .given(...pathTo.signOff())
          .when(fact('SupportPlanReturned', { planVersion: 2 }))
          .thenRefused('decidesSubmittedPlan'),
    },
  });

  rule('approverDidNotDraftPlan', 'Separation of duties: nobody approves a plan they drafted', {
    allows: {
      'an approver who did not draft the plan': () =>
        journey
          .given(...pathTo.signOff())
          .when(approve())
          .thenAllowed('open.approved'),
    },
    refuses: {
      'the person who drafted it, even when they also hold the approver role': () =>
        journey
          .given(...pathTo.signOff())
          .when(approve({}, { id: 'case-worker-1', role: 'approver' }))
          .thenRefused('approverDidNotDraftPlan'),
      'the drafter as senior approver': () =>
        journey
          .given(...pathTo.signOff())
          .when(approve({}, { id: 'case-worker-1', role: 'senior-approver' }))
          .thenRefused('approverDidNotDraftPlan'),
    },
  });

  rule('finalBudgetDifferenceExplained', 'A final budget that differs from the indicative one says why', {
    allows: {
      'a final budget equal to the indicative one, with no reason needed': () =>
        journey
          .given(...pathTo.signOff())
          .when(approve({ finalBudgetPence: 25_000 }))
          .thenAllowed('open.approved'),
      'the same amount a year stated for another period (£250 a week = £13,000 a year)': () =>
        journey
          .given(...pathTo.signOff())
          .when(approve({ finalBudgetPence: 1_300_000, period: 'year' }))
          .thenAllowed('open.approved'),
      'a higher final budget with its reason': () =>
        journey
          .given(...pathTo.signOff())
          .when(approve({ finalBudgetPence: 27_500, budgetDifferenceReason: 'Costed plan includes respite the tool left out' }))
          .thenAllowed('open.approved'),
      'a lower first final budget with its reason': () =>
        journey
          .given(...pathTo.signOff())
          .when(approve({ finalBudgetPence: 24_000, budgetDifferenceReason: 'The costed plan needs less' }))
          .thenAllowed('open.approved'),
    },
    refuses: {
      'a different final budget with no reason': () =>
        journey
          .given(...pathTo.signOff())
          .when(approve({ finalBudgetPence: 26_000 }))
          .thenRefused('finalBudgetDifferenceExplained'),
      'a different final budget with a blank reason (refused as words before any rule)': () =>
        journey
          .given(...pathTo.signOff())
          .when(approve({ finalBudgetPence: 24_000, budgetDifferenceReason: '\t' }))
          .thenRefused('hasVisibleText'),
    },
  });

  describe('a review may not cut a budget: a lower final budget needs a reassessment first', () => {
    /** Budget in force: £250 a week (approved at revision 6); review started at revision 8. */
    const inReview = pathTo.review();
    const cheaperPlan = fact('SupportPlanDrafted', {
      supports: [{ description: 'Home care, 8 hours', category: 'personal-care', costPence: 19_000 }],
    });

    rule('budgetCutFollowsReassessment', 'a lower budget follows only a reassessment', {
      allows: {
        'review → reassess → new assessment → new indicative budget → new plan → approval of a lower budget': () => {
          const after = journey
            .given(
              ...inReview,
              fact('ReviewCompleted', { outcome: 'reassess', reasons: 'Mobility has improved since the operation' }), // 9 → assessment
              fact('AssessmentCompleted', { eligibleOutcomes: ['nutrition', 'personal-hygiene'] }), // 10
              fact('IndicativeBudgetSet', { amountPence: 20_000 }), // 11
              cheaperPlan, // 12: plan v2
              fact('SupportPlanSubmitted', { planVersion: 2 }), // 13
            )
            .when(approve({ planVersion: 2, finalBudgetPence: 20_000 }))
            .thenAllowed('open.approved');
          expect(after.context.budgetInForce).toMatchObject({ amountPence: 20_000, revision: 14 });
        },
        'a revised plan at the same budget after a review, no reassessment needed': () =>
          journey
            .given(
              ...inReview,
              fact('ReviewCompleted', { outcome: 'revise-plan' }),
              cheaperPlan,
              fact('SupportPlanSubmitted', { planVersion: 2 }),
            )
            .when(approve({ planVersion: 2, finalBudgetPence: 25_000 }))
            .thenAllowed('open.approved'),
      },
      refuses: {
        'review → revise plan → approval of a lower budget, without a reassessment': () =>
          journey
            .given(
              ...inReview,
              fact('ReviewCompleted', { outcome: 'revise-plan' }),
              cheaperPlan,
              fact('SupportPlanSubmitted', { planVersion: 2 }),
            )
            .when(approve({ planVersion: 2, finalBudgetPence: 20_000, budgetDifferenceReason: 'Fewer hours in the revised plan' }))
            .thenRefused('budgetCutFollowsReassessment'),
        'a second cut after the reassessment was already spent on an approval': () =>
          journey
            .given(
              ...inReview,
              fact('ReviewCompleted', { outcome: 'reassess' }), // 9
              fact('AssessmentCompleted'), // 10
              fact('IndicativeBudgetSet', { amountPence: 20_000 }), // 11
              cheaperPlan, // 12
              fact('SupportPlanSubmitted', { planVersion: 2 }), // 13
              approve({ planVersion: 2, finalBudgetPence: 20_000 }), // 14: budget in force now £200 a week
              fact('SupportStarted'), // 15
              fact('ReviewStarted'), // 16
              fact('ReviewCompleted', { outcome: 'revise-plan' }), // 17
              fact('SupportPlanDrafted', {
                supports: [{ description: 'Home care, 7 hours', category: 'personal-care', costPence: 17_000 }],
              }), // 18
              fact('SupportPlanSubmitted', { planVersion: 3 }), // 19
            )
            .when(approve({ planVersion: 3, finalBudgetPence: 17_000, budgetDifferenceReason: 'Fewer hours' }))
            .thenRefused('budgetCutFollowsReassessment'),
      },
    });
  });

  describe('a budget above £50,000 a year (annualised: weekly × 52) is signed off by a senior approver', () => {
    rule('seniorApproverForLargeBudget', 'senior approval above the threshold', {
      allows: {
        'an approver to sign off £961.53 a week (£49,999.56 a year)': () =>
          journey
            .given(...atSignOff({ budget: 96_153 }))
            .when(approve({ finalBudgetPence: 96_153 }))
            .thenAllowed('open.approved'),
        'an approver to sign off exactly £50,000 a year (the threshold is “above”)': () =>
          journey
            .given(...atSignOff({ budget: 5_000_000, period: 'year' }))
            .when(approve({ finalBudgetPence: 5_000_000, period: 'year' }))
            .thenAllowed('open.approved'),
        'a senior approver to sign off £961.54 a week (£50,000.08 a year)': () =>
          journey
            .given(...atSignOff({ budget: 96_154 }))
            .when(approve({ finalBudgetPence: 96_154 }, actors.seniorApprover))
            .thenAllowed('open.approved'),
      },
      refuses: {
        'an approver signing off £961.54 a week (£50,000.08 a year)': () =>
          journey
            .given(...atSignOff({ budget: 96_154 }))
            .when(approve({ finalBudgetPence: 96_154 }))
            .thenRefused('seniorApproverForLargeBudget'),
        'an approver signing off £4,166.67 a month (£50,000.04 a year)': () =>
          journey
            .given(...atSignOff({ budget: 416_667, period: 'month' }))
            .when(approve({ finalBudgetPence: 416_667, period: 'month' }))
            .thenRefused('seniorApproverForLargeBudget'),
      },
    });
  });

  rule('fundingSharesMatchBudget', 'Funding shares add up to the final budget, and an integrated budget always records them', {
    allows: {
      'an integrated budget whose council and NHS shares add up': () =>
        journey
          .given(...atSignOff({ fundingStream: 'integrated' }))
          .when(
            approve({
              fundingShares: [
                { funder: 'council', amountPence: 15_000 },
                { funder: 'nhs', amountPence: 10_000 },
              ],
            }),
          )
          .thenAllowed('open.approved'),
      'a social care budget with no shares': () =>
        journey
          .given(...atSignOff({}))
          .when(approve())
          .thenAllowed('open.approved'),
    },
    refuses: {
      'an integrated budget with no shares': () =>
        journey
          .given(...atSignOff({ fundingStream: 'integrated' }))
          .when(approve())
          .thenRefused('fundingSharesMatchBudget'),
      'shares that do not add up to the final budget': () =>
        journey
          .given(...atSignOff({ fundingStream: 'integrated' }))
          .when(
            approve({
              fundingShares: [
                { funder: 'council', amountPence: 15_000 },
                { funder: 'nhs', amountPence: 9_999 },
              ],
            }),
          )
          .thenRefused('fundingSharesMatchBudget'),
    },
  });

  describe('an NHS-funded direct payment may not buy what the NHS (Direct Payments) Regulations 2013 prohibit', () => {
    const care: Support = { description: 'Personal assistants', category: 'personal-care', costPence: 20_000 };
    const gp: Support = { description: 'Private GP appointments', category: 'primary-medical-care', costPence: 5_000 };
    const nhsShares = {
      fundingShares: [
        { funder: 'council' as const, amountPence: 15_000 },
        { funder: 'nhs' as const, amountPence: 10_000 },
      ],
    };

    rule('nhsDirectPaymentExcludesProhibited', 'nothing on the prohibited list in an NHS direct payment', {
      allows: {
        'a social care direct payment buying the same category (the prohibition is the NHS’s)': () =>
          journey
            .given(...drafted({ supports: [care, gp] }))
            .when(fact('SupportPlanSubmitted'))
            .thenAllowed('open.signOff'),
        'an NHS CHC direct payment buying only permitted supports': () =>
          journey
            .given(...drafted({ fundingStream: 'nhs-chc', supports: [care] }))
            .when(fact('SupportPlanSubmitted'))
            .thenAllowed('open.signOff'),
        'an NHS CHC plan where that support is arranged by the NHS (held notionally), not paid directly': () =>
          journey
            .given(...drafted({ fundingStream: 'nhs-chc', supports: [care, { ...gp, heldAs: 'notional' }], plan: { deployment: 'mixed' } }))
            .when(fact('SupportPlanSubmitted'))
            .thenAllowed('open.signOff'),
        'an integrated direct payment where the council funds that support': () =>
          journey
            .given(...drafted({ fundingStream: 'integrated', supports: [care, { ...gp, fundedBy: 'council' }], plan: nhsShares }))
            .when(fact('SupportPlanSubmitted'))
            .thenAllowed('open.signOff'),
      },
      refuses: {
        'an NHS CHC direct payment that buys primary medical care': () =>
          journey
            .given(...drafted({ fundingStream: 'nhs-chc', supports: [care, gp] }))
            .when(fact('SupportPlanSubmitted'))
            .thenRefused('nhsDirectPaymentExcludesProhibited'),
        'an integrated direct payment with an NHS share that buys alcohol': () =>
          journey
            .given(
              ...drafted({
                fundingStream: 'integrated',
                supports: [care, { description: 'Wine', category: 'alcohol', costPence: 1_000 }],
                plan: nhsShares,
              }),
            )
            .when(fact('SupportPlanSubmitted'))
            .thenRefused('nhsDirectPaymentExcludesProhibited'),
        'an integrated direct payment whose shares are not recorded yet, buying alcohol (the NHS may be paying)': () =>
          journey
            .given(
              ...drafted({ fundingStream: 'integrated', supports: [care, { description: 'Wine', category: 'alcohol', costPence: 1_000 }] }),
            )
            .when(fact('SupportPlanSubmitted'))
            .thenRefused('nhsDirectPaymentExcludesProhibited'),
        'an NHS CHC mixed plan with a prohibited support that does not say how it is held': () =>
          journey
            .given(...drafted({ fundingStream: 'nhs-chc', supports: [care, gp], plan: { deployment: 'mixed' } }))
            .when(fact('SupportPlanSubmitted'))
            .thenRefused('nhsDirectPaymentExcludesProhibited'),
        'an integrated plan drafted as council-funded, approved with an NHS share: the approval is checked with its own shares': () =>
          journey
            .given(
              ...atSignOff({
                fundingStream: 'integrated',
                budget: 21_000,
                supports: [care, { description: 'Wine', category: 'alcohol', costPence: 1_000 }],
                plan: { fundingShares: [{ funder: 'council', amountPence: 21_000 }] },
              }),
            )
            .when(
              approve({
                finalBudgetPence: 21_000,
                fundingShares: [
                  { funder: 'council', amountPence: 11_000 },
                  { funder: 'nhs', amountPence: 10_000 },
                ],
                reasons: 'Costed plan',
              }),
            )
            .thenRefused('nhsDirectPaymentExcludesProhibited'),
      },
    });
  });

  describe('challenges', () => {
    rule('challengeNamesOpenableDecision', 'A challenge names a decision of this journey that is not already under challenge', {
      allows: {
        'challenging the not-eligible decision (revision 2)': () =>
          journey
            .given(...pathTo.notEligible())
            .when(fact('DecisionChallenged', { decisionRevision: 2 }))
            .thenAllowed('open.notEligible'),
        'challenging the same decision again once the first challenge is resolved': () =>
          journey
            .given(
              ...pathTo.notEligible(),
              fact('DecisionChallenged', { decisionRevision: 2 }),
              fact('ChallengeResolved', { challengeRevision: 3, outcome: 'not-upheld' }),
            )
            .when(fact('DecisionChallenged', { decisionRevision: 2, grounds: 'New evidence from the GP' }))
            .thenAllowed('open.notEligible'),
        'challenging a review that ended support, after the journey closed': () =>
          journey
            .given(...pathTo.review(), fact('ReviewCompleted', { outcome: 'end-support' })) // 9
            .when(fact('DecisionChallenged', { decisionRevision: 9 }))
            .thenAllowed('closed'),
      },
      refuses: {
        'naming a revision the journey does not have': () =>
          journey
            .given(...pathTo.notEligible())
            .when(fact('DecisionChallenged', { decisionRevision: 99 }))
            .thenRefused('challengeNamesOpenableDecision'),
        'naming a fact that is not a decision (the assessment starting)': () =>
          journey
            .given(...pathTo.notEligible())
            .when(fact('DecisionChallenged', { decisionRevision: 1 }))
            .thenRefused('challengeNamesOpenableDecision'),
        'naming a decision already under an open challenge': () =>
          journey
            .given(...pathTo.notEligible(), fact('DecisionChallenged', { decisionRevision: 2 }))
            .when(fact('DecisionChallenged', { decisionRevision: 2 }))
            .thenRefused('challengeNamesOpenableDecision'),
      },
    });

    rule('challengeIsOpen', 'A resolution answers an open challenge of this journey', {
      allows: {
        'resolving the open challenge (revision 3)': () =>
          journey
            .given(...pathTo.notEligible(), fact('DecisionChallenged', { decisionRevision: 2 }))
            .when(fact('ChallengeResolved', { challengeRevision: 3 }))
            .thenAllowed('open.notEligible'),
      },
      refuses: {
        'naming the contested decision instead of the challenge': () =>
          journey
            .given(...pathTo.notEligible(), fact('DecisionChallenged', { decisionRevision: 2 }))
            .when(fact('ChallengeResolved', { challengeRevision: 2 }))
            .thenRefused('challengeIsOpen'),
        'resolving a challenge twice': () =>
          journey
            .given(
              ...pathTo.notEligible(),
              fact('DecisionChallenged', { decisionRevision: 2 }),
              fact('ChallengeResolved', { challengeRevision: 3 }),
            )
            .when(fact('ChallengeResolved', { challengeRevision: 3, outcome: 'upheld' }))
            .thenRefused('challengeIsOpen'),
      },
    });

    rule('resolverIsNotDecisionMaker', 'Nobody resolves a challenge to their own decision', {
      allows: {
        'another approver resolving a challenge to approver-1’s approval (revision 6)': () =>
          journey
            .given(...pathTo.approved(), fact('DecisionChallenged', { decisionRevision: 6 }))
            .when(fact('ChallengeResolved', { challengeRevision: 7 }, { by: actors.otherApprover }))
            .thenAllowed('open.approved'),
      },
      refuses: {
        'the approver who approved the plan resolving the challenge to it': () =>
          journey
            .given(...pathTo.approved(), fact('DecisionChallenged', { decisionRevision: 6 }))
            .when(fact('ChallengeResolved', { challengeRevision: 7 }, { by: actors.approver }))
            .thenRefused('resolverIsNotDecisionMaker'),
      },
    });

    /**
     * Each challengeable decision of the policy reopens the step it closed when the challenge is
     * upheld or partly upheld; not upheld leaves the journey where it was.
     */
    describe('an upheld challenge reopens the step the contested decision closed', () => {
      it('covers every challengeable decision of the policy', () => {
        expect(v1.policy.challengeableDecisions).toEqual({
          AssessmentCompleted: 'assessment',
          IndicativeBudgetSet: 'indicativeBudget',
          SupportPlanReturned: 'signOff',
          SupportPlanApproved: 'signOff',
          ReviewCompleted: 'review',
        });
      });

      rule('reopensAssessment', 'a challenge to an assessment outcome reopens assessment', {
        allows: {
          'upheld, against not eligible': () =>
            journey
              .given(...pathTo.notEligible(), fact('DecisionChallenged', { decisionRevision: 2 }))
              .when(fact('ChallengeResolved', { challengeRevision: 3, outcome: 'upheld' }))
              .thenAllowed('open.assessment'),
          'partly upheld, against an eligible outcome whose outcomes were too few, while planning': () =>
            journey
              .given(...pathTo.supportPlanning(), fact('DecisionChallenged', { decisionRevision: 2 }))
              .when(fact('ChallengeResolved', { challengeRevision: 4, outcome: 'partly-upheld' }))
              .thenAllowed('open.assessment'),
        },
        refuses: {
          'to move the journey when the challenge is not upheld': () =>
            journey
              .given(...pathTo.notEligible(), fact('DecisionChallenged', { decisionRevision: 2 }))
              .when(fact('ChallengeResolved', { challengeRevision: 3, outcome: 'not-upheld' }))
              .thenAllowed('open.notEligible'),
        },
      });

      rule('reopensIndicativeBudget', 'a challenge to the indicative budget reopens the budget step', {
        allows: {
          'upheld, while the plan is at sign-off': () =>
            journey
              .given(...pathTo.signOff(), fact('DecisionChallenged', { decisionRevision: 3 })) // 6
              .when(fact('ChallengeResolved', { challengeRevision: 6, outcome: 'upheld' }))
              .thenAllowed('open.indicativeBudget'),
        },
        refuses: {
          'to move the journey when the challenge is not upheld': () =>
            journey
              .given(...pathTo.signOff(), fact('DecisionChallenged', { decisionRevision: 3 }))
              .when(fact('ChallengeResolved', { challengeRevision: 6, outcome: 'not-upheld' }))
              .thenAllowed('open.signOff'),
        },
      });

      rule('reopensSignOff', 'a challenge to a returned or approved plan reopens sign-off', {
        allows: {
          'upheld, against a returned plan (revision 6)': () =>
            journey
              .given(...pathTo.signOff(), fact('SupportPlanReturned'), fact('DecisionChallenged', { decisionRevision: 6 })) // 7
              .when(fact('ChallengeResolved', { challengeRevision: 7, outcome: 'upheld' }))
              .thenAllowed('open.signOff'),
          'partly upheld, against an approval, once support is live': () =>
            journey
              .given(
                ...pathTo.liveSupport(),
                fact('DecisionChallenged', { decisionRevision: 6, grounds: 'The budget does not cover night care' }),
              ) // 8
              .when(fact('ChallengeResolved', { challengeRevision: 8, outcome: 'partly-upheld' }))
              .thenAllowed('open.signOff'),
        },
        refuses: {
          'to move the journey when the challenge to a returned plan is not upheld': () =>
            journey
              .given(...pathTo.signOff(), fact('SupportPlanReturned'), fact('DecisionChallenged', { decisionRevision: 6 }))
              .when(fact('ChallengeResolved', { challengeRevision: 7, outcome: 'not-upheld' }))
              .thenAllowed('open.supportPlanning'),
        },
      });

      rule('reopensReview', 'a challenge to a review outcome reopens the review', {
        allows: {
          'upheld, against a review that continued support': () =>
            journey
              .given(
                ...pathTo.review(),
                fact('ReviewCompleted', { outcome: 'continue' }),
                fact('DecisionChallenged', { decisionRevision: 9 }),
              ) // 10
              .when(fact('ChallengeResolved', { challengeRevision: 10, outcome: 'upheld' }))
              .thenAllowed('open.review'),
          'upheld, against a review that ended support: the closed journey reopens at review': () =>
            journey
              .given(
                ...pathTo.review(),
                fact('ReviewCompleted', { outcome: 'end-support' }),
                fact('DecisionChallenged', { decisionRevision: 9 }),
              )
              .when(fact('ChallengeResolved', { challengeRevision: 10, outcome: 'upheld' }))
              .thenAllowed('open.review'),
        },
        refuses: {
          'to reopen a closed journey when the challenge is not upheld': () =>
            journey
              .given(
                ...pathTo.review(),
                fact('ReviewCompleted', { outcome: 'end-support' }),
                fact('DecisionChallenged', { decisionRevision: 9 }),
              )
              .when(fact('ChallengeResolved', { challengeRevision: 10, outcome: 'not-upheld' }))
              .thenAllowed('closed'),
        },
      });
    });

    describe('after a challenge reopens a step, the journey carries on from there', () => {
      it('a plan whose return was overturned can be approved at the reopened sign-off', () => {
        journey
          .given(
            ...pathTo.signOff(),
            fact('SupportPlanReturned'), // 6
            fact('DecisionChallenged', { decisionRevision: 6, grounds: 'The plan met every change asked for last time' }), // 7
            fact('ChallengeResolved', { challengeRevision: 7, outcome: 'upheld' }), // 8 → signOff
          )
          .when(approve({}, actors.otherApprover))
          .thenAllowed('open.approved');
      });

      it('a plan redrafted after its return, then the return overturned: sign-off may send the current plan back to be submitted', () => {
        const given = journey.given(
          ...pathTo.signOff(),
          fact('SupportPlanReturned'), // 6
          fact('SupportPlanDrafted'), // 7: plan v2, not submitted
          fact('DecisionChallenged', { decisionRevision: 6 }), // 8
          fact('ChallengeResolved', { challengeRevision: 8, outcome: 'upheld' }), // 9 → signOff
        );
        given.when(approve({ planVersion: 2 })).thenRefused('decidesSubmittedPlan');
        given.when(fact('SupportPlanReturned', { planVersion: 2 })).thenAllowed('open.supportPlanning');
      });

      it('an approval overturned after a review revised the plan: sign-off sends the new draft back to be submitted', () => {
        const given = journey.given(
          ...pathTo.review(),
          fact('ReviewCompleted', { outcome: 'revise-plan' }), // 9
          fact('SupportPlanDrafted'), // 10: plan v2, not submitted
          fact('DecisionChallenged', { decisionRevision: 6 }), // 11: the first approval
          fact('ChallengeResolved', { challengeRevision: 11, outcome: 'upheld' }), // 12 → signOff
        );
        given.when(approve({ planVersion: 2 })).thenRefused('decidesSubmittedPlan');
        given.when(fact('SupportPlanReturned', { planVersion: 1 })).thenRefused('decidesSubmittedPlan');
        given.when(fact('SupportPlanReturned', { planVersion: 2 })).thenAllowed('open.supportPlanning');
      });

      it('a review reopened by a challenge is completed again', () => {
        journey
          .given(
            ...pathTo.review(),
            fact('ReviewCompleted', { outcome: 'end-support' }), // 9
            fact('DecisionChallenged', { decisionRevision: 9 }), // 10
            fact('ChallengeResolved', { challengeRevision: 10, outcome: 'upheld' }), // 11
          )
          .when(fact('ReviewCompleted', { outcome: 'continue', reasons: 'Support continues as the challenge found' }))
          .thenAllowed('open.liveSupport');
      });
    });
  });

  describe('routing a review to its outcome', () => {
    const inReview = pathTo.review();
    const outcomes = {
      reviewContinues: ['continue', 'open.liveSupport'],
      reviewRevisesPlan: ['revise-plan', 'open.supportPlanning'],
      reviewReassesses: ['reassess', 'open.assessment'],
      reviewEndsSupport: ['end-support', 'closed'],
    } as const;

    (Object.keys(outcomes) as Array<keyof typeof outcomes>).forEach((guard) => {
      const [outcome, step] = outcomes[guard];
      const other = outcome === 'continue' ? 'end-support' : 'continue';
      rule(guard, `a review ending in “${outcome}” goes to ${step}`, {
        allows: {
          [`outcome ${outcome} to go to ${step}`]: () =>
            journey
              .given(...inReview)
              .when(fact('ReviewCompleted', { outcome }))
              .thenAllowed(step),
        },
        refuses: {
          [`outcome ${other} to go to ${step} (it goes elsewhere)`]: () => {
            const after = journey
              .given(...inReview)
              .when(fact('ReviewCompleted', { outcome: other }))
              .thenAllowed();
            expect(statePath(after.value)).not.toBe(step);
          },
        },
      });
    });
  });

  describe('advocacy', () => {
    rule('advocateNotAlreadyAppointed', 'An advocate is appointed once until withdrawn', {
      allows: {
        'appointing an advocate': () =>
          journey.given(fact('ReferralReceived')).when(fact('AdvocateAppointed')).thenAllowed('open.referral'),
        'appointing a second, different advocate': () =>
          journey
            .given(fact('ReferralReceived'), fact('AdvocateAppointed'))
            .when(fact('AdvocateAppointed', { advocateId: 'advocate-2', basis: 'chosen-by-person' }))
            .thenAllowed('open.referral'),
        'appointing the same advocate again after withdrawal': () =>
          journey
            .given(fact('ReferralReceived'), fact('AdvocateAppointed'), fact('AdvocateWithdrawn'))
            .when(fact('AdvocateAppointed'))
            .thenAllowed('open.referral'),
      },
      refuses: {
        'appointing an advocate who is already appointed': () =>
          journey
            .given(fact('ReferralReceived'), fact('AdvocateAppointed'))
            .when(fact('AdvocateAppointed'))
            .thenRefused('advocateNotAlreadyAppointed'),
      },
    });

    rule('withdrawsAppointedAdvocate', 'Only an appointed advocate can be withdrawn', {
      allows: {
        'withdrawing the appointed advocate': () => {
          const after = journey
            .given(fact('ReferralReceived'), fact('AdvocateAppointed'))
            .when(fact('AdvocateWithdrawn'))
            .thenAllowed('open.referral');
          expect(summarise(v1, after).advocates).toEqual([]);
        },
      },
      refuses: {
        'withdrawing an advocate never appointed': () =>
          journey
            .given(fact('ReferralReceived'), fact('AdvocateAppointed'))
            .when(fact('AdvocateWithdrawn', { advocateId: 'advocate-2' }))
            .thenRefused('withdrawsAppointedAdvocate'),
        'withdrawing the same advocate twice': () =>
          journey
            .given(fact('ReferralReceived'), fact('AdvocateAppointed'), fact('AdvocateWithdrawn'))
            .when(fact('AdvocateWithdrawn'))
            .thenRefused('withdrawsAppointedAdvocate'),
      },
    });
  });

  rule('clockIsKnown', 'A missed deadline names a clock of this version’s policy', {
    allows: {
      'the scheduler recording the missed 48-hour fast-track clock': () =>
        journey
          .given(fact('ReferralReceived', { fundingStream: 'nhs-chc', route: 'fast-track' }))
          .when(fact('DeadlineMissed', { clock: 'fast-track-care-in-place', dueAt: '2026-01-07T09:00:00.000Z' }))
          .thenAllowed('open.referral'),
    },
    refuses: {
      'a clock the policy does not have': () =>
        journey
          .given(fact('ReferralReceived'))
          .when(fact('DeadlineMissed', { clock: 'care-in-place-by-friday' }))
          .thenRefused('clockIsKnown'),
    },
  });
});

describe('deadlines on a closed journey', () => {
  // Revisions: ...review() ends at 8; the review ending support is 9, the challenge to it 10.
  const closedWithOpenChallenge = () => [
    ...pathTo.review(),
    fact('ReviewCompleted', { outcome: 'end-support' }),
    fact('DecisionChallenged', { decisionRevision: 9 }),
  ];

  rule('clockRunsAfterClosure', 'On a closed journey only a challenge’s clock runs, while the challenge is open', {
    allows: {
      'the 28-day clock of a challenge raised after closure': () =>
        journey
          .given(...closedWithOpenChallenge())
          .when(fact('DeadlineMissed', { clock: 'challenge-answered', dueAt: '2026-09-01T09:00:00.000Z' }))
          .thenAllowed('closed'),
    },
    refuses: {
      'a review clock, stopped when the journey closed': () =>
        journey
          .given(...closedWithOpenChallenge())
          .when(fact('DeadlineMissed', { clock: 'annual-review' }))
          .thenRefused('clockRunsAfterClosure'),
      'a challenge clock once the challenge is resolved': () =>
        journey
          .given(...closedWithOpenChallenge(), fact('ChallengeResolved', { challengeRevision: 10, outcome: 'not-upheld' }))
          .when(fact('DeadlineMissed', { clock: 'challenge-answered' }))
          .thenRefused('clockRunsAfterClosure'),
    },
  });
});

describe('the rule blocks above', () => {
  it('cover every named guard of GUARD_DESCRIPTIONS, and every guard the machine has', () => {
    expect([...covered].sort()).toEqual(Object.keys(GUARD_DESCRIPTIONS).sort());
    expect(Object.keys(v1.machine.implementations.guards).sort()).toEqual(Object.keys(GUARD_DESCRIPTIONS).sort());
  });

  it('use facts the machine accepts as history (a refused history would throw, not pass)', () => {
    expect(() => replay(v1, toEvents([...pathTo.signOff(), fact('SupportStarted')]))).toThrow(/refused/);
  });
});
