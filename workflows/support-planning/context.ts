/**
 * What the journey remembers, and how each fact changes it.
 *
 * The machine decides which facts may happen (states and guards); `evolve` only folds an accepted
 * fact into the context. Keeping the fold in one exhaustive switch means every event of the
 * vocabulary updates the context in exactly one place, whatever state it arrives in.
 */
import type {
  BudgetPeriod,
  ChallengeOutcome,
  ClosureReason,
  Choices,
  Deployment,
  EventType,
  FundingShare,
  FundingStream,
  JourneyEvent,
  PersonAgreement,
  Route,
  Setting,
  Support,
  EligibilityOutcome,
} from './events';

export interface Budget {
  amountPence: number;
  period: BudgetPeriod;
  revision: number;
  setAt: string;
}

export interface PlanVersion {
  version: number;
  outcomes: string[];
  supports: Support[];
  period: BudgetPeriod;
  deployment: Deployment;
  fundingShares: FundingShare[];
  choices: Choices;
  overBudgetReason: string | null;
  totalPence: number;
  draftedBy: string;
  draftedAt: string;
  revision: number;
  /** v2: where the care is given. */
  setting?: Setting;
}

export interface Preference {
  value: string;
  inTheirWords: string;
  recordedBy: string;
  recordedAt: string;
  revision: number;
}

export interface DecisionRecord {
  type: EventType;
  actorId: string;
  occurredAt: string;
}

export interface OpenChallenge {
  decisionRevision: number;
  raisedBy: string;
  raisedAt: string;
}

export interface ResolvedChallenge extends OpenChallenge {
  challengeRevision: number;
  outcome: ChallengeOutcome;
  resolvedAt: string;
}

export interface JourneyContext {
  personId: string | null;
  fundingStream: FundingStream | null;
  route: Route | null;
  referredAt: string | null;
  assessment: { eligible: boolean; eligibleOutcomes: EligibilityOutcome[]; revision: number; completedAt: string } | null;
  /** True once an assessment has been completed after the budget now in force was approved. */
  reassessedSinceBudgetInForce: boolean;
  indicativeBudget: Budget | null;
  /** The final budget last approved: the one in force. */
  /** The final budget signed off, with each funder's share as the approval confirmed it. */
  budgetInForce: (Budget & { approvedBy: string; fundingShares: FundingShare[] }) | null;
  plan: PlanVersion | null;
  previousPlan: PlanVersion | null;
  submitted: { planVersion: number; personAgreement: PersonAgreement; personViews: string | null; revision: number } | null;
  supportStartedAt: string | null;
  reviewRequest: { requestedBy: string; why: string; revision: number } | null;
  reviewsCompleted: number;
  /** The latest preference on each topic, in the person's words. */
  preferences: Record<string, Preference>;
  /** Advocates appointed and not withdrawn, by advocate id. */
  advocates: Record<string, { basis: string; appointedAt: string; revision: number }>;
  /** Challengeable decisions by the revision of the event that made them. */
  decisions: Record<string, DecisionRecord>;
  /** Open challenges by the revision of the DecisionChallenged event. */
  openChallenges: Record<string, OpenChallenge>;
  resolvedChallenges: ResolvedChallenge[];
  missedDeadlines: Array<{ clock: string; dueAt: string; revision: number }>;
  closure: { reason: ClosureReason | 'support-ended-at-review'; at: string; revision: number } | null;
  lastRevision: number;
  lastOccurredAt: string | null;
  /** v2 (context-v2.ts): the stream the referral named; `fundingStream` is then the funding in force. */
  referralFundingStream?: FundingStream;
  /** v2: the open step the journey is at, so closure can remember where it closed from. */
  currentStep?: OpenStep;
  /** v2: the step a closure closed the journey from, reopened if a challenge to the closure is upheld. */
  closedFrom?: OpenStep | null;
  /** v2: subject access requests not yet answered, by the revision of the request. */
  accessRequests?: Record<string, { requestedBy: string; requestedAt: string }>;
}

