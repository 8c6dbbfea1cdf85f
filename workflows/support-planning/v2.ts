/**
 * Support-planning journey, workflow version 2 (DOMAIN.md "Workflow version 2"). The same shape
 * as v1 (steps under `open`, side activities on `open`, challenges on the root), with v2's rules:
 *
 * 1. a plan is compared with the person's wishes by what it contains (planFollowsWishesOrSaysWhy);
 * 2. every kind of representative may ask for a review (roles in policyV2, advocateIsAppointed);
 * 3. not eligible means advice (notEligibleGivesAdvice);
 * 4. the final budget covers the plan (finalBudgetCoversPlan);
 * 5. the funding in force follows the approval's shares (evolveV2), which add up (fundingSharesInForceMatchBudget);
 * 6. a revised plan approved during live support returns to live support (supportIsLive);
 * 7, 8. clocks from effective dates, late entries (policyV2.clockTiming, maxBackdatingDays);
 * 9. challenges name decisions in force, and closure is one (challengeNamesDecisionInForce);
 * 10. support categories are a closed list (policyV2.supportCategories, checked with the facts);
 * 11. subject access requests and their one-month clock (AccessRequested, AccessRequestAnswered).
 *
 * Every transition runs `record` (v2's pure fold); each open step remembers itself on entry, so a
 * closure knows the step it closed from. No I/O, no clock: time arrives in the facts.
 */
import { and, assign, setup } from 'xstate';
import { initialContext, type JourneyContext, type OpenStep } from './context';
import { evolveV2 } from './context-v2';
import type { JourneyEvent } from './events';
import { makeGuardsV2 } from './guards-v2';
import { policyV2 } from './policy-v2';

const RESOLVES = ['actorMayRecord', 'challengeIsOpen', 'resolverIsNotDecisionMaker'] as const;

/** An open step that records itself as the journey's current step when entered. */
function step(name: OpenStep) {
  return { type: 'enterStep', params: { step: name } } as const;
}

/** An upheld challenge to a closure reopens the step the journey closed from: one route per step. */
const REOPENABLE_AFTER_CLOSURE: OpenStep[] = [
  'referral',
  'assessment',
  'notEligible',
  'indicativeBudget',
  'supportPlanning',
  'signOff',
  'approved',
  'liveSupport',
  'review',
];

