/**
 * The append rules every embedded adapter (memory, SQLite) applies the same way: input checks,
 * the expected-revision check and event-id idempotency. Pure functions over what the adapter
 * found in the stream, so that both adapters decide identically and the rules are tested once.
 */
import { AppendResult, ExpectedRevision, NewEvent, StreamConflictError } from './event-store';

/** Where an event of the batch already sits in the stream. */
export interface ExistingEvent {
  revision: number;
  position: bigint;
}

export type AppendDecision = { kind: 'write'; firstRevision: number } | { kind: 'repeat'; result: AppendResult };

/** Rejects input no adapter should store: empty batches, ids repeated inside one batch, bad revisions. */
export function assertValidAppend(streamId: string, events: NewEvent[], expected: ExpectedRevision): void {
  if (typeof streamId !== 'string' || streamId.length === 0) {
    throw new TypeError('streamId must be a non-empty string');
  }
  if (!Array.isArray(events) || events.length === 0) {
    throw new RangeError(`append to ${streamId} needs at least one event`);
  }
  events.forEach((event) => assertValidEvent(streamId, event));
  const ids = new Set(events.map((event) => event.id));
  if (ids.size !== events.length) {
    throw new RangeError(`append to ${streamId} repeats an event id inside one batch`);
  }
  const validExpected = expected === 'no-stream' || expected === 'any' || (Number.isInteger(expected) && expected >= 0);
  if (!validExpected) {
    throw new RangeError(`expected revision ${String(expected)} is not 'no-stream', 'any' or a revision >= 0`);
  }
}

function assertValidEvent(streamId: string, event: NewEvent): void {
  if (typeof event?.id !== 'string' || event.id.length === 0) {
    throw new TypeError(`an event for ${streamId} has no id`);
  }
  if (typeof event.type !== 'string' || event.type.length === 0) {
    throw new TypeError(`event ${event.id} for ${streamId} has no type`);
  }
  if (!isPlainObject(event.data) || !isPlainObject(event.metadata)) {
    throw new TypeError(`event ${event.id} for ${streamId} needs data and metadata objects`);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Decides what an append does, given the stream's current revision (-1 when it does not exist)
 * and where the batch's ids already sit in it (looked up by the adapter).
 *
 * - none of the ids present: an ordinary append, checked against `expected`;
 * - all present, in order, right after `expected` (anywhere for 'any'): an idempotent repeat,
 *   which writes nothing and returns the original result;
 * - anything else (some present, or present elsewhere): a conflict, so that an id is never
 *   stored twice in one stream.
 */
export function decideAppend(
  streamId: string,
  events: ReadonlyArray<{ id: string }>,
  expected: ExpectedRevision,
  currentRevision: number,
  existing: ReadonlyMap<string, ExistingEvent>,
): AppendDecision {
  const conflict = () => new StreamConflictError(streamId, expected, currentRevision < 0 ? 'no-stream' : currentRevision);

  if (existing.size === 0) {
    if (!matchesExpected(expected, currentRevision)) throw conflict();
    return { kind: 'write', firstRevision: currentRevision + 1 };
  }
  const repeat = asRepeat(events, expected, existing);
  if (!repeat) throw conflict();
  return { kind: 'repeat', result: repeat };
}

function matchesExpected(expected: ExpectedRevision, currentRevision: number): boolean {
  if (expected === 'any') return true;
  if (expected === 'no-stream') return currentRevision < 0;
  return expected === currentRevision;
}

/** The original result when the batch sits in the stream, consecutive and in order, where `expected` says. */
function asRepeat(
  events: ReadonlyArray<{ id: string }>,
  expected: ExpectedRevision,
  existing: ReadonlyMap<string, ExistingEvent>,
): AppendResult | undefined {
  const found = events.map((event) => existing.get(event.id));
  if (found.some((entry) => entry === undefined)) return undefined;
  const located = found as ExistingEvent[];

  const first = located[0].revision;
  const consecutive = located.every((entry, index) => entry.revision === first + index);
  const expectedFirst = expected === 'any' ? first : expected === 'no-stream' ? 0 : expected + 1;
  if (!consecutive || first !== expectedFirst) return undefined;

  const last = located[located.length - 1];
  return { nextRevision: last.revision, position: last.position };
}
