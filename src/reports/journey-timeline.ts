/**
 * A journey's facts folded into the episodes a statutory return counts: the request, each
 * assessment, each approved plan while it was the support in force, each review, the closure.
 *
 * Pure: the facts come in (already cut to what was recorded by the report's date), the timeline
 * goes out. Each episode keeps the revision of the fact it rests on, so every row of a return can
 * be traced to the record. Dates are the day the fact says it happened (`occurredAt`, or the
 * support's own `startDate`), never when it was typed in.
 */
import type {
  ClosureReason,
  Deployment,
  FundingShare,
  FundingStream,
  JourneyEvent,
  ReviewOutcome,
  Support,
  SupportPlanDraftedData,
} from '../../workflows';

/** The optional facts that workflow v2 adds to fill CLD columns; read when present. */
export interface SupportV2Fields {
  serviceType?: string;
  serviceComponent?: string;
  unitCostPence?: number;
  unitType?: string;
  plannedUnitsPerWeek?: number;
}
export type ReportedSupport = Support & SupportV2Fields;
export type ReportedPlan = SupportPlanDraftedData & { setting?: string; supports: ReportedSupport[] };

export interface RequestEpisode {
  revision: number;
  receivedOn: string;
  routeOfAccess: string | null;
  /** The day the request was answered (assessment began, or the journey closed), null while open. */
  endedOn: string | null;
  endedBy: { kind: 'assessment' } | { kind: 'closure'; reason: ClosureReason } | null;
}

export interface AssessmentEpisode {
  revision: number;
  startedOn: string;
  completedOn: string;
  eligible: boolean;
  assessmentType: string | null;
  method: string | null;
}

export interface ServiceEpisode {
  /** The approval that put this plan in force. */
  revision: number;
  plan: ReportedPlan;
  from: string;
  /** The day it was replaced or support ended; null while in force. */
  to: string | null;
  fundingShares: FundingShare[];
}

export interface ReviewEpisode {
  revision: number;
  startedOn: string;
  completedOn: string;
  outcome: ReviewOutcome;
  /** Someone asked for it (Care Act s.27(1)(b)) rather than the review falling due. */
  requested: boolean;
  outcomesAchieved: string | null;
  method: string | null;
}

export interface JourneyTimeline {
  journeyId: string;
  personId: string | null;
  fundingStream: FundingStream | null;
  request: RequestEpisode | null;
  assessments: AssessmentEpisode[];
  services: ServiceEpisode[];
  reviews: ReviewEpisode[];
  closure: { reason: ClosureReason | 'support-ended-at-review'; on: string } | null;
  dateOfDeath: string | null;
}

/** The calendar day (UTC) of an ISO time or date. */
export function dayOf(iso: string): string {
  return iso.slice(0, 10);
}

