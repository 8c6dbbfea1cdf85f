/**
 * What a finished request means for the metrics, read from the HTTP layer alone (route template,
 * status, the body's event type, the error the exception filter saw), so the command handler
 * carries no metrics code. Pure functions: the request observer feeds them, specs check them.
 */
import { isEventType } from '../../../workflows';
import { StreamConflictError } from '../../event-store/event-store';
import { ForbiddenActionError, RateLimitedError, StaleRevisionError, TransitionRefusedError } from '../../errors/domain-errors';

/** The two routes that record a fact, as `METHOD template`. */
const OPEN_JOURNEY = 'POST /journeys';
const RECORD_EVENT = 'POST /journeys/:id/events';
/** The route label of a request no route matched: never its raw URL (ids, query strings, probes). */
export const UNMATCHED_ROUTE = 'unmatched';

export type CommandOutcome = { kind: 'recorded'; eventType: string } | { kind: 'refused'; eventType: string; rule: string };

export interface FinishedRequest {
  method: string;
  /** Route template (`/journeys/:id/events`), or UNMATCHED_ROUTE. */
  route: string;
  status: number;
  body: unknown;
  failure: unknown;
}

/**
 * Fastify's matched route, as registered: `/journeys/:id/events`. A wildcard (`/assets/*`, the
 * static files) is no route of the API, and a request no route matched has none.
 */
export function routeTemplateOf(request: { routeOptions?: { url?: unknown } }): string {
  const path = request.routeOptions?.url;
  return typeof path === 'string' && !path.includes('*') ? path : UNMATCHED_ROUTE;
}

/**
 * Recorded (201) or refused by a rule, for the two command routes; null for anything else (a
 * malformed body, an unknown journey, a store fault: those show in the request metrics by status).
 */
export function commandOutcomeOf(request: FinishedRequest): CommandOutcome | null {
  const route = `${request.method} ${request.route}`;
  if (route !== OPEN_JOURNEY && route !== RECORD_EVENT) return null;
  const eventType = eventTypeOf(request.body, route === OPEN_JOURNEY);
  if (request.status === 201) return { kind: 'recorded', eventType };
  const rule = refusingRuleOf(request.failure);
  return rule === null ? null : { kind: 'refused', eventType, rule };
}

/**
 * The rule that refused a fact: the workflow guard's name (the 409 names it before the colon of
 * its reason), `actorMayRecord` for a role the policy does not allow, `staleRevision` when another
 * writer got there first.
 */
export function refusingRuleOf(failure: unknown): string | null {
  if (failure instanceof TransitionRefusedError) return failure.reason.split(':', 1)[0].trim() || 'unnamed';
  if (failure instanceof ForbiddenActionError) return 'actorMayRecord';
  if (failure instanceof StaleRevisionError || failure instanceof StreamConflictError) return 'staleRevision';
  return null;
}

export function isRateLimitRefusal(failure: unknown): boolean {
  return failure instanceof RateLimitedError;
}

/** A known event type, or `other`: a label is never free text a caller chose. */
function eventTypeOf(body: unknown, opensJourney: boolean): string {
  const type = (body as { type?: unknown } | null | undefined)?.type;
  if (type === undefined && opensJourney) return 'ReferralReceived';
  return typeof type === 'string' && isEventType(type) ? type : 'other';
}
