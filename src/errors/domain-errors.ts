/**
 * The engine's errors: named classes with stable codes. Code that detects a problem throws one of
 * these; the one place that turns them into HTTP answers is `HttpErrorFilter`. Codes are part of
 * the API contract: clients branch on them, so never rename one.
 *
 * Each error declares its own HTTP status (abstract, so the compiler refuses an error without
 * one) and what its answer carries besides the code and message: the filter only formats them.
 */
import { HttpStatus } from '@nestjs/common';

export abstract class DomainError extends Error {
  abstract readonly code: string;
  abstract readonly status: HttpStatus;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }

  /** Fields the answer's body carries beside `statusCode`, `error` and `message`. */
  answerFields(): Record<string, unknown> {
    return {};
  }

  /** Headers the answer carries (`Retry-After`, `WWW-Authenticate`). */
  answerHeaders(): Record<string, string> {
    return {};
  }
}

/** For errors that clear by themselves: when to try again. */
function retryAfter(seconds: number): Record<string, string> {
  return { 'Retry-After': String(seconds) };
}

const REALM = 'Bearer realm="support-planning-engine"';

/** One field that failed validation: its path (`data.supports.0.costPence`) and the rule broken. */
export interface FieldIssue {
  field: string;
  rule: string;
  message: string;
}

export class InvalidInputError extends DomainError {
  readonly code = 'REQUEST.INVALID_INPUT';
  readonly status = HttpStatus.BAD_REQUEST;

  constructor(
    readonly details: readonly FieldIssue[],
    message = describeIssues(details),
  ) {
    super(message);
  }

  override answerFields(): Record<string, unknown> {
    return { details: this.details };
  }
}

/** The request body is not JSON that can be parsed. */
export class MalformedBodyError extends DomainError {
  readonly code = 'REQUEST.MALFORMED_BODY';
  readonly status = HttpStatus.BAD_REQUEST;
}

export class PayloadTooLargeError extends DomainError {
  readonly code = 'REQUEST.TOO_LARGE';
  readonly status = HttpStatus.PAYLOAD_TOO_LARGE;

  constructor(readonly limit?: string) {
    super(limit === undefined ? 'request body is too large' : `request body is larger than ${limit}`);
  }

  override answerFields(): Record<string, unknown> {
    return this.limit === undefined ? {} : { limit: this.limit };
  }
}

export class UnsupportedMediaTypeError extends DomainError {
  readonly code = 'REQUEST.UNSUPPORTED_MEDIA_TYPE';
  readonly status = HttpStatus.UNSUPPORTED_MEDIA_TYPE;

  constructor(message = 'request body must be application/json') {
    super(message);
  }
}

/** No valid token. The message is the reason (missing, expired, bad signature...), never the token. */
export class UnauthenticatedError extends DomainError {
  readonly code = 'AUTH.UNAUTHENTICATED';
  readonly status = HttpStatus.UNAUTHORIZED;

  override answerHeaders(): Record<string, string> {
    return { 'WWW-Authenticate': REALM };
  }
}

/** The actor is known but their role may not do this. */
export class ForbiddenActionError extends DomainError {
  readonly code = 'AUTH.FORBIDDEN';
  readonly status = HttpStatus.FORBIDDEN;

  constructor(
    readonly role: string,
    readonly action: string,
  ) {
    super(`role ${role} may not ${action}`);
  }

  override answerFields(): Record<string, unknown> {
    return { role: this.role, action: this.action };
  }
}

/**
 * An advocate whose appointment to this journey was withdrawn. A 403 rather than the 404 a
 * stranger gets: they already know the journey exists, and should be told why they lost access.
 */
export class AccessEndedError extends DomainError {
  readonly code = 'AUTH.ACCESS_ENDED';
  readonly status = HttpStatus.FORBIDDEN;

  constructor(readonly journeyId: string) {
    super(`your appointment to journey ${journeyId} was withdrawn; you no longer have access to it`);
  }

  override answerFields(): Record<string, unknown> {
    return { journeyId: this.journeyId };
  }
}

/**
 * The identity provider's signing keys (AUTH_JWKS_URL) could not be fetched. Our problem, not the
 * caller's: a 503 to retry, not a 401 telling them their token is bad.
 */
export class AuthKeysUnavailableError extends DomainError {
  readonly code = 'AUTH.KEYS_UNAVAILABLE';
  readonly status = HttpStatus.SERVICE_UNAVAILABLE;

  constructor() {
    super("the identity provider's signing keys could not be fetched; try again shortly");
  }

