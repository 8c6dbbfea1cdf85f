/**
 * Mapping between the port and the client: expected revisions, conflicts, event data and ids, and
 * the JSON the server hands back.
 */
import { ANY, AppendStreamState, EventData, jsonEvent, NO_STREAM, Position } from '@kurrent/kurrentdb-client';
import { ExistingEvent } from '../append-rules';
import { ExpectedRevision, NewEvent, StoredEvent, StreamConflictError } from '../event-store';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What the adapter reads from a recorded event, whichever read produced it. */
export interface RecordedLike {
  streamId: string;
  id: string;
  revision: bigint;
  type: string;
  data: unknown;
  metadata: unknown;
  position?: Position;
}

export function toStreamState(expected: ExpectedRevision): AppendStreamState {
  if (expected === 'no-stream') return NO_STREAM;
  if (expected === 'any') return ANY;
  return BigInt(expected);
}

export function toConflict(streamId: string, expected: ExpectedRevision, actual: bigint | string): StreamConflictError {
  return new StreamConflictError(streamId, expected, typeof actual === 'bigint' ? Number(actual) : 'no-stream');
}

export function toEventData(event: NewEvent): EventData {
  return jsonEvent({ id: event.id, type: event.type, data: event.data, metadata: event.metadata });
}

/** The server hands UUIDs back in lower case, so ids are compared that way. */
export function lowerCaseId(event: NewEvent): { id: string } {
  return { id: event.id.toLowerCase() };
}

/** Where the batch's ids already sit in the stream (only those: the rules read absence as "new"). */
export function findBatchIds(stream: StoredEvent[], batch: Array<{ id: string }>): Map<string, ExistingEvent> {
  const wanted = new Set(batch.map((event) => event.id));
  const found = new Map<string, ExistingEvent>();
  for (const event of stream) {
    const id = event.id.toLowerCase();
    if (wanted.has(id)) found.set(id, { revision: event.revision, position: event.position });
  }
  return found;
}

export function lastRevision(stream: StoredEvent[]): number {
  return stream.length === 0 ? -1 : stream[stream.length - 1].revision;
}

export function assertUuids(streamId: string, events: NewEvent[]): void {
  const bad = events.find((event) => !UUID.test(event.id));
  if (bad) throw new TypeError(`event id ${bad.id} for ${streamId} is not a UUID (KurrentDB event ids are UUIDs)`);
}

/**
 * The client parses JSON events and metadata itself. Bytes arrive when another tool stored the JSON as
 * binary, a string when the stored text was not valid JSON; anything but a JSON object is refused,
 * since the engine only ever stores objects. Refused as a SyntaxError, as the SQLite adapter's
 * JSON.parse refuses a bad row, so the audit names the unreadable revision on either store.
 */
export function decodeJsonObject(value: unknown, what: string): Record<string, unknown> {
  const parsed = value instanceof Uint8Array ? parseJson(Buffer.from(value).toString('utf8'), what) : value;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new SyntaxError(`${what} is not a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new SyntaxError(`${what} is not JSON`);
  }
}
