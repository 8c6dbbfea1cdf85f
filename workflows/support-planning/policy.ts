/**
 * The values a council or NHS body may change, kept beside the machine and versioned with it:
 * v1 journeys always replay with `policyV1`, whatever later versions say.
 *
 * Everything here is plain data (no functions) so that it can be served as JSON by
 * `GET /workflows/:id/:version` and read by advocates and auditors.
 */
import { deepFreeze } from '../deep-freeze';
import type { EventType, FundingStream, Role, Deployment, Route, ReviewOutcome } from './events';

/** A duration in calendar units; added to an ISO time in UTC. */
export interface Duration {
  hours?: number;
  days?: number;
  weeks?: number;
  months?: number;
}

/** When an event starts (or stops) a clock; every listed condition must hold. */
export interface ClockTrigger {
  event: EventType;
  /** Conditions on the event's data, e.g. `{ route: 'fast-track' }`. */
  where?: {
    route?: Route;
    outcome?: ReviewOutcome;
  };
  /**
   * Only a `ChallengeResolved` that reopens this step (upheld, or partly, against a decision the
   * policy says that step made): the work starts again, and so does its clock.
   */
  reopens?: ReopenableStep;
  /** Conditions on the journey as it stood, e.g. `{ fundingStream: ['nhs-chc'] }`. */
  journey?: {
    fundingStream?: FundingStream[];
    deployment?: Deployment[];
    /** Only the first time the triggering event happens in the journey. */
    firstTime?: boolean;
    /**
     * Only if the journey's last closure stopped this clock while it ran (or stood missed): with
     * `reopens: 'closure'`, an upheld challenge to that closure sets the work going again (v2 rule 9).
     */
    stoppedByClosure?: boolean;
  };
}

export interface ClockPolicy {
  id: string;
  label: string;
  due: Duration;
  startsOn: ClockTrigger[];
  stopsOn: ClockTrigger[];
  /** A clock per contested decision (challenges) rather than one per journey. */
  perChallenge?: boolean;
  /** Closure does not stop it: what it waits for is still owed to the person (v2: an access request). */
  runsAfterClosure?: boolean;
  source: string;
}

/**
 * How clocks read time (DOMAIN.md, v2 rules 7 and 8). Absent (v1): a clock starts and stops when
 * its fact's `occurredAt` says, a `DeadlineMissed` stands for good once recorded, and the
 * scheduler records a miss as soon as the clock is due.
 */
export interface ClockTimingPolicy {
  /**
   * Rule 7, "clocks run from when things happened": a clock starts and stops on its fact's
   * effective date: `SupportStarted` on `data.startDate` (a bare date is that day's 00:00 UTC),
   * every other fact on `occurredAt`. Support entered three weeks late keeps its review date.
   */
  followEffectiveDates: boolean;
  /**
   * Rule 8, late entries: a missed clock stopped by a fact whose effective date is on or before
   * the due time is "met, recorded late" (status `met-late`, `missedAtRevision` kept): it no
   * longer escalates, and the read model lists it for auditors beside the miss.
   */
  recogniseLateEntries: boolean;
  /**
   * Hours after a clock's starting fact was recorded (`recordedAt`) before the scheduler may
   * record a miss, for a clock that was already overdue when that fact was recorded: time for
   * the case worker to enter the work already done. Clocks due later are marked when due.
   * 0 means no grace.
   */
  lateEntryGraceHours: number;
}

/** Step names of the machine that a contested decision can reopen. */
export type ReopenableStep = 'assessment' | 'indicativeBudget' | 'signOff' | 'review' | 'closure';

export interface WorkflowPolicy {
  workflowId: string;
  version: number;
  /** Who may record each fact. `auditor` records nothing; `system` only the scheduler's facts. */
  rolesPerEvent: Partial<Record<EventType, Role[]>>;
  seniorApproval: {
    /** Annualised final budget above which a senior approver must sign off (integer pence). */
    annualThresholdPence: number;
    role: Role;
  };
  /** Care and Support (Eligibility Criteria) Regulations 2015, reg. 2: two or more outcomes. */
  minimumEligibleOutcomes: number;
  /** Funding streams whose eligibility rests on the reg. 2 outcomes (NHS CHC uses the DST instead). */
  outcomeBasedEligibility: FundingStream[];
  /** What an NHS-funded direct payment may not buy (NHS (Direct Payments) Regulations 2013). */
  nhsDirectPaymentProhibitedCategories: string[];
  /** The decisions that may be challenged, and the step an upheld challenge reopens. */
  challengeableDecisions: Partial<Record<EventType, ReopenableStep>>;
  /** Challenge outcomes that reopen the contested step. */
  reopeningOutcomes: Array<'upheld' | 'partly-upheld'>;
  clocks: ClockPolicy[];
  /** How clocks read time; absent in v1 (see ClockTimingPolicy). */
  clockTiming?: ClockTimingPolicy;
  /** Rule 8 (v2): a fact dated more than this many days before it was recorded needs a reason. */
  maxBackdatingDays?: number;
  /** v2: the closed list of support categories (v1 takes free words). */
  supportCategories?: string[];
  /**
   * v2 rule 1: a plan is compared with the person's wishes by what it contains (providers,
   * deployment, setting), not only by the choices ticked: its guards and its decisions view.
   */
  comparesPlanContents?: boolean;
  /**
   * v2 rule 5: an approval's funding shares decide the funding in force from then on (NHS and
   * council: `integrated`), for the clocks' funding conditions and the clock lists' filter too.
   * Absent (v1): the referral's stream for good.
   */
  fundingFollowsApproval?: boolean;
}

/** Whether the version's policy lets this role record this event (an event it does not list: no one). */
export function mayRecord(policy: WorkflowPolicy, type: EventType, role: Role): boolean {
  return policy.rolesPerEvent[type]?.includes(role) ?? false;
}

