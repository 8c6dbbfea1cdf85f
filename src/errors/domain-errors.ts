/**
 * The engine's errors: named classes with stable codes. Code that detects a problem throws one of
 * these; the one place that turns them into HTTP answers is `HttpErrorFilter`. Codes are part of
 * the API contract: clients branch on them, so never rename one.
 */
export abstract class DomainError extends Error {
  abstract readonly code: string;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** One field that failed validation: its path (`data.supports.0.costPence`) and the rule broken. */
export interface FieldIssue {
  field: string;
  rule: string;
  message: string;
}

export class InvalidInputError extends DomainError {
  readonly code = 'REQUEST.INVALID_INPUT';

  constructor(
    readonly details: readonly FieldIssue[],
    message = describeIssues(details),
  ) {
    super(message);
  }
}

/** The request body is not JSON that can be parsed. */
export class MalformedBodyError extends DomainError {
  readonly code = 'REQUEST.MALFORMED_BODY';
}

export class PayloadTooLargeError extends DomainError {
  readonly code = 'REQUEST.TOO_LARGE';

  constructor(readonly limit?: string) {
    super(limit === undefined ? 'request body is too large' : `request body is larger than ${limit}`);
  }
}

export class UnsupportedMediaTypeError extends DomainError {
  readonly code = 'REQUEST.UNSUPPORTED_MEDIA_TYPE';

  constructor(message = 'request body must be application/json') {
    super(message);
  }
}

/** No valid token. The message is the reason (missing, expired, bad signature...), never the token. */
export class UnauthenticatedError extends DomainError {
  readonly code = 'AUTH.UNAUTHENTICATED';
}

/** The actor is known but their role may not do this. */
export class ForbiddenActionError extends DomainError {
  readonly code = 'AUTH.FORBIDDEN';

  constructor(
    readonly role: string,
    readonly action: string,
  ) {
    super(`role ${role} may not ${action}`);
  }
}

/**
 * An advocate whose appointment to this journey was withdrawn. A 403 rather than the 404 a
 * stranger gets: they already know the journey exists, and should be told why they lost access.
 */
export class AccessEndedError extends DomainError {
  readonly code = 'AUTH.ACCESS_ENDED';

  constructor(readonly journeyId: string) {
    super(`your appointment to journey ${journeyId} was withdrawn; you no longer have access to it`);
  }
}

/**
 * The identity provider's signing keys (AUTH_JWKS_URL) could not be fetched. Our problem, not the
 * caller's: a 503 to retry, not a 401 telling them their token is bad.
 */
export class AuthKeysUnavailableError extends DomainError {
  readonly code = 'AUTH.KEYS_UNAVAILABLE';

  constructor() {
    super('the identity provider\'s signing keys could not be fetched; try again shortly');
  }
}

/** Too many writes (or reads) from one token subject; `retryAfterSeconds` says when the next one counts again. */
export class RateLimitedError extends DomainError {
  readonly code = 'REQUEST.RATE_LIMITED';

  constructor(
    readonly limitPerMinute: number,
    readonly retryAfterSeconds: number,
    readonly kind: 'writes' | 'reads' = 'writes',
  ) {
    super(`too many ${kind}: at most ${limitPerMinute} a minute per token; retry after ${retryAfterSeconds} s`);
  }
}

/** The JSON body nests objects or arrays deeper than any fact needs: refused before anything walks it. */
export class BodyTooDeepError extends DomainError {
  readonly code = 'REQUEST.TOO_DEEP';

  constructor(readonly maxDepth: number) {
    super(`request body nests objects or arrays more than ${maxDepth} levels deep`);
  }
}

/** No workflow of that id and version is registered (`GET /workflows/:id/:version`). */
export class WorkflowNotFoundError extends DomainError {
  readonly code = 'WORKFLOW.NOT_FOUND';

  constructor(
    readonly workflowId: string,
    readonly version: number,
  ) {
    super(`workflow ${workflowId} version ${version} not found`);
  }
}

/**
 * Too many of one kind of heavy read (whole-journey exports) are being built at once; the rest of
 * the service keeps answering. Try again after `retryAfterSeconds`.
 */
export class ServiceBusyError extends DomainError {
  readonly code = 'SERVICE.BUSY';