/** The steps of an open journey (the children of `open` in every version's machine). */
export type OpenStep =
  'referral' | 'assessment' | 'notEligible' | 'indicativeBudget' | 'supportPlanning' | 'signOff' | 'approved' | 'liveSupport' | 'review';

export function initialContext(): JourneyContext {
  return {
    personId: null,
    fundingStream: null,
    route: null,
    referredAt: null,
    assessment: null,
    reassessedSinceBudgetInForce: false,
    indicativeBudget: null,
    budgetInForce: null,
    plan: null,
    previousPlan: null,
    submitted: null,
    supportStartedAt: null,
    reviewRequest: null,
    reviewsCompleted: 0,
    preferences: {},
    advocates: {},
    decisions: {},
    openChallenges: {},
    resolvedChallenges: [],
    missedDeadlines: [],
    closure: null,
    lastRevision: -1,
    lastOccurredAt: null,
  };
}

const PERIODS_PER_YEAR: Record<BudgetPeriod, number> = { week: 52, 'four-weeks': 13, month: 12, year: 1 };

/** An amount per period as integer pence a year, so budgets over different periods compare. */
export function annualPence(amountPence: number, period: BudgetPeriod): number {
  return amountPence * PERIODS_PER_YEAR[period];
}

export function planTotalPence(supports: Support[]): number {
  return supports.reduce((total, support) => total + support.costPence, 0);
}

/** Decision events are remembered by revision so that a challenge can name them. */
function withDecision(context: JourneyContext, event: JourneyEvent): Record<string, DecisionRecord> {
  return {
    ...context.decisions,
    [String(event.meta.revision)]: { type: event.type, actorId: event.meta.actor.id, occurredAt: event.meta.occurredAt },
  };
}

function withoutKey<T>(record: Record<string, T>, key: string): Record<string, T> {
  const { [key]: _removed, ...rest } = record;
  return rest;
}

