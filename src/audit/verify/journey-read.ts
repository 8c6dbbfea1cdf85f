/**
 * A journey's stream read for checking: every event, or, when a stored row no longer parses as
 * JSON (the adapters throw the parser's SyntaxError), which revision it is and the events before
 * it. Over the store port, so the service's audit routes and the CLI read a record alike.
 */
import type { EventStore, StoredEvent } from '../../event-store/event-store';

export type JourneyRead<Event extends StoredEvent = StoredEvent> =
  { kind: 'events'; events: Event[] } | { kind: 'unreadable'; revision: number; readable: Event[] };

/** The whole stream, or (with `fromRevision`) its tail from that revision on. */
export async function readJourney(store: EventStore, streamId: string, options: { fromRevision?: number } = {}): Promise<JourneyRead> {
  const from = options.fromRevision ?? 0;
  const events = await readUpTo(store, streamId, from, Number.MAX_SAFE_INTEGER);
  if (events !== null) return { kind: 'events', events };
  const revision = await firstUnparsable(store, streamId, from);
  const readable = revision === from ? [] : ((await readUpTo(store, streamId, from, revision - 1)) ?? []);
  return { kind: 'unreadable', revision, readable };
}

/** The events readable before the first broken row, or all of them. */
export function readableEvents<Event extends StoredEvent>(read: JourneyRead<Event>): Event[] {
  return read.kind === 'events' ? read.events : read.readable;
}

/** Events up to `revision`, or null when one of them does not parse. */
async function readUpTo(store: EventStore, streamId: string, from: number, revision: number): Promise<StoredEvent[] | null> {
  try {
    return await store.readStream(streamId, { fromRevision: from, toRevision: revision });
  } catch (error) {
    if (error instanceof SyntaxError) return null;
    throw error;
  }
}

/**
 * The least revision whose prefix fails to read: doubling, then halving, so a long stream costs a
 * few dozen reads, and a revision missing before the broken row (a deleted event) does not hide it.
 */
async function firstUnparsable(store: EventStore, streamId: string, from: number): Promise<number> {
  const parses = async (revision: number) => (await readUpTo(store, streamId, from, revision)) !== null;
  let low = from;
  let high = from;
  while (high < Number.MAX_SAFE_INTEGER && (await parses(high))) {
    low = high + 1;
    high = Math.min(from + (high - from) * 2 + 1, Number.MAX_SAFE_INTEGER);
  }
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    if (await parses(middle)) low = middle + 1;
    else high = middle;
  }
  return low;
}
