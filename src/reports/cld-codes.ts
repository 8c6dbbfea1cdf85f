/**
 * The code lists of the Adult Social Care Client Level Data (CLD) return, Release 2, and the
 * tables that turn the engine's own vocabulary into them. docs/cld.md says where each list was
 * checked; a list marked `verified: false` is not used to judge a value invalid, only to say so.
 *
 * Values are the exact strings a submission carries (case matters: the public validation joins
 * them case-sensitively).
 */
import type { BudgetPeriod, ClosureReason, Deployment, ReviewOutcome } from '../../workflows';

export const EVENT_TYPES = ['Request', 'Assessment', 'Service', 'Review'] as const;
export type CldEventType = (typeof EVENT_TYPES)[number];

/** Release 2 event outcomes (DHSC ASC-CLD-LA-Dashboard, methodology "data cleaning" and the outcome hierarchy). */
export const EVENT_OUTCOMES = [
  'Progress to reablement/ST-Max',
  'Progress to assessment, review or reassessment',
  'Progress to support planning or services',
  'Continuation of support or services',
  'Admitted to hospital',
  'NFA: Responsibility moved to another local authority',
  'NFA: Referral to NHS services or NHS funded social care',
  'NFA: Self-funded client or under 12wk disregard',
  'NFA: Information and advice or signposting',
  'NFA: Referral to other service within the local authority',
  'NFA: Support declined',
  'NFA: Deceased',
  'NFA: Support ended as planned',
  'NFA: Support ended for other reason',
  'NFA: No services offered for other reason',
  'NFA: Other',
] as const;
export type EventOutcome = (typeof EVENT_OUTCOMES)[number];

/** Release 2 service types (DHSC methodology, Service_Type_Cleaned). */
export const SERVICE_TYPES = [
  'Long term support: Community',
  'Long term support: Nursing care',
  'Long term support: Prison',
  'Long term support: Residential care',
  'Short term support: Ongoing low level',
  'Short term support: Other short term',
  'Short term support: ST-Max',
  'Unpaid carer support: Direct to unpaid carer',
  'Unpaid carer support: Support involving the person cared-for',
] as const;
export type ServiceType = (typeof SERVICE_TYPES)[number];

/** Release 2 service components (the values the DHSC SQL tests, and the published CLD-derived vocabulary). */
export const SERVICE_COMPONENTS = [
  'Reablement',
  'Short term nursing care',
  'Short term residential care',
  'Long term nursing care',
  'Long term residential care',
  'Home support or domiciliary care',
  'Day support',
  'Meals',
  'Transport',
  'Equipment',
  'Direct payment',
  'Shared Lives',
  'Community supported living',
  'Extra care housing',
  'Professional support: Social worker',
  'Professional support: Other',
  'Learning, education or employment support',
  'End of life care',
  'Emergency support',
  'Other short term support',
  'Other long term support',
  'Unpaid carer respite',
  'Unpaid carer sitting service',
  'Unpaid carer universal services',
  'Other unpaid carer support',
] as const;
export type ServiceComponent = (typeof SERVICE_COMPONENTS)[number];

/** Release 2 delivery mechanisms (DHSC ASCOF 3D, 2024-25 onwards). */
export const DELIVERY_MECHANISMS = ['Direct payment', 'CASSR managed personal budget', 'CASSR commissioned support'] as const;
export type DeliveryMechanism = (typeof DELIVERY_MECHANISMS)[number];

/** Cost frequency (unit type): the CLD-derived vocabulary, as the DHSC costs table reads them. */
export const COST_FREQUENCIES = [
  'Per session',
  'Hourly',
  'Daily',
  'Weekly',
  'Fortnightly',
  '4-weekly',
  'Monthly',
  'Quarterly',
  'Annually',
  'One-off',
] as const;
export type CostFrequency = (typeof COST_FREQUENCIES)[number];

/** Assessment types the DHSC pipeline counts (waiting times: short and long term assessments). */
export const ASSESSMENT_TYPES = ['Short term assessment', 'Long term assessment', 'Financial assessment'] as const;
export type AssessmentType = (typeof ASSESSMENT_TYPES)[number];

/**
 * Routes of access as the Release 1 guidance lists them. Release 2 rewords lists into sentence
 * case; its mapping file was not available to check, so these are not used to call a value invalid.
 */
export const ROUTES_OF_ACCESS_RELEASE_1 = [
  'Planned Entry (Transition)',
  'Discharge from Hospital',
  'Diversion from Hospital Services',
  'Community / Other route',
  'Prison',
  'Self-Funder',
  'Discharge from Reablement',
  'Transfer from Other LA',
] as const;

export const ELIGIBLE_NEEDS = ['Yes', 'No'] as const;

/** Review reasons: the DHSC pipeline groups by the prefixes `Planned` and `Unplanned`. */
export const REVIEW_REASONS = ['Planned', 'Unplanned'] as const;