function optionalString(data: object, key: string): string | null {
  const value = (data as Record<string, unknown>)[key];
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

interface Approval {
  revision: number;
  approvedOn: string;
  plan: ReportedPlan;
  fundingShares: FundingShare[];
}

/** Mutable state of the fold; only `timelineOf` sees it. */
interface Fold {
  timeline: JourneyTimeline;
  plans: ReportedPlan[];
  approvals: Approval[];
  supportStartedOn: string | null;
  assessmentStartedOn: string | null;
  reviewStartedOn: string | null;
  reviewRequested: boolean;
}

function onReferral(fold: Fold, event: Extract<JourneyEvent, { type: 'ReferralReceived' }>): void {
  const on = dayOf(event.meta.occurredAt);
  fold.timeline.personId = event.data.personId;
  fold.timeline.fundingStream = event.data.fundingStream;
  fold.timeline.request = {
    revision: event.meta.revision,
    receivedOn: on,
    routeOfAccess: optionalString(event.data, 'routeOfAccess'),
    endedOn: null,
    endedBy: null,
  };
}

/** The request is answered by the first step taken on it. */
function answerRequest(fold: Fold, on: string, endedBy: NonNullable<RequestEpisode['endedBy']>): void {
  const request = fold.timeline.request;
  if (request && request.endedOn === null) {
    request.endedOn = on;
    request.endedBy = endedBy;
  }
}

function onAssessmentCompleted(fold: Fold, event: Extract<JourneyEvent, { type: 'AssessmentCompleted' }>): void {
  const on = dayOf(event.meta.occurredAt);
  answerRequest(fold, on, { kind: 'assessment' });
  fold.timeline.assessments.push({
    revision: event.meta.revision,
    startedOn: fold.assessmentStartedOn ?? on,
    completedOn: on,
    eligible: event.data.eligible,
    assessmentType: optionalString(event.data, 'assessmentType'),
    method: optionalString(event.data, 'method'),
  });
  fold.assessmentStartedOn = null;
}

function onReviewCompleted(fold: Fold, event: Extract<JourneyEvent, { type: 'ReviewCompleted' }>): void {
  const on = dayOf(event.meta.occurredAt);
  fold.timeline.reviews.push({
    revision: event.meta.revision,
    startedOn: fold.reviewStartedOn ?? on,
    completedOn: on,
    outcome: event.data.outcome,
    requested: fold.reviewRequested,
    outcomesAchieved: optionalString(event.data, 'outcomesAchieved'),
    method: optionalString(event.data, 'method'),
  });
  fold.reviewStartedOn = null;
  fold.reviewRequested = false;
  if (event.data.outcome === 'end-support') fold.timeline.closure = { reason: 'support-ended-at-review', on };
}

function onClosed(fold: Fold, event: Extract<JourneyEvent, { type: 'JourneyClosed' }>): void {
  const on = dayOf(event.meta.occurredAt);
  answerRequest(fold, on, { kind: 'closure', reason: event.data.reason });
  fold.timeline.closure = { reason: event.data.reason, on };
  // The closure's occurredAt is when the person died, in the world: the one personal date the record holds.
  if (event.data.reason === 'died') fold.timeline.dateOfDeath = on;
}

function step(fold: Fold, event: JourneyEvent): void {
  const on = dayOf(event.meta.occurredAt);
  switch (event.type) {
    case 'ReferralReceived':
      return onReferral(fold, event);
    case 'AssessmentStarted':
      answerRequest(fold, on, { kind: 'assessment' });
      fold.assessmentStartedOn = on;
      return;
    case 'AssessmentCompleted':
      return onAssessmentCompleted(fold, event);
    case 'SupportPlanDrafted':
      fold.plans.push(event.data as ReportedPlan);
      return;
    case 'SupportPlanApproved': {
      const plan = fold.plans[event.data.planVersion - 1];
      if (plan)
        fold.approvals.push({
          revision: event.meta.revision,
          approvedOn: on,
          plan,
          fundingShares: event.data.fundingShares ?? plan.fundingShares ?? [],
        });
      return;
    }
    case 'SupportStarted':
      fold.supportStartedOn ??= dayOf(event.data.startDate);
      return;
    case 'ReviewRequested':
      fold.reviewRequested = true;
      return;
    case 'ReviewStarted':
      fold.reviewStartedOn = on;
      return;
    case 'ReviewCompleted':
      return onReviewCompleted(fold, event);
    case 'JourneyClosed':
      return onClosed(fold, event);
    default:
      // The other facts (budgets, submissions, preferences, advocacy, challenges, clocks) add no CLD episode.
      return;
  }
}

/**
 * Each approved plan is in force from the support's start (or, approved later, from its approval:
 * a revision approved during live support takes effect then) until the next one or the end of
 * support. A plan replaced before support started was never delivered and gives no episode.
 */
function serviceEpisodes(fold: Fold): ServiceEpisode[] {
  const started = fold.supportStartedOn;
  if (started === null) return [];
  const effective = fold.approvals.map((approval) => ({
    ...approval,
    from: approval.approvedOn < started ? started : approval.approvedOn,
  }));
  const delivered = effective.filter((approval, index) => effective.slice(index + 1).every((later) => later.from > approval.from));
  const endOfSupport = fold.timeline.closure?.on ?? null;
  return delivered.map((approval, index) => ({
    revision: approval.revision,
    plan: approval.plan,
    from: approval.from,
    to: delivered[index + 1]?.from ?? endOfSupport,
    fundingShares: approval.fundingShares,
  }));
}

/** The timeline of one journey from its facts, in revision order. */
export function timelineOf(journeyId: string, events: readonly JourneyEvent[]): JourneyTimeline {
  const fold: Fold = {
    timeline: {
      journeyId,
      personId: null,
      fundingStream: null,
      request: null,
      assessments: [],
      services: [],
      reviews: [],
      closure: null,
      dateOfDeath: null,
    },
    plans: [],
    approvals: [],
    supportStartedOn: null,
    assessmentStartedOn: null,
    reviewStartedOn: null,
    reviewRequested: false,
  };
  events.forEach((event) => step(fold, event));
  return { ...fold.timeline, services: serviceEpisodes(fold) };
}

/** How a support's money is held: its own `heldAs`, else the plan's deployment. */
export function heldAs(plan: ReportedPlan, support: ReportedSupport): Deployment {
  return support.heldAs ?? plan.deployment;
}