  constructor(
    readonly work: string,
    readonly retryAfterSeconds: number,
  ) {
    super(`too many ${work} are being built right now; retry after ${retryAfterSeconds} s`);
  }
}

/**
 * The event store's file is damaged (SQLite found a corrupt page). Not a transient fault: retrying
 * will not help until the file is restored from a copy; /health says `degraded` with the reason.
 */
export class StoreCorruptError extends DomainError {
  readonly code = 'STORE.CORRUPT';

  constructor() {
    super('the event store file is damaged (a corrupt database page); this is not a transient fault: restore the file from a copy; GET /health says what SQLite found');
  }
}

export class JourneyNotFoundError extends DomainError {
  readonly code = 'JOURNEY.NOT_FOUND';

  constructor(readonly journeyId: string) {
    super(`journey ${journeyId} not found`);
  }
}

export interface TransitionRefusal {
  /** The event type that was refused. */
  event: string;
  /** The journey's current state, as the workflow names it. */
  state: string;
  /** Why: the refusing guard's explanation, or that the state takes no such event. */
  reason: string;
  /** The event types allowed now (for the caller's role). */
  allowed: readonly string[];
}

/** The workflow does not allow this event now. */
export class TransitionRefusedError extends DomainError {
  readonly code = 'JOURNEY.TRANSITION_REFUSED';
  readonly event: string;
  readonly state: string;
  readonly reason: string;
  readonly allowed: readonly string[];

  constructor(refusal: TransitionRefusal) {
    super(`${refusal.event} is not allowed in state ${refusal.state}: ${refusal.reason}`);
    this.event = refusal.event;
    this.state = refusal.state;
    this.reason = refusal.reason;
    this.allowed = refusal.allowed;
  }
}

/** The caller's If-Match names a revision the journey has moved past. */
export class StaleRevisionError extends DomainError {
  readonly code = 'JOURNEY.STALE_REVISION';

  constructor(
    readonly expectedRevision: number,
    readonly actualRevision: number,
  ) {
    super(`journey is at revision ${actualRevision}, not ${expectedRevision}`);
  }
}

/** A read model is too far behind the streams to answer now. */
export class ReadModelLagError extends DomainError {
  readonly code = 'READ_MODEL.LAGGING';

  constructor(
    readonly readModel: string,
    /** How many global positions the read model is behind the one asked for (a bigint, in decimal, like positions). */
    readonly lag: string,
  ) {
    super(`read model ${readModel} is ${lag} events behind; try again shortly`);
  }
}

/**
 * The access log could not record a read. The read is refused rather than answered unlogged:
 * a person's right to know who read their record depends on no read going unrecorded.
 */
export class AccessLogUnavailableError extends DomainError {
  readonly code = 'AUDIT.ACCESS_LOG_UNAVAILABLE';

  constructor() {
    super('the access log cannot record this read right now, so it is not answered; try again shortly');
  }
}

/** A dependency the service needs (the event store) does not answer; /health says which. */
export class ServiceNotReadyError extends DomainError {
  readonly code = 'SERVICE.NOT_READY';

  constructor(
    /** Each check by name, `{ status: 'up' | 'down', ... }`, as @nestjs/terminus reports it. */
    readonly checks: Readonly<Record<string, unknown>>,
  ) {
    super(`not ready: ${downChecks(checks).join(', ') || 'unknown check'} down`);
  }

  /** A check that is down because something is damaged (not merely unreachable) says so with `degraded: true`. */
  get degraded(): boolean {
    return Object.values(this.checks).some((check) => (check as { degraded?: unknown } | undefined)?.degraded === true);
  }
}

function downChecks(checks: Readonly<Record<string, unknown>>): string[] {
  return Object.entries(checks)
    .filter(([, check]) => (check as { status?: unknown } | undefined)?.status !== 'up')
    .map(([name]) => name);
}

function describeIssues(details: readonly FieldIssue[]): string {
  if (details.length === 0) return 'invalid input';
  // class-validator messages already start with the field's path.
  return details.map((d) => d.message).join('; ');
}

/**
 * A journey's record is broken so that a view of it (export, decisions) cannot be built honestly:
 * a row that does not parse, or facts no workflow version reads. `/verify` still answers and says
 * where the record breaks.
 */
export class JourneyUnreadableError extends DomainError {
  readonly code = 'AUDIT.JOURNEY_UNREADABLE';

  constructor(
    readonly journeyId: string,
    why: string,
  ) {
    super(`journey ${journeyId} cannot be shown: ${why}; GET /journeys/${journeyId}/verify says where its record breaks`);
  }
}