  override answerHeaders(): Record<string, string> {
    return retryAfter(5);
  }
}

/** Too many writes (or reads) from one token subject; `retryAfterSeconds` says when the next one counts again. */
export class RateLimitedError extends DomainError {
  readonly code = 'REQUEST.RATE_LIMITED';
  readonly status = HttpStatus.TOO_MANY_REQUESTS;

  constructor(
    readonly limitPerMinute: number,
    readonly retryAfterSeconds: number,
    readonly kind: 'writes' | 'reads' = 'writes',
  ) {
    super(`too many ${kind}: at most ${limitPerMinute} a minute per token; retry after ${retryAfterSeconds} s`);
  }

  override answerFields(): Record<string, unknown> {
    return { limitPerMinute: this.limitPerMinute, retryAfterSeconds: this.retryAfterSeconds, counts: this.kind };
  }

  override answerHeaders(): Record<string, string> {
    return retryAfter(this.retryAfterSeconds);
  }
}

/** The JSON body nests objects or arrays deeper than any fact needs: refused before anything walks it. */
export class BodyTooDeepError extends DomainError {
  readonly code = 'REQUEST.TOO_DEEP';
  readonly status = HttpStatus.BAD_REQUEST;

  constructor(readonly maxDepth: number) {
    super(`request body nests objects or arrays more than ${maxDepth} levels deep`);
  }

  override answerFields(): Record<string, unknown> {
    return { maxDepth: this.maxDepth };
  }
}

/** No workflow of that id and version is registered (`GET /workflows/:id/:version`). */
export class WorkflowNotFoundError extends DomainError {
  readonly code = 'WORKFLOW.NOT_FOUND';
  readonly status = HttpStatus.NOT_FOUND;

  constructor(
    readonly workflowId: string,
    readonly version: number,
  ) {
    super(`workflow ${workflowId} version ${version} not found`);
  }

  override answerFields(): Record<string, unknown> {
    return { workflowId: this.workflowId, version: this.version };
  }
}

/**
 * Too many of one kind of heavy read (whole-journey exports) are being built at once; the rest of
 * the service keeps answering. Try again after `retryAfterSeconds`.
 */
export class ServiceBusyError extends DomainError {
  readonly code = 'SERVICE.BUSY';
  readonly status = HttpStatus.SERVICE_UNAVAILABLE;

  constructor(
    readonly work: string,
    readonly retryAfterSeconds: number,
  ) {
    super(`too many ${work} are being built right now; retry after ${retryAfterSeconds} s`);
  }

  override answerFields(): Record<string, unknown> {
    return { retryAfterSeconds: this.retryAfterSeconds };
  }

  override answerHeaders(): Record<string, string> {
    return retryAfter(this.retryAfterSeconds);
  }
}

/**
 * The event store's file is damaged (SQLite found a corrupt page). Not a transient fault: retrying
 * will not help until the file is restored from a copy; /health says `degraded` with the reason.
 */
export class StoreCorruptError extends DomainError {
  readonly code = 'STORE.CORRUPT';
  readonly status = HttpStatus.SERVICE_UNAVAILABLE;

  constructor() {
    super(
      'the event store file is damaged (a corrupt database page); this is not a transient fault: restore the file from a copy; GET /health says what SQLite found',
    );
  }

  /** No Retry-After: waiting does not mend a damaged file. */
  override answerFields(): Record<string, unknown> {
    return { corrupt: true };
  }
}

export class JourneyNotFoundError extends DomainError {
  readonly code = 'JOURNEY.NOT_FOUND';
  readonly status = HttpStatus.NOT_FOUND;

  constructor(readonly journeyId: string) {
    super(`journey ${journeyId} not found`);
  }

  override answerFields(): Record<string, unknown> {
    return { journeyId: this.journeyId };
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
  readonly status = HttpStatus.CONFLICT;
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

  override answerFields(): Record<string, unknown> {
    return { event: this.event, state: this.state, reason: this.reason, allowed: this.allowed };
  }
}

/** The caller's If-Match names a revision the journey has moved past. */
export class StaleRevisionError extends DomainError {
  readonly code = 'JOURNEY.STALE_REVISION';
  readonly status = HttpStatus.PRECONDITION_FAILED;

  constructor(
    readonly expectedRevision: number,
    readonly actualRevision: number,
  ) {
    super(`journey is at revision ${actualRevision}, not ${expectedRevision}`);
  }

