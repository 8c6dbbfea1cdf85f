/**
 * Version 2's policy (DOMAIN.md, "Workflow version 2"): v1's values, with the changes its rules
 * need. Plain data, served as JSON by `GET /workflows/support-planning/2`; v1 journeys keep
 * `policyV1` for ever.
 */
import { deepFreeze } from '../deep-freeze';
import { policyV1, type ClockPolicy, type WorkflowPolicy } from './policy';

/**
 * Rule 10: the categories a support may have. A closed list, so the NHS prohibited categories
 * cannot be dodged by spelling; `other` (with the support's description) for anything else.
 */
export const SUPPORT_CATEGORIES_V2 = [
  'personal-care',
  'domestic-support',
  'meals',
  'day-care',
  'day-activities',
  'community-access',
  'social-activities',
  'respite',
  'short-breaks',
  'night-care',
  'live-in-care',
  'personal-assistant',
  'supported-living',
  'extra-care-housing',
  'reablement',
  'end-of-life-care',
  'shared-lives',
  'care-home',
  'residential-care',
  'nursing-care',
  'nursing-home-care',
  'community-nursing',
  'therapy',
  'equipment',
  'adaptations',
  'assistive-technology',
  'transport',
  'carer-support',
  'employment-support',
  'education-support',
  'alcohol',
  'tobacco',
  'gambling',
  'debt-repayment',
  'primary-medical-care',
  'emergency-medical-care',
  'other',
];

/** Rule 11: UK GDPR Art. 12(3): a subject access request is answered within one month. */
const ACCESS_REQUEST_ANSWERED: ClockPolicy = {
  id: 'access-request-answered',
  label: 'Access request answered',
  due: { months: 1 },
  startsOn: [{ event: 'AccessRequested' }],
  stopsOn: [{ event: 'AccessRequestAnswered' }],
  // A person's right to their record does not end when their journey does.
  runsAfterClosure: true,
  source: 'UK GDPR Art. 12(3) and Art. 15 (ICO: one month)',
};

/**
 * Rule 9: closure is a decision, and an upheld challenge to it reopens the step the journey closed
 * from; the work of that step is owed again, so the clocks the closure stopped start again from
 * the resolution (as v1's reopened assessment and sign-off clocks do). Clocks per challenge and
 * those that outlive closure were never stopped by it.
 */
/**
 * A challenge open when the journey closes is still owed its answer (closure answers nothing, and
 * could otherwise silence the very challenge to it), so its clock outlives the closure, as the
 * rule on closed journeys (clockRunsAfterClosure) already assumes.
 */
function challengeOutlivesClosure(clock: ClockPolicy): ClockPolicy {
  return clock.perChallenge ? { ...clock, runsAfterClosure: true } : clock;
}

function restartsWhenClosureOverturned(clock: ClockPolicy): ClockPolicy {
  if (clock.perChallenge || clock.runsAfterClosure) return clock;
  return {
    ...clock,
    startsOn: [...clock.startsOn, { event: 'ChallengeResolved', reopens: 'closure', journey: { stoppedByClosure: true } }],
  };
}

export const policyV2: WorkflowPolicy = deepFreeze({
  ...policyV1,
  version: 2,
  rolesPerEvent: {
    ...policyV1.rolesPerEvent,
    // Rule 2: a person acting on the adult's behalf may ask for a review (Care Act s.27(1)(b)).
    ReviewRequested: ['person', 'advocate', 'case-worker'],
    // Rule 11: the person, their representative, or staff recording the request for them.
    AccessRequested: ['person', 'advocate', 'case-worker'],
    AccessRequestAnswered: ['case-worker'],
  },
  challengeableDecisions: {
    ...policyV1.challengeableDecisions,
    // Rule 9: closure is a decision the person may contest; upheld, it reopens the step closed from.
    JourneyClosed: 'closure',
  },
  clocks: [...policyV1.clocks.map(challengeOutlivesClosure).map(restartsWhenClosureOverturned), ACCESS_REQUEST_ANSWERED],
  // Rules 7 and 8: clocks run from when things happened; late entries are shown as met, recorded late.
  clockTiming: { followEffectiveDates: true, recogniseLateEntries: true, lateEntryGraceHours: 24 },
  maxBackdatingDays: 30,
  supportCategories: SUPPORT_CATEGORIES_V2,
  comparesPlanContents: true,
  fundingFollowsApproval: true,
} satisfies WorkflowPolicy);
