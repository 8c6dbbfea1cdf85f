/**
 * A serialisable view of a journey snapshot for the API and the read models: the state path,
 * a status a caseload can filter on, and the context that later decisions rest on.
 */
import type { JourneyContext } from './support-planning/context';
import { statePath, type JourneySnapshot, type WorkflowDefinition } from './runtime';

export type JourneyStatus = 'awaiting-referral' | 'open' | 'not-eligible' | 'closed';

export interface JourneySummary {
  workflow: { id: string; version: number };
  state: string;
  /** The journey step (the leaf state), e.g. `supportPlanning`. */
  step: string;
  status: JourneyStatus;
  revision: number;
  lastOccurredAt: string | null;
  fundingStream: JourneyContext['fundingStream'];
  route: JourneyContext['route'];
  referredAt: string | null;
  eligible: boolean | null;
  indicativeBudget: JourneyContext['indicativeBudget'];
  budgetInForce: JourneyContext['budgetInForce'];
  plan: JourneyContext['plan'];
  previousPlanVersion: number | null;
  submitted: JourneyContext['submitted'];
  supportStartedAt: string | null;
  reviewRequest: JourneyContext['reviewRequest'];
  preferences: JourneyContext['preferences'];
  advocates: string[];
  openChallenges: Array<{ challengeRevision: number; decisionRevision: number; raisedBy: string; raisedAt: string }>;
  resolvedChallenges: JourneyContext['resolvedChallenges'];
  missedDeadlines: JourneyContext['missedDeadlines'];
  closure: JourneyContext['closure'];
  /** v2: the stream the referral named (`fundingStream` is then the funding in force). */
  referralFundingStream?: JourneyContext['referralFundingStream'];
  /** v2: the step a closure closed from, which an upheld challenge to it reopens. */
  closedFrom?: JourneyContext['closedFrom'];
  /** v2: subject access requests not yet answered, by the revision of the request. */
  accessRequests?: JourneyContext['accessRequests'];
}

/** What only version 2 remembers; absent for v1 journeys, so their summaries stay as they were. */
function versionTwoFacts(context: JourneyContext): Partial<JourneySummary> {
  if (context.referralFundingStream === undefined) return {};
  return {
    referralFundingStream: context.referralFundingStream,
    closedFrom: context.closedFrom ?? null,
    accessRequests: context.accessRequests ?? {},
  };
}

function statusOf(step: string): JourneyStatus {
  if (step === 'awaitingReferral') return 'awaiting-referral';
  if (step === 'closed') return 'closed';
  if (step === 'notEligible') return 'not-eligible';
  return 'open';
}

export function summarise(definition: WorkflowDefinition, snapshot: JourneySnapshot): JourneySummary {
  const { context } = snapshot;
  const state = statePath(snapshot.value);
  const step = state.split('.').pop() ?? state;
  return {
    workflow: { id: definition.id, version: definition.version },
    state,
    step,
    status: statusOf(step),
    revision: context.lastRevision,
    lastOccurredAt: context.lastOccurredAt,
    fundingStream: context.fundingStream,
    route: context.route,
    referredAt: context.referredAt,
    eligible: context.assessment?.eligible ?? null,
    indicativeBudget: context.indicativeBudget,
    budgetInForce: context.budgetInForce,
    plan: context.plan,
    previousPlanVersion: context.previousPlan?.version ?? null,
    submitted: context.submitted,
    supportStartedAt: context.supportStartedAt,
    reviewRequest: context.reviewRequest,
    preferences: context.preferences,
    advocates: Object.keys(context.advocates),
    openChallenges: Object.entries(context.openChallenges).map(([revision, open]) => ({
      challengeRevision: Number(revision),
      ...open,
    })),
    resolvedChallenges: context.resolvedChallenges,
    missedDeadlines: context.missedDeadlines,
    closure: context.closure,
    ...versionTwoFacts(context),
  };
}
