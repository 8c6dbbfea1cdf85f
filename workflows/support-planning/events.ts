/**
 * The facts of the support-planning journey (DOMAIN.md, "Vocabulary of events").
 *
 * Events are plain typed data: `{ type, data, meta }`. The machine consumes the stored fact itself,
 * so what the engine replays is exactly what was recorded. Money is integer pence, times are
 * ISO-8601 UTC strings, ids are UUIDs.
 */

export const ROLES = ['case-worker', 'approver', 'senior-approver', 'advocate', 'person', 'auditor', 'system'] as const;
export type Role = (typeof ROLES)[number];

export const FUNDING_STREAMS = ['social-care', 'nhs-chc', 'integrated'] as const;
export type FundingStream = (typeof FUNDING_STREAMS)[number];

export const ROUTES = ['standard', 'fast-track'] as const;
export type Route = (typeof ROUTES)[number];

export const DEPLOYMENTS = ['direct-payment', 'third-party', 'notional', 'mixed'] as const;
export type Deployment = (typeof DEPLOYMENTS)[number];

export const FUNDERS = ['council', 'nhs'] as const;
export type Funder = (typeof FUNDERS)[number];

export const BUDGET_PERIODS = ['week', 'four-weeks', 'month', 'year'] as const;
export type BudgetPeriod = (typeof BUDGET_PERIODS)[number];

/** The ten outcomes of the Care and Support (Eligibility Criteria) Regulations 2015, reg. 2. */
export const ELIGIBILITY_OUTCOMES = [
  'nutrition',
  'personal-hygiene',
  'toilet-needs',
  'being-clothed',
  'using-home-safely',
  'habitable-home',
  'relationships',
  'work-training-education-volunteering',
  'community-facilities-and-transport',
  'caring-for-a-child',
] as const;
export type EligibilityOutcome = (typeof ELIGIBILITY_OUTCOMES)[number];

export const REVIEW_OUTCOMES = ['continue', 'revise-plan', 'reassess', 'end-support'] as const;
export type ReviewOutcome = (typeof REVIEW_OUTCOMES)[number];

export const CHALLENGE_OUTCOMES = ['upheld', 'partly-upheld', 'not-upheld'] as const;
export type ChallengeOutcome = (typeof CHALLENGE_OUTCOMES)[number];

export const CLOSURE_REASONS = ['died', 'moved-away', 'no-longer-eligible', 'declined', 'withdrew'] as const;
export type ClosureReason = (typeof CLOSURE_REASONS)[number];

export const PERSON_AGREEMENT = ['agrees', 'disagrees'] as const;

/** Bases on which someone is appointed to act with or for the person (v1 knew the first three). */
export const APPOINTMENT_BASES_V1 = ['care-act-s67', 'chosen-by-person', 'other'] as const;
export const APPOINTMENT_BASES_V2 = [
  'care-act-s67',
  'chosen-by-person',
  'family-or-friend',
  'lasting-power-of-attorney',
  'court-deputy',
] as const;
export type AppointmentBasis = (typeof APPOINTMENT_BASES_V1)[number] | (typeof APPOINTMENT_BASES_V2)[number];

/** Where care is given (v2): compared with the person's `place-of-care` and `place-of-death` wishes. */
export type Setting = 'home' | 'care-home' | 'nursing-home' | 'hospice' | 'hospital';
export type PersonAgreement = (typeof PERSON_AGREEMENT)[number];

/**
 * Who acts, and who recorded a fact: proved by a verified token (or, for `system`, the engine's own
 * scheduler), never taken from a request body. The one Actor type: the service's (src/auth/actor.ts)
 * and the stored metadata's are this one.
 */
export interface Actor {
  /** The token's subject. */
  id: string;
  role: Role;
  /** The organisation the actor works for, when the token says. No rule of a machine reads it. */
  organisation?: string;
  /** Set when someone acts for the person (an advocate, a representative), when the token says. */
  onBehalfOf?: string;
}