const CASE_WORKER: Role[] = ['case-worker'];
const APPROVERS: Role[] = ['approver', 'senior-approver'];

/** Frozen: v1's values are fixed for v1 journeys, and a frozen object cannot drift at run time either. */
export const policyV1: WorkflowPolicy = deepFreeze({
  workflowId: 'support-planning',
  version: 1,
  rolesPerEvent: {
    ReferralReceived: CASE_WORKER,
    AssessmentStarted: CASE_WORKER,
    AssessmentCompleted: CASE_WORKER,
    IndicativeBudgetSet: CASE_WORKER,
    SupportPlanDrafted: CASE_WORKER,
    SupportPlanSubmitted: CASE_WORKER,
    SupportPlanReturned: APPROVERS,
    SupportPlanApproved: APPROVERS,
    SupportStarted: CASE_WORKER,
    ReviewRequested: ['person', 'case-worker'],
    ReviewStarted: CASE_WORKER,
    ReviewCompleted: CASE_WORKER,
    PreferenceRecorded: ['person', 'advocate', 'case-worker'],
    AdvocateAppointed: CASE_WORKER,
    AdvocateWithdrawn: CASE_WORKER,
    DecisionChallenged: ['person', 'advocate'],
    ChallengeResolved: APPROVERS,
    DeadlineMissed: ['system'],
    JourneyClosed: CASE_WORKER,
  },
  seniorApproval: { annualThresholdPence: 50_000_00, role: 'senior-approver' },
  minimumEligibleOutcomes: 2,
  outcomeBasedEligibility: ['social-care', 'integrated'],
  nhsDirectPaymentProhibitedCategories: [
    'alcohol',
    'tobacco',
    'gambling',
    'debt-repayment',
    'primary-medical-care',
    'emergency-medical-care',
  ],
  challengeableDecisions: {
    AssessmentCompleted: 'assessment',
    IndicativeBudgetSet: 'indicativeBudget',
    SupportPlanReturned: 'signOff',
    SupportPlanApproved: 'signOff',
    ReviewCompleted: 'review',
  },
  reopeningOutcomes: ['upheld', 'partly-upheld'],
  clocks: [
    {
      id: 'fast-track-care-in-place',
      label: 'Fast-track care in place',
      due: { hours: 48 },
      startsOn: [{ event: 'ReferralReceived', where: { route: 'fast-track' } }],
      stopsOn: [{ event: 'SupportStarted' }],
      source: 'NHS CHC National Framework (Fast Track)',
    },
    {
      id: 'chc-eligibility-decision',
      label: 'NHS CHC eligibility decision',
      due: { days: 28 },
      startsOn: [{ event: 'ReferralReceived', journey: { fundingStream: ['nhs-chc'] } }],
      stopsOn: [{ event: 'AssessmentCompleted' }],
      source: 'NHS CHC National Framework (28 days from checklist)',
    },
    {
      id: 'assessment-completed',
      label: 'Assessment completed',
      due: { days: 28 },
      startsOn: [
        { event: 'ReferralReceived' },
        { event: 'ReviewCompleted', where: { outcome: 'reassess' } },
        { event: 'ChallengeResolved', reopens: 'assessment' },
      ],
      stopsOn: [{ event: 'AssessmentCompleted' }],
      source: 'Local policy (Care Act: "without delay")',
    },
    {
      id: 'plan-signed-off',
      label: 'Plan signed off',
      due: { days: 28 },
      startsOn: [{ event: 'IndicativeBudgetSet' }, { event: 'ChallengeResolved', reopens: 'signOff' }],
      stopsOn: [{ event: 'SupportPlanApproved' }],
      source: 'Local policy',
    },
    {
      id: 'first-review',
      label: 'First review',
      due: { weeks: 8 },
      startsOn: [{ event: 'SupportStarted', journey: { firstTime: true } }],
      stopsOn: [{ event: 'ReviewCompleted' }],
      source: 'Care and Support Statutory Guidance para. 13.32',
    },
    {
      id: 'direct-payment-first-review',
      label: 'Direct payment first review',
      due: { months: 6 },
      startsOn: [
        {
          event: 'SupportStarted',
          journey: { fundingStream: ['social-care'], deployment: ['direct-payment'], firstTime: true },
        },
      ],
      stopsOn: [{ event: 'ReviewCompleted' }],
      source: 'Care and Support (Direct Payments) Regulations 2014, reg. 7',
    },
    {
      id: 'chc-first-review',
      label: 'NHS CHC first review',
      due: { months: 3 },
      startsOn: [{ event: 'SupportStarted', journey: { fundingStream: ['nhs-chc'], firstTime: true } }],
      stopsOn: [{ event: 'ReviewCompleted' }],
      source: 'NHS CHC National Framework',
    },
    {
      id: 'annual-review',
      label: 'Annual review',
      due: { months: 12 },
      // From the last review, whatever it decided: a reassessment does not stop the yearly review.
      startsOn: [
        { event: 'ReviewCompleted', where: { outcome: 'continue' } },
        { event: 'ReviewCompleted', where: { outcome: 'revise-plan' } },
        { event: 'ReviewCompleted', where: { outcome: 'reassess' } },
      ],
      stopsOn: [{ event: 'ReviewCompleted' }],
      source: 'Care and Support Statutory Guidance para. 13.32; NHS CHC National Framework',
    },
    {
      id: 'challenge-answered',
      label: 'Challenge answered',
      due: { days: 28 },
      startsOn: [{ event: 'DecisionChallenged' }],
      stopsOn: [{ event: 'ChallengeResolved' }],
      perChallenge: true,
      source: 'Local policy',
    },
  ],
});
