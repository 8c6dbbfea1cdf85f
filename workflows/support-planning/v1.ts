/**
 * Support-planning journey, workflow version 1 (DOMAIN.md "The journey").
 *
 * Shape: the journey's steps are the children of `open`; `closed` is reached by closure or by a
 * review that ends support. The side activities that can happen at any open step (preferences,
 * advocacy, deadlines, closure) are targetless transitions on `open`, and challenges sit on the
 * root, so they change only the context and never multiply the states. An upheld challenge is the
 * one side activity that moves the journey: it re-enters the step its decision closed, which may
 * reopen a closed journey.
 *
 * Every transition runs the single `record` action (the pure `evolve` fold) and is guarded by
 * `actorMayRecord` plus the named rules of that step. The machine does no I/O and reads no clock:
 * time arrives in `event.meta.occurredAt`.
 */
import { and, assign, setup } from 'xstate';
import { evolve, initialContext, type JourneyContext } from './context';
import type { JourneyEvent } from './events';
import { makeGuards } from './guards';
import { policyV1 } from './policy';

export const supportPlanningV1 = setup({
  types: {
    context: {} as JourneyContext,
    events: {} as JourneyEvent,
  },
  guards: makeGuards(policyV1),
  actions: {
    record: assign(({ context, event }) => evolve(context, event)),
  },
}).createMachine({
  id: 'support-planning',
  context: initialContext,
  initial: 'awaitingReferral',
  on: {
    DecisionChallenged: {
      guard: and(['actorMayRecord', 'advocateIsAppointed', 'challengeNamesOpenableDecision']),
      actions: 'record',
    },
    ChallengeResolved: [
      {
        guard: and(['actorMayRecord', 'challengeIsOpen', 'resolverIsNotDecisionMaker', 'reopensAssessment']),
        target: '.open.assessment',
        actions: 'record',
      },
      {
        guard: and(['actorMayRecord', 'challengeIsOpen', 'resolverIsNotDecisionMaker', 'reopensIndicativeBudget']),
        target: '.open.indicativeBudget',
        actions: 'record',
      },
      {
        guard: and(['actorMayRecord', 'challengeIsOpen', 'resolverIsNotDecisionMaker', 'reopensSignOff']),
        target: '.open.signOff',
        actions: 'record',
      },
      {
        guard: and(['actorMayRecord', 'challengeIsOpen', 'resolverIsNotDecisionMaker', 'reopensReview']),
        target: '.open.review',
        actions: 'record',
      },
      {
        guard: and(['actorMayRecord', 'challengeIsOpen', 'resolverIsNotDecisionMaker']),
        actions: 'record',
      },
    ],
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
          on: {
            AssessmentStarted: { guard: 'actorMayRecord', target: 'assessment', actions: 'record' },
          },
        },
        assessment: {
          on: {
            AssessmentCompleted: [
              {
                guard: and(['actorMayRecord', 'isEligible', 'eligibilityMeetsRegulations', 'decisionExplainsPreferenceOverride']),
                target: 'indicativeBudget',
                actions: 'record',
              },
              {
                guard: and(['actorMayRecord', 'isNotEligible', 'decisionExplainsPreferenceOverride']),
                target: 'notEligible',
                actions: 'record',
              },
            ],
          },
        },
        /** Only a challenge (upheld: back to assessment) or closure leaves this step. */
        notEligible: {},
        indicativeBudget: {
          on: {
            IndicativeBudgetSet: { guard: 'actorMayRecord', target: 'supportPlanning', actions: 'record' },
          },
        },
        supportPlanning: {
          on: {
            SupportPlanDrafted: { guard: 'actorMayRecord', actions: 'record' },
            SupportPlanSubmitted: {
              guard: and([
                'actorMayRecord',
                'submitsCurrentPlan',
                'planHasOutcomeAndSupport',
                'planWithinBudgetOrJustified',
                'nhsDirectPaymentExcludesProhibited',
              ]),
              target: 'signOff',
              actions: 'record',
            },
          },
        },
        signOff: {
          on: {
            SupportPlanReturned: {
              guard: and(['actorMayRecord', 'decidesSubmittedPlan']),
              target: 'supportPlanning',
              actions: 'record',
            },
            SupportPlanApproved: {
              guard: and([
                'actorMayRecord',
                'decidesSubmittedPlan',
                'approverDidNotDraftPlan',
                'finalBudgetDifferenceExplained',
                'budgetCutFollowsReassessment',
                'seniorApproverForLargeBudget',
                'fundingSharesMatchBudget',
                'nhsDirectPaymentExcludesProhibited',
                'decisionExplainsPreferenceOverride',
              ]),
              target: 'approved',
              actions: 'record',
            },
          },
        },
        /** Signed off; the budget is not in use until support starts. */
        approved: {
          on: {
            SupportStarted: { guard: 'actorMayRecord', target: 'liveSupport', actions: 'record' },
          },
        },
        liveSupport: {
          on: {
            ReviewRequested: { guard: 'actorMayRecord', actions: 'record' },
            ReviewStarted: { guard: 'actorMayRecord', target: 'review', actions: 'record' },
          },
        },
        review: {
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
     * Closed journeys accept challenges (on the root; an upheld one reopens a step) and the
     * missed deadline of a challenge raised after closure, the one clock that runs here.
     */
    closed: {
      on: {
        DeadlineMissed: { guard: and(['actorMayRecord', 'clockIsKnown', 'clockRunsAfterClosure']), actions: 'record' },
      },
    },
  },
});