export interface EventMeta {
  actor: Actor;
  /** When it happened in the world (ISO-8601 UTC). The machine's only source of time. */
  occurredAt: string;
  /** The revision this event has (or will have) in its stream; challenges name decisions by it. */
  revision: number;
  /** The free-text reason given with the record, if any. */
  reason?: string;
  /**
   * When the engine stored it (ISO-8601 UTC), where known: the "now" a fact's dates are checked
   * against (not in the future beyond the clock skew; backdating limits). Never read by a machine.
   */
  recordedAt?: string;
}

/**
 * A decision's choice on a topic the person may have a preference about, e.g.
 * `{ 'place-of-care': 'nursing-home' }`. Compared with recorded preferences on the same topic.
 */
export type Choices = Record<string, string>;

/** The explanation a decision must carry when it goes against a recorded preference. */
export interface PreferenceOverride {
  topic: string;
  reason: string;
}

export interface Support {
  description: string;
  /** Free category; the policy lists the ones an NHS direct payment may not buy. */
  category: string;
  /** Cost per plan period, integer pence. */
  costPence: number;
  provider?: string;
  /** How this support's money is held; defaults to the plan's deployment. */
  heldAs?: Deployment;
  /** Who pays for it; defaults to the funding stream's funder. */
  fundedBy?: Funder;
  /** v2, optional: detail for the Client Level Data return. */
  serviceType?: string;
  serviceComponent?: string;
  unitCostPence?: number;
  unitType?: string;
  plannedUnitsPerWeek?: number;
}

export interface FundingShare {
  funder: Funder;
  /** This funder's share per period, integer pence. */
  amountPence: number;
}

export interface ReferralReceivedData {
  personId: string;
  fundingStream: FundingStream;
  route: Route;
  source: string;
  summary: string;
  /** v2, optional: how the request came in, for the Client Level Data return. */
  routeOfAccess?: string;
}
export interface AssessmentStartedData {
  assessor: string;
}
export interface AssessmentCompletedData {
  eligible: boolean;
  eligibleOutcomes: EligibilityOutcome[];
  summary: string;
  /** The person's own views, in their words. */
  personViews: string;
  reasons: string;
  choices?: Choices;
  overridesPreference?: PreferenceOverride[];
  /** v2: the written advice on meeting or reducing needs owed when none are eligible (Care Act s.13(5)). */
  adviceGiven?: string;
  /** v2, optional: the kind of assessment, for the Client Level Data return. */
  assessmentType?: string;
  /** v2, optional: how the assessment was done (CLD "method of assessment"). */
  method?: string;
}
export interface IndicativeBudgetSetData {
  amountPence: number;
  period: BudgetPeriod;
  /** The allocation tool and its version, so the figure can be reproduced and contested. */
  method: { tool: string; version: string };
  inputs: Record<string, string | number | boolean>;
}
export interface SupportPlanDraftedData {
  outcomes: string[];
  supports: Support[];
  period: BudgetPeriod;
  deployment: Deployment;
  fundingShares?: FundingShare[];
  choices?: Choices;
  /** Required when the plan costs more than the indicative budget. */
  overBudgetReason?: string;
  /** v2: where the care is given. */
  setting?: Setting;
}
export interface SupportPlanSubmittedData {
  planVersion: number;
  personAgreement: PersonAgreement;
  personViews?: string;
  /** v2: a plan that differs from the person's wishes says so, with a reason, when submitted. */
  overridesPreference?: PreferenceOverride[];
}
export interface SupportPlanReturnedData {
  planVersion: number;
  reasons: string;
  changesRequested: string[];
}
export interface SupportPlanApprovedData {
  planVersion: number;
  finalBudgetPence: number;
  period: BudgetPeriod;
  fundingShares?: FundingShare[];
  reasons: string;
  /** Required when the final budget differs from the indicative one. */
  budgetDifferenceReason?: string;
  choices?: Choices;
  overridesPreference?: PreferenceOverride[];
}
export interface SupportStartedData {
  startDate: string;
}
export interface ReviewRequestedData {
  requestedBy: string;
  why: string;
}
export interface ReviewStartedData {
  reviewer: string;
}
export interface ReviewCompletedData {
  outcome: ReviewOutcome;
  reasons: string;
  choices?: Choices;
  overridesPreference?: PreferenceOverride[];
  /** v2, optional: how the review was done, and the outcomes achieved (CLD review columns). */
  method?: string;
  outcomesAchieved?: string;
}
export interface PreferenceRecordedData {
  topic: string;
  /** A short comparable value, e.g. `home`, that decisions' choices are checked against. */
  value: string;
  /** The preference in the person's own words. */
  inTheirWords: string;
}
export interface AdvocateAppointedData {
  advocateId: string;
  basis: AppointmentBasis;
  notes?: string;
}
export interface AdvocateWithdrawnData {
  advocateId: string;
  basis: string;
}
export interface DecisionChallengedData {
  /** The revision of the decision event contested. */
  decisionRevision: number;
  grounds: string;
  raisedBy: string;
}
export interface ChallengeResolvedData {
  /** The revision of the DecisionChallenged event this resolves. */
  challengeRevision: number;
  outcome: ChallengeOutcome;
  reasons: string;
  remedy?: string;
}
export interface DeadlineMissedData {
  clock: string;
  dueAt: string;
}
export interface JourneyClosedData {
  reason: ClosureReason;
  details?: string;
}
/** v2: the person or their representative asks for their record (UK GDPR Art. 15). */
export interface AccessRequestedData {
  requestedBy: string;
  what?: string;
}
/** v2: the request answered, and what was given. */
export interface AccessRequestAnsweredData {
  /** The revision of the AccessRequested event answered. */
  requestRevision: number;
  given: string;
}

