/**
 * A journey's CLD rows for one reporting period: one row per request, assessment and review that
 * ended in the period, and one per support of each plan that was in force at some time in it
 * (the inclusion rules of the DHSC pipeline, "filtering to events in period"). Pure.
 */
import {
  ASSESSMENT_TYPES,
  CLIENT_TYPE_SERVICE_USER,
  COMPONENT_BY_CATEGORY,
  DELIVERY_BY_DEPLOYMENT,
  FREQUENCY_BY_PERIOD,
  OUTCOME_BY_CLOSURE,
  OUTCOME_BY_REVIEW,
  SERVICE_TYPE_BY_COMPONENT,
  SERVICE_TYPE_BY_SETTING,
  type ServiceComponent,
} from './cld-codes';
import { emptyRow, type CldRow } from './cld-columns';
import {
  heldAs,
  type AssessmentEpisode,
  type JourneyTimeline,
  type ReportedPlan,
  type ReportedSupport,
  type ReviewEpisode,
  type ServiceEpisode,
} from './journey-timeline';

export interface ReportingPeriod {
  /** First day, YYYY-MM-DD. */
  from: string;
  /** Last day, YYYY-MM-DD, inclusive. */
  to: string;
}

export interface CldContext {
  period: ReportingPeriod;
  laCode: string;
}

const within = (day: string, period: ReportingPeriod) => day >= period.from && day <= period.to;

/** The columns every row of a journey shares: the submission and what the record knows of the person. */
function baseRow(timeline: JourneyTimeline, context: CldContext): CldRow {
  return {
    ...emptyRow(),
    'LA Code': context.laCode,
    'Reporting Period Start Date': context.period.from,
    'Reporting Period End Date': context.period.to,
    'LA Person Unique Identifier': timeline.personId ?? '',
    'Date of Death': timeline.dateOfDeath ?? '',
    'Client Type': CLIENT_TYPE_SERVICE_USER,
  };
}

/** `<journey>/r<revision>`: the fact a row rests on, so a row can be explained from the record. */
function reference(timeline: JourneyTimeline, revision: number, suffix = ''): string {
  return `${timeline.journeyId}/r${revision}${suffix}`;
}

function requestRow(timeline: JourneyTimeline, context: CldContext): CldRow[] {
  const request = timeline.request;
  if (!request || request.endedOn === null || request.endedBy === null || !within(request.endedOn, context.period)) return [];
  return [
    {
      ...baseRow(timeline, context),
      'Event Type': 'Request',
      'Event Reference': reference(timeline, request.revision),
      'Event Start Date': request.receivedOn,
      'Event End Date': request.endedOn,
      'Event Outcome':
        request.endedBy.kind === 'assessment'
          ? 'Progress to assessment, review or reassessment'
          : OUTCOME_BY_CLOSURE[request.endedBy.reason],
      'Request: Route of Access': request.routeOfAccess ?? '',
    },
  ];
}

/**
 * The engine's assessment is the Care Act s.9 needs assessment that decides eligibility for a
 * personal budget: a long term assessment, unless the fact names its type (workflow v2).
 */
function assessmentRow(timeline: JourneyTimeline, context: CldContext, assessment: AssessmentEpisode): CldRow {
  const longTerm: (typeof ASSESSMENT_TYPES)[number] = 'Long term assessment';
  return {
    ...baseRow(timeline, context),
    'Event Type': 'Assessment',
    'Event Reference': reference(timeline, assessment.revision),
    'Event Start Date': assessment.startedOn,
    'Event End Date': assessment.completedOn,
    // Not eligible: the written advice of Care Act s.13(5) is what the person was given.
    'Event Outcome': assessment.eligible ? 'Progress to support planning or services' : 'NFA: Information and advice or signposting',
    'Assessment Type': assessment.assessmentType ?? longTerm,
    'Eligible Needs Identified': assessment.eligible ? 'Yes' : 'No',
    'Method of Assessment': assessment.method ?? '',
  };
}

function componentOf(support: ReportedSupport): string {
  return support.serviceComponent ?? COMPONENT_BY_CATEGORY[support.category] ?? '';
}