/** Fold one accepted fact into the context. Pure; never reads a clock. */
export function evolve(context: JourneyContext, event: JourneyEvent): JourneyContext {
  const { meta } = event;
  const next: JourneyContext = { ...context, lastRevision: meta.revision, lastOccurredAt: meta.occurredAt };
  switch (event.type) {
    case 'ReferralReceived':
      return {
        ...next,
        personId: event.data.personId,
        fundingStream: event.data.fundingStream,
        route: event.data.route,
        referredAt: meta.occurredAt,
      };
    case 'AssessmentStarted':
      return next;
    case 'AssessmentCompleted':
      return {
        ...next,
        assessment: {
          eligible: event.data.eligible,
          eligibleOutcomes: event.data.eligibleOutcomes,
          revision: meta.revision,
          completedAt: meta.occurredAt,
        },
        reassessedSinceBudgetInForce: context.budgetInForce !== null,
        decisions: withDecision(context, event),
      };
    case 'IndicativeBudgetSet':
      return {
        ...next,
        indicativeBudget: {
          amountPence: event.data.amountPence,
          period: event.data.period,
          revision: meta.revision,
          setAt: meta.occurredAt,
        },
        decisions: withDecision(context, event),
      };
    case 'SupportPlanDrafted':
      return {
        ...next,
        previousPlan: context.plan,
        plan: {
          version: (context.plan?.version ?? 0) + 1,
          outcomes: event.data.outcomes,
          supports: event.data.supports,
          period: event.data.period,
          deployment: event.data.deployment,
          fundingShares: event.data.fundingShares ?? [],
          choices: event.data.choices ?? {},
          overBudgetReason: event.data.overBudgetReason ?? null,
          totalPence: planTotalPence(event.data.supports),
          draftedBy: meta.actor.id,
          draftedAt: meta.occurredAt,
          revision: meta.revision,
        },
        submitted: null,
      };
    case 'SupportPlanSubmitted':
      return {
        ...next,
        submitted: {
          planVersion: event.data.planVersion,
          personAgreement: event.data.personAgreement,
          personViews: event.data.personViews ?? null,
          revision: meta.revision,
        },
      };
    case 'SupportPlanReturned':
      // The submission is kept (only a new draft replaces it): if a challenge to this return is
      // upheld, sign-off reopens with the returned plan still before it and can decide it again.
      return { ...next, decisions: withDecision(context, event) };
    case 'SupportPlanApproved':
      return {
        ...next,
        budgetInForce: {
          amountPence: event.data.finalBudgetPence,
          period: event.data.period,
          revision: meta.revision,
          setAt: meta.occurredAt,
          approvedBy: meta.actor.id,
          fundingShares: event.data.fundingShares ?? context.plan?.fundingShares ?? [],
        },
        reassessedSinceBudgetInForce: false,
        decisions: withDecision(context, event),
      };
    case 'SupportStarted':
      return { ...next, supportStartedAt: context.supportStartedAt ?? event.data.startDate };
    case 'ReviewRequested':
      return {
        ...next,
        reviewRequest: { requestedBy: event.data.requestedBy, why: event.data.why, revision: meta.revision },
      };
    case 'ReviewStarted':
      return next;
    case 'ReviewCompleted':
      return {
        ...next,
        reviewRequest: null,
        reviewsCompleted: context.reviewsCompleted + 1,
        decisions: withDecision(context, event),
        closure:
          event.data.outcome === 'end-support'
            ? { reason: 'support-ended-at-review', at: meta.occurredAt, revision: meta.revision }
            : context.closure,
      };
    case 'PreferenceRecorded':
      return {
        ...next,
        preferences: {
          ...context.preferences,
          [event.data.topic]: {
            value: event.data.value,
            inTheirWords: event.data.inTheirWords,
            recordedBy: meta.actor.id,
            recordedAt: meta.occurredAt,
            revision: meta.revision,
          },
        },
      };
    case 'AdvocateAppointed':
      return {
        ...next,
        advocates: {
          ...context.advocates,
          [event.data.advocateId]: { basis: event.data.basis, appointedAt: meta.occurredAt, revision: meta.revision },
        },
      };
    case 'AdvocateWithdrawn':
      return { ...next, advocates: withoutKey(context.advocates, event.data.advocateId) };
    case 'DecisionChallenged':
      return {
        ...next,
        openChallenges: {
          ...context.openChallenges,
          [String(meta.revision)]: {
            decisionRevision: event.data.decisionRevision,
            raisedBy: event.data.raisedBy,
            raisedAt: meta.occurredAt,
          },
        },
      };
    case 'ChallengeResolved': {
      const key = String(event.data.challengeRevision);
      const challenge = context.openChallenges[key];
      return {
        ...next,
        openChallenges: withoutKey(context.openChallenges, key),
        resolvedChallenges: [
          ...context.resolvedChallenges,
          {
            ...challenge,
            challengeRevision: event.data.challengeRevision,
            outcome: event.data.outcome,
            resolvedAt: meta.occurredAt,
          },
        ],
      };
    }
    case 'DeadlineMissed':
      return {
        ...next,
        missedDeadlines: [...context.missedDeadlines, { clock: event.data.clock, dueAt: event.data.dueAt, revision: meta.revision }],
      };
    case 'JourneyClosed':
      return { ...next, closure: { reason: event.data.reason, at: meta.occurredAt, revision: meta.revision } };
    // Version 2's own facts: their effects are folded by v2's evolveV2 (context-v2.ts); a v1
    // machine never accepts them.
    case 'AccessRequested':
    case 'AccessRequestAnswered':
      return next;
    default: {
      const unexpected: never = event;
      throw new Error(`unknown event ${JSON.stringify(unexpected)}`);
    }
  }
}