  override answerFields(): Record<string, unknown> {
    return { expectedRevision: this.expectedRevision, actualRevision: this.actualRevision };
  }
}

/**
 * An Idempotency-Key this caller already used on this route for a different request: answering it
 * as a repeat would silently drop the new request, so it is refused (422), never repeated.
 */
export class IdempotencyKeyReusedError extends DomainError {
  readonly code = 'IDEMPOTENCY.KEY_REUSED';
  readonly status = HttpStatus.UNPROCESSABLE_ENTITY;

  constructor() {
    super('Idempotency-Key was already used by you on this route for a different request; use a new key');
  }

  override answerFields(): Record<string, unknown> {
    return { field: 'Idempotency-Key' };
  }
}

/**
 * A migration the dry run refuses: the journey's history breaks the new version's rules at this
 * revision, so moving it would make the record say something its rules never allowed.
 */
export class MigrationRefusedError extends DomainError {
  readonly code = 'WORKFLOW.MIGRATION_REFUSED';
  readonly status = HttpStatus.CONFLICT;
  readonly from: number;
  readonly to: number;
  readonly revision: number;
  readonly rule: string;
  readonly explanation: string;

  constructor(refusal: { from: number; to: number; revision: number; type: string; rule: string; explanation: string }) {
    super(
      `cannot move this journey from v${refusal.from} to v${refusal.to}: v${refusal.to} refuses revision ${refusal.revision} (${refusal.type}) by ${refusal.rule}`,
    );
    this.from = refusal.from;
    this.to = refusal.to;
    this.revision = refusal.revision;
    this.rule = refusal.rule;
    this.explanation = refusal.explanation;
  }

  override answerFields(): Record<string, unknown> {
    return { from: this.from, to: this.to, revision: this.revision, rule: this.rule, explanation: this.explanation };
  }
}

/** A read model is too far behind the streams to answer now. */
export class ReadModelLagError extends DomainError {
  readonly code = 'READ_MODEL.LAGGING';
  readonly status = HttpStatus.SERVICE_UNAVAILABLE;

  constructor(
    readonly readModel: string,
    /** How many global positions the read model is behind the one asked for (a bigint, in decimal, like positions). */
    readonly lag: string,
  ) {
    super(`read model ${readModel} is ${lag} events behind; try again shortly`);
  }

  override answerFields(): Record<string, unknown> {
    return { readModel: this.readModel, lag: this.lag };
  }

  override answerHeaders(): Record<string, string> {
    return retryAfter(1);
  }
}

/**
 * The read model being asked is being rebuilt to a new version, and the previous version serving
 * meanwhile cannot answer this query (its tables predate what the query asks for). It clears by
 * itself when the new version takes over.
 */
export class ReadModelRebuildingError extends DomainError {
  readonly code = 'READ_MODEL.REBUILDING';
  readonly status = HttpStatus.SERVICE_UNAVAILABLE;

  constructor(readonly readModel: string) {
    super(`read model ${readModel} is being rebuilt to a new version; try again shortly (GET /health shows its progress)`);
  }

  override answerFields(): Record<string, unknown> {
    return { readModel: this.readModel };
  }

  override answerHeaders(): Record<string, string> {
    return retryAfter(5);
  }
}

/**
 * The access log could not record a read. The read is refused rather than answered unlogged:
 * a person's right to know who read their record depends on no read going unrecorded.
 */
export class AccessLogUnavailableError extends DomainError {
  readonly code = 'AUDIT.ACCESS_LOG_UNAVAILABLE';
  readonly status = HttpStatus.SERVICE_UNAVAILABLE;

  constructor() {
    super('the access log cannot record this read right now, so it is not answered; try again shortly');
  }

  override answerHeaders(): Record<string, string> {
    return retryAfter(5);
  }
}

/** A dependency the service needs (the event store) does not answer; /health says which. */
export class ServiceNotReadyError extends DomainError {
  readonly code = 'SERVICE.NOT_READY';
  readonly status = HttpStatus.SERVICE_UNAVAILABLE;

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

  override answerFields(): Record<string, unknown> {
    return { status: this.degraded ? 'degraded' : 'down', checks: this.checks };
  }

  override answerHeaders(): Record<string, string> {
    return retryAfter(5);
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
  readonly status = HttpStatus.UNPROCESSABLE_ENTITY;

  constructor(
    readonly journeyId: string,
    why: string,
  ) {
    super(`journey ${journeyId} cannot be shown: ${why}; GET /journeys/${journeyId}/verify says where its record breaks`);
  }

  override answerFields(): Record<string, unknown> {
    return { journeyId: this.journeyId };
  }
}