export const CLIENT_TYPE_SERVICE_USER = 'Service user';

/** A coded column's allowed values, and whether they were checked against Release 2. */
export interface CodeList {
  values: readonly string[];
  verified: boolean;
}

export const CODE_LISTS: Record<string, CodeList> = {
  'Event Type': { values: EVENT_TYPES, verified: true },
  'Event Outcome': { values: EVENT_OUTCOMES, verified: true },
  'Service Type': { values: SERVICE_TYPES, verified: true },
  'Service Component': { values: SERVICE_COMPONENTS, verified: true },
  'Delivery Mechanism': { values: DELIVERY_MECHANISMS, verified: true },
  'Cost Frequency (Unit Type)': { values: COST_FREQUENCIES, verified: true },
  'Assessment Type': { values: ASSESSMENT_TYPES, verified: false },
  'Eligible Needs Identified': { values: ELIGIBLE_NEEDS, verified: true },
  'Request: Route of Access': { values: ROUTES_OF_ACCESS_RELEASE_1, verified: false },
  'Review Reason': { values: REVIEW_REASONS, verified: false },
  'Client Type': { values: [CLIENT_TYPE_SERVICE_USER], verified: true },
};

// ---- mappings from the engine's words, used when a fact does not carry the CLD value itself ----

/**
 * A plan's support category to the CLD service component. Categories are the plan's own words
 * (v1 leaves them free; v2 closes the list): a category missing here gives an empty component,
 * which the quality check reports, rather than a guess.
 */
export const COMPONENT_BY_CATEGORY: Readonly<Record<string, ServiceComponent>> = {
  'personal-care': 'Home support or domiciliary care',
  'home-care': 'Home support or domiciliary care',
  'domiciliary-care': 'Home support or domiciliary care',
  'day-support': 'Day support',
  'day-care': 'Day support',
  meals: 'Meals',
  transport: 'Transport',
  equipment: 'Equipment',
  'shared-lives': 'Shared Lives',
  'supported-living': 'Community supported living',
  'extra-care-housing': 'Extra care housing',
  'residential-care': 'Long term residential care',
  'care-home': 'Long term residential care',
  'nursing-care': 'Long term nursing care',
  'nursing-home-care': 'Long term nursing care',
  'employment-support': 'Learning, education or employment support',
  'education-support': 'Learning, education or employment support',
  'end-of-life-care': 'End of life care',
  reablement: 'Reablement',
};

/** The setting of care (v2 plans) to the CLD service type; no setting means care in the community. */
export const SERVICE_TYPE_BY_SETTING: Readonly<Record<string, ServiceType>> = {
  home: 'Long term support: Community',
  hospice: 'Long term support: Community',
  hospital: 'Long term support: Community',
  'care-home': 'Long term support: Residential care',
  'nursing-home': 'Long term support: Nursing care',
};

/** A component that is itself a setting decides the type when the plan names none. */
export const SERVICE_TYPE_BY_COMPONENT: Partial<Readonly<Record<ServiceComponent, ServiceType>>> = {
  'Long term residential care': 'Long term support: Residential care',
  'Long term nursing care': 'Long term support: Nursing care',
  Reablement: 'Short term support: ST-Max',
  'Short term residential care': 'Short term support: Other short term',
  'Short term nursing care': 'Short term support: Other short term',
};

/**
 * How the budget is held to the CLD delivery mechanism. Every journey here has a personal budget,
 * so "CASSR commissioned support" (support with no personal budget) never arises; an individual
 * service fund or a budget the council holds is a managed personal budget. `mixed` names no single
 * mechanism: each support's own `heldAs` decides, and without it the column stays empty.
 */
export const DELIVERY_BY_DEPLOYMENT: Readonly<Record<Deployment, DeliveryMechanism | null>> = {
  'direct-payment': 'Direct payment',
  'third-party': 'CASSR managed personal budget',
  notional: 'CASSR managed personal budget',
  mixed: null,
};

/** A plan period to the cost frequency of a support costed per period. */
export const FREQUENCY_BY_PERIOD: Readonly<Record<BudgetPeriod, CostFrequency>> = {
  week: 'Weekly',
  'four-weeks': '4-weekly',
  month: 'Monthly',
  year: 'Annually',
};

export const OUTCOME_BY_REVIEW: Readonly<Record<ReviewOutcome, EventOutcome>> = {
  continue: 'Continuation of support or services',
  'revise-plan': 'Progress to support planning or services',
  reassess: 'Progress to assessment, review or reassessment',
  'end-support': 'NFA: Support ended for other reason',
};

export const OUTCOME_BY_CLOSURE: Readonly<Record<ClosureReason, EventOutcome>> = {
  died: 'NFA: Deceased',
  'moved-away': 'NFA: Responsibility moved to another local authority',
  'no-longer-eligible': 'NFA: No services offered for other reason',
  declined: 'NFA: Support declined',
  withdrew: 'NFA: Support declined',
};