function serviceTypeOf(plan: ReportedPlan, support: ReportedSupport, component: string): string {
  if (support.serviceType) return support.serviceType;
  if (plan.setting !== undefined) return SERVICE_TYPE_BY_SETTING[plan.setting] ?? '';
  return SERVICE_TYPE_BY_COMPONENT[component as ServiceComponent] ?? 'Long term support: Community';
}

/** Pence as pounds with two decimals, the CLD's numeric(18,2): integer arithmetic, no floats. */
export function poundsOf(pence: number): string {
  const sign = pence < 0 ? '-' : '';
  const whole = Math.abs(pence);
  return `${sign}${Math.floor(whole / 100)}.${String(whole % 100).padStart(2, '0')}`;
}

/**
 * The cost: the unit cost, its unit and the planned units a week when the plan gives them
 * (workflow v2); otherwise the support's cost per plan period, at the period's frequency, and no
 * planned units (the DHSC costs table derives them from a weekly or longer frequency).
 */
function costColumns(
  plan: ReportedPlan,
  support: ReportedSupport,
): Pick<CldRow, 'Unit Cost' | 'Cost Frequency (Unit Type)' | 'Planned units per week'> {
  if (support.unitCostPence !== undefined) {
    return {
      'Unit Cost': poundsOf(support.unitCostPence),
      'Cost Frequency (Unit Type)': support.unitType ?? '',
      'Planned units per week': support.plannedUnitsPerWeek === undefined ? '' : String(support.plannedUnitsPerWeek),
    };
  }
  return {
    'Unit Cost': poundsOf(support.costPence),
    'Cost Frequency (Unit Type)': FREQUENCY_BY_PERIOD[plan.period],
    'Planned units per week': '',
  };
}

function serviceRows(timeline: JourneyTimeline, context: CldContext, service: ServiceEpisode): CldRow[] {
  return service.plan.supports.map((support, index) => {
    const component = componentOf(support);
    return {
      ...baseRow(timeline, context),
      'Event Type': 'Service',
      'Event Reference': reference(timeline, service.revision, `/s${index + 1}`),
      'Event Start Date': service.from,
      'Event End Date': service.to ?? '',
      'Event Outcome': serviceOutcome(timeline, service),
      'Service Type': serviceTypeOf(service.plan, support, component),
      'Service Component': component,
      'Delivery Mechanism': DELIVERY_BY_DEPLOYMENT[heldAs(service.plan, support)] ?? '',
      ...costColumns(service.plan, support),
    };
  });
}

/** A plan still in force, or replaced by another, continues the support; one that ended with the journey ends it. */
function serviceOutcome(timeline: JourneyTimeline, service: ServiceEpisode): string {
  const closure = timeline.closure;
  if (closure === null || service.to !== closure.on) return 'Continuation of support or services';
  return closure.reason === 'support-ended-at-review' ? OUTCOME_BY_REVIEW['end-support'] : OUTCOME_BY_CLOSURE[closure.reason];
}

function reviewRow(timeline: JourneyTimeline, context: CldContext, review: ReviewEpisode): CldRow {
  return {
    ...baseRow(timeline, context),
    'Event Type': 'Review',
    'Event Reference': reference(timeline, review.revision),
    'Event Start Date': review.startedOn,
    'Event End Date': review.completedOn,
    'Event Outcome': OUTCOME_BY_REVIEW[review.outcome],
    'Review Reason': review.requested ? 'Unplanned' : 'Planned',
    'Review Outcomes Achieved': review.outcomesAchieved ?? '',
    'Method of Review': review.method ?? '',
  };
}

const inForceDuring = (service: ServiceEpisode, period: ReportingPeriod) =>
  service.from <= period.to && (service.to === null || service.to >= period.from);

/** The journey's rows for the period, in the order the events happened. */
export function cldRowsOf(timeline: JourneyTimeline, context: CldContext): CldRow[] {
  const { period } = context;
  const rows = [
    ...requestRow(timeline, context),
    ...timeline.assessments
      .filter((assessment) => within(assessment.completedOn, period))
      .map((assessment) => assessmentRow(timeline, context, assessment)),
    ...timeline.services.filter((service) => inForceDuring(service, period)).flatMap((service) => serviceRows(timeline, context, service)),
    ...timeline.reviews.filter((review) => within(review.completedOn, period)).map((review) => reviewRow(timeline, context, review)),
  ];
  return rows.sort((a, b) => a['Event Start Date'].localeCompare(b['Event Start Date']));
}