export const supportPlanningV2 = setup({
  types: {
    context: {} as JourneyContext,
    events: {} as JourneyEvent,
  },
  guards: makeGuardsV2(policyV2),
  actions: {
    record: assign(({ context, event }) => evolveV2(context, event)),
    enterStep: assign((_, params: { step: OpenStep }) => ({ currentStep: params.step })),
    /** Rule 9: an upheld challenge to a closure undoes it (the journey is open again where it was), as does one that reopens a closed journey's step. */
    reopenClosure: assign({ closure: null, closedFrom: null }),
  },
}).createMachine({
  id: 'support-planning',
  context: initialContext,
  initial: 'awaitingReferral',
  on: {
    DecisionChallenged: {
      guard: and(['actorMayRecord', 'advocateIsAppointed', 'challengeNamesDecisionInForce']),
      actions: 'record',
    },
    ChallengeResolved: [
      // A journey reopened is no longer closed, whatever closed it (a closure, or a review ending support).
      { guard: and([...RESOLVES, 'reopensAssessment']), target: '.open.assessment', actions: ['record', 'reopenClosure'] },
      { guard: and([...RESOLVES, 'reopensIndicativeBudget']), target: '.open.indicativeBudget', actions: ['record', 'reopenClosure'] },
      { guard: and([...RESOLVES, 'reopensSignOff']), target: '.open.signOff', actions: ['record', 'reopenClosure'] },
      { guard: and([...RESOLVES, 'reopensReview']), target: '.open.review', actions: ['record', 'reopenClosure'] },
      ...REOPENABLE_AFTER_CLOSURE.map((reopened) => ({
        guard: and([...RESOLVES, { type: 'reopensClosedStep', params: { step: reopened } }]),
        target: `.open.${reopened}`,
        actions: ['record', 'reopenClosure'] as const,
      })),
      { guard: and([...RESOLVES]), actions: 'record' },
    ],
    AccessRequested: { guard: and(['actorMayRecord', 'journeyIsReferred', 'advocateIsAppointed']), actions: 'record' },
    AccessRequestAnswered: { guard: and(['actorMayRecord', 'accessRequestIsOpen']), actions: 'record' },
  },
  states: {
    awaitingReferral: {
      on: {
        ReferralReceived: { guard: 'actorMayRecord', target: 'open', actions: 'record' },
      },
    },
    open: {
      initial: 'referral',
      on: {
        PreferenceRecorded: { guard: and(['actorMayRecord', 'advocateIsAppointed']), actions: 'record' },
        AdvocateAppointed: { guard: and(['actorMayRecord', 'advocateNotAlreadyAppointed']), actions: 'record' },
        AdvocateWithdrawn: { guard: and(['actorMayRecord', 'withdrawsAppointedAdvocate']), actions: 'record' },
        DeadlineMissed: { guard: and(['actorMayRecord', 'clockIsKnown']), actions: 'record' },
        JourneyClosed: { guard: 'actorMayRecord', target: 'closed', actions: 'record' },
      },
      states: {
        referral: {
          entry: step('referral'),
          on: {
            AssessmentStarted: { guard: 'actorMayRecord', target: 'assessment', actions: 'record' },
          },
        },
        assessment: {
          entry: step('assessment'),
          on: {
            AssessmentCompleted: [
              {
                guard: and(['actorMayRecord', 'isEligible', 'eligibilityMeetsRegulations', 'decisionExplainsPreferenceOverride']),
                target: 'indicativeBudget',
                actions: 'record',
              },
              {
                guard: and(['actorMayRecord', 'isNotEligible', 'notEligibleGivesAdvice', 'decisionExplainsPreferenceOverride']),
                target: 'notEligible',
                actions: 'record',
              },
            ],
          },
        },
        /** Only a challenge (upheld: back to assessment) or closure leaves this step. */
        notEligible: { entry: step('notEligible') },
        indicativeBudget: {
          entry: step('indicativeBudget'),
          on: {
            IndicativeBudgetSet: { guard: 'actorMayRecord', target: 'supportPlanning', actions: 'record' },
          },
        },
        supportPlanning: {
          entry: step('supportPlanning'),
          on: {
            SupportPlanDrafted: { guard: 'actorMayRecord', actions: 'record' },
            SupportPlanSubmitted: {
              guard: and([
                'actorMayRecord',
                'submitsCurrentPlan',
                'planHasOutcomeAndSupport',
                'planWithinBudgetOrJustified',
                'nhsDirectPaymentExcludesProhibited',
                'planStatesSettingWhenWished',
                'planFollowsWishesOrSaysWhy',
              ]),
              target: 'signOff',
              actions: 'record',
            },
          },
        },
        signOff: {
          entry: step('signOff'),
          on: {
            SupportPlanReturned: {
              guard: and(['actorMayRecord', 'decidesSubmittedPlan']),
              target: 'supportPlanning',
              actions: 'record',
            },
            SupportPlanApproved: ['supportIsLive', 'supportIsNotLive'].map((routing) => ({
              guard: and([
                'actorMayRecord',
                'decidesSubmittedPlan',
                'approverDidNotDraftPlan',
                'finalBudgetDifferenceExplained',
                'finalBudgetCoversPlan',
                'budgetCutFollowsReassessment',
                'seniorApproverForLargeBudget',
                'fundingSharesMatchBudget',
                'fundingSharesInForceMatchBudget',
                'nhsDirectPaymentExcludesProhibited',
                'decisionExplainsPreferenceOverride',
                'planFollowsWishesOrSaysWhy',
                routing as 'supportIsLive' | 'supportIsNotLive',
              ]),
              // Rule 6: support never stopped, so a plan approved during it takes effect at once.
              target: routing === 'supportIsLive' ? 'liveSupport' : 'approved',
              actions: 'record' as const,
            })),
          },
        },
        /** Signed off; the budget is not in use until support starts. */
        approved: {
          entry: step('approved'),
          on: {
            SupportStarted: { guard: 'actorMayRecord', target: 'liveSupport', actions: 'record' },
          },
        },
        liveSupport: {
          entry: step('liveSupport'),
          on: {
            ReviewRequested: { guard: and(['actorMayRecord', 'advocateIsAppointed']), actions: 'record' },
            ReviewStarted: { guard: 'actorMayRecord', target: 'review', actions: 'record' },
          },
        },
        review: {
          entry: step('review'),
          on: {
            ReviewCompleted: [
              {
                guard: and(['actorMayRecord', 'decisionExplainsPreferenceOverride', 'reviewContinues']),
                target: 'liveSupport',
                actions: 'record',
              },
              {
                guard: and(['actorMayRecord', 'decisionExplainsPreferenceOverride', 'reviewRevisesPlan']),
                target: 'supportPlanning',
                actions: 'record',
              },
              {
                guard: and(['actorMayRecord', 'decisionExplainsPreferenceOverride', 'reviewReassesses']),
                target: 'assessment',
                actions: 'record',
              },
              {
                guard: and(['actorMayRecord', 'decisionExplainsPreferenceOverride', 'reviewEndsSupport']),
                target: '#support-planning.closed',
                actions: 'record',
              },
            ],
          },
        },
      },
    },
    /**
     * Closed journeys accept challenges (an upheld one reopens a step, a closure's the step it
     * closed from), requests for the record, and the missed deadlines of the clocks that still run.
     */
    closed: {
      on: {
        DeadlineMissed: { guard: and(['actorMayRecord', 'clockIsKnown', 'clockRunsAfterClosureV2']), actions: 'record' },
      },
    },
  },
});
