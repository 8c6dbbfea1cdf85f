/**
 * Personal health budgets in force on a day, by how they are held and by cohort, for the NHS
 * return. A budget is an NHS one when the journey is NHS CHC or integrated, or when the plan in
 * force has an NHS share; it is in force from the support's start (or a revision's approval)
 * until it is replaced or the journey ends. Pure.
 */
import type { Deployment } from '../../workflows';
import type { JourneyTimeline, ServiceEpisode } from './journey-timeline';

export const PHB_TYPES = ['direct payment', 'notional', 'third party', 'mixed'] as const;
export type PhbType = (typeof PHB_TYPES)[number];
export const PHB_COHORTS = ['CHC', 'other'] as const;
export type PhbCohort = (typeof PHB_COHORTS)[number];

const TYPE_BY_DEPLOYMENT: Record<Deployment, PhbType> = {
  'direct-payment': 'direct payment',
  notional: 'notional',
  'third-party': 'third party',
  mixed: 'mixed',
};

export interface PhbInForce {
  journeyId: string;
  type: PhbType;
  cohort: PhbCohort;
  /** The approval that put the plan in force. */
  revision: number;
}

function inForceOn(service: ServiceEpisode, day: string): boolean {
  return service.from <= day && (service.to === null || service.to > day);
}

function isNhsFunded(timeline: JourneyTimeline, service: ServiceEpisode): boolean {
  return (
    timeline.fundingStream === 'nhs-chc' ||
    timeline.fundingStream === 'integrated' ||
    service.fundingShares.some((share) => share.funder === 'nhs')
  );
}

/** The journey's personal health budget in force on `day`, if it has one. */
export function phbInForce(timeline: JourneyTimeline, day: string): PhbInForce | null {
  const service = timeline.services.find((candidate) => inForceOn(candidate, day));
  if (!service || !isNhsFunded(timeline, service)) return null;
  return {
    journeyId: timeline.journeyId,
    type: TYPE_BY_DEPLOYMENT[service.plan.deployment],
    cohort: timeline.fundingStream === 'nhs-chc' ? 'CHC' : 'other',
    revision: service.revision,
  };
}

export type PhbCounts = Record<PhbCohort, Record<PhbType, number>>;

export function countPhbs(budgets: readonly PhbInForce[]): PhbCounts {
  const zero = () => Object.fromEntries(PHB_TYPES.map((type) => [type, 0])) as Record<PhbType, number>;
  const counts: PhbCounts = { CHC: zero(), other: zero() };
  budgets.forEach((budget) => {
    counts[budget.cohort][budget.type] += 1;
  });
  return counts;
}
