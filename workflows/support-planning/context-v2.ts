/**
 * What version 2 remembers beyond v1's fold: the funding in force (rule 5), where a closure
 * closed from (rule 9), the plan's setting (rule 1) and open subject access requests (rule 11).
 * v1's `evolve` folds every fact first; this adds v2's own effects, so v1 contexts never change.
 */
import { evolve, type JourneyContext } from './context';
import type { FundingShare, FundingStream, JourneyEvent } from './events';

/** Rule 5: the funders with a share decide the funding in force; the referral's stream stays as history. */
export function fundingInForce(shares: readonly FundingShare[], current: FundingStream | null): FundingStream | null {
  const pays = (funder: FundingShare['funder']) => shares.some((share) => share.funder === funder && share.amountPence > 0);
  if (pays('nhs') && pays('council')) return 'integrated';
  if (pays('nhs')) return 'nhs-chc';
  if (pays('council')) return 'social-care';
  return current;
}

function withoutKey<T>(record: Record<string, T>, key: string): Record<string, T> {
  const { [key]: _removed, ...rest } = record;
  return rest;
}

/** Fold one accepted fact into a v2 context. Pure; never reads a clock. */
export function evolveV2(context: JourneyContext, event: JourneyEvent): JourneyContext {
  const next = evolve(context, event);
  const { meta } = event;
  switch (event.type) {
    case 'ReferralReceived':
      return { ...next, referralFundingStream: event.data.fundingStream, accessRequests: {} };
    case 'SupportPlanDrafted':
      return next.plan && event.data.setting ? { ...next, plan: { ...next.plan, setting: event.data.setting } } : next;
    case 'SupportPlanApproved':
      return { ...next, fundingStream: fundingInForce(next.budgetInForce?.fundingShares ?? [], context.fundingStream) };
    case 'JourneyClosed':
      return {
        ...next,
        closedFrom: context.currentStep ?? null,
        decisions: {
          ...next.decisions,
          [String(meta.revision)]: { type: event.type, actorId: meta.actor.id, occurredAt: meta.occurredAt },
        },
      };
    case 'AccessRequested':
      return {
        ...next,
        accessRequests: {
          ...(context.accessRequests ?? {}),
          [String(meta.revision)]: { requestedBy: event.data.requestedBy, requestedAt: meta.occurredAt },
        },
      };
    case 'AccessRequestAnswered':
      return { ...next, accessRequests: withoutKey(context.accessRequests ?? {}, String(event.data.requestRevision)) };
    default:
      return next;
  }
}