/** Event type → its data. The single list of the vocabulary. */
export interface EventDataMap {
  ReferralReceived: ReferralReceivedData;
  AssessmentStarted: AssessmentStartedData;
  AssessmentCompleted: AssessmentCompletedData;
  IndicativeBudgetSet: IndicativeBudgetSetData;
  SupportPlanDrafted: SupportPlanDraftedData;
  SupportPlanSubmitted: SupportPlanSubmittedData;
  SupportPlanReturned: SupportPlanReturnedData;
  SupportPlanApproved: SupportPlanApprovedData;
  SupportStarted: SupportStartedData;
  ReviewRequested: ReviewRequestedData;
  ReviewStarted: ReviewStartedData;
  ReviewCompleted: ReviewCompletedData;
  PreferenceRecorded: PreferenceRecordedData;
  AdvocateAppointed: AdvocateAppointedData;
  AdvocateWithdrawn: AdvocateWithdrawnData;
  DecisionChallenged: DecisionChallengedData;
  ChallengeResolved: ChallengeResolvedData;
  DeadlineMissed: DeadlineMissedData;
  JourneyClosed: JourneyClosedData;
  AccessRequested: AccessRequestedData;
  AccessRequestAnswered: AccessRequestAnsweredData;
}

export type EventType = keyof EventDataMap;

/** Events that only version 2 knows; v1's vocabulary is the rest. */
export const V2_ONLY_EVENT_TYPES = ['AccessRequested', 'AccessRequestAnswered'] as const;
export type EventTypeV1 = Exclude<EventType, (typeof V2_ONLY_EVENT_TYPES)[number]>;

export const EVENT_TYPES: readonly EventType[] = [
  'ReferralReceived',
  'AssessmentStarted',
  'AssessmentCompleted',
  'IndicativeBudgetSet',
  'SupportPlanDrafted',
  'SupportPlanSubmitted',
  'SupportPlanReturned',
  'SupportPlanApproved',
  'SupportStarted',
  'ReviewRequested',
  'ReviewStarted',
  'ReviewCompleted',
  'PreferenceRecorded',
  'AdvocateAppointed',
  'AdvocateWithdrawn',
  'DecisionChallenged',
  'ChallengeResolved',
  'DeadlineMissed',
  'JourneyClosed',
  'AccessRequested',
  'AccessRequestAnswered',
];

/** One fact as the machine sees it: a discriminated union on `type`. */
export type JourneyEvent = {
  [K in EventType]: { type: K; data: EventDataMap[K]; meta: EventMeta };
}[EventType];

export type EventOf<K extends EventType> = Extract<JourneyEvent, { type: K }>;

export function isEventType(value: string): value is EventType {
  return (EVENT_TYPES as readonly string[]).includes(value);
}
