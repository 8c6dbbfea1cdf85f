/**
 * Copies every journey stream from one event store to another through the store port, so the same
 * code moves SQLite to KurrentDB, KurrentDB to SQLite, or one SQLite file to another.
 *
 * What is kept: each event's id, type, data and metadata exactly as stored (the actor, occurredAt,
 * recordedAt, correlation ids and the integrity hashes: nothing is re-dated or re-sealed), and its
 * revision in its stream. What is not: the global position, which is the target's own (KurrentDB's
 * commit positions are not SQLite's row numbers), and so the interleaving of streams in the global
 * order. Nothing in the engine reads across journeys in that order; read models are rebuilt from
 * the target.
 *
 * How it resumes: streams are copied one by one (several at a time), each with appends at the
 * expected revision. For each stream the copy first reads what the target already holds, checks
 * that it is the start of the source stream (same ids at the same revisions), and appends only the
 * rest. A copy stopped at any point (Ctrl-C, a kill, a lost connection) is resumed by running it
 * again; an append whose answer was lost is recognised by its ids and not written twice. A target
 * stream that holds anything else is refused, not overwritten.
 */
import { canonicalJson } from '../integrity/hash-chain';
import type { EventStore, ExpectedRevision, NewEvent, StoredEvent } from '../event-store/event-store';
import type { Progress, ProgressListener } from './progress';

export const JOURNEY_PREFIX = 'journey-';

export interface StreamPlan {
  streamId: string;
  /** Events in the stream when it was scanned. */
  events: number;
  /** The id of its last event then: a target stream ending with it needs nothing more. */
  lastEventId: string;
}

export interface ScanOptions {
  streamPrefix?: string;
  pageSize?: number;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
  phase?: Progress['phase'];
}

export interface CopyOptions {
  streamPrefix?: string;
  /** Streams copied at the same time (their appends share commits on SQLite). Default 8. */
  concurrency?: number;
  /** At most this many events per append. Default 200. */
  batchSize?: number;
  /** And at most about this many bytes of JSON per append (a gRPC message has a size limit). Default 1 MiB. */
  maxBatchBytes?: number;
  /** Stops the copy between appends; what was appended stays, and a later run goes on from there. */
  signal?: AbortSignal;
  onProgress?: ProgressListener;
}

export interface CopyResult {
  streams: number;
  /** Events in the streams copied, whether written now or found already on the target. */
  events: number;
  written: number;
  alreadyThere: number;
  /** Stopped by the signal before every stream was complete. */
  interrupted: boolean;
}

/** The target stream holds something other than the start of the source stream. */
export class TargetDivergedError extends Error {
  readonly code = 'STORE_COPY.TARGET_DIVERGED';
  constructor(
    readonly streamId: string,
    readonly revision: number,
    detail: string,
  ) {
    super(`target stream ${streamId} differs from the source at revision ${revision} (${detail}); nothing was written to it`);
    this.name = 'TargetDivergedError';
  }
}

const DEFAULTS = { concurrency: 8, batchSize: 200, maxBatchBytes: 1024 * 1024, pageSize: 1000 };

/**
 * The streams of a store with the given prefix, in the order of their first event, with their
 * length and last event id. The port has no list of streams, so this reads the global order once.
 */
export async function scanStreams(store: EventStore, options: ScanOptions = {}): Promise<StreamPlan[]> {
  const prefix = options.streamPrefix ?? JOURNEY_PREFIX;
  const pageSize = options.pageSize ?? DEFAULTS.pageSize;
  const streams = new Map<string, StreamPlan>();
  let after: bigint | undefined;
  let events = 0;
  for (;;) {
    if (options.signal?.aborted) break;
    const page = await store.readAll({ after, maxCount: pageSize, streamPrefix: prefix });
    for (const event of page) {
      streams.set(event.streamId, { streamId: event.streamId, events: event.revision + 1, lastEventId: event.id });
    }
    events += page.length;
    options.onProgress?.({
      phase: options.phase ?? 'scan',
      streamsDone: streams.size,
      eventsDone: events,
      streamsTotal: null,
      eventsTotal: null,
    });
    if (page.length < pageSize) break;
    after = page[page.length - 1].position;
  }
  return [...streams.values()];
}

/** Scan the source, then copy each stream's missing events to the target. */
export async function copyStreams(source: EventStore, target: EventStore, options: CopyOptions = {}): Promise<CopyResult> {
  const plans = await scanStreams(source, { streamPrefix: options.streamPrefix, signal: options.signal, onProgress: options.onProgress });
  // Stopped while scanning: the plan is incomplete, so nothing is copied from it.
  if (options.signal?.aborted) return { streams: 0, events: 0, written: 0, alreadyThere: 0, interrupted: true };
  return copyPlannedStreams(source, target, plans, options);
}

/** Copy the streams of a scan already made. */
async function copyPlannedStreams(
  source: EventStore,
  target: EventStore,
  plans: readonly StreamPlan[],
  options: CopyOptions = {},
): Promise<CopyResult> {
  const settings = { ...DEFAULTS, ...definedOnly(options) };
  const totals = { streams: plans.length, events: plans.reduce((sum, plan) => sum + plan.events, 0) };
  const done = { streams: 0, events: 0, written: 0, alreadyThere: 0 };
  const report = (): void =>
    options.onProgress?.({
      phase: 'copy',
      streamsDone: done.streams,
      eventsDone: done.events,
      streamsTotal: totals.streams,
      eventsTotal: totals.events,
    });
  const stopped = (): boolean => options.signal?.aborted === true;

  report();
  await forEachConcurrently(plans, settings.concurrency, stopped, async (plan) => {
    const outcome = await copyStream(source, target, plan, settings, stopped, (written) => {
      done.written += written;
      done.events += written;
      report();
    });
    done.alreadyThere += outcome.alreadyThere;
    done.events += outcome.alreadyThere;
    if (outcome.complete) done.streams += 1;
    report();
  });
  const interrupted = stopped() && done.streams < plans.length;
  return { streams: done.streams, events: done.events, written: done.written, alreadyThere: done.alreadyThere, interrupted };
}

interface StreamOutcome {
  alreadyThere: number;
  complete: boolean;
}

async function copyStream(
  source: EventStore,
  target: EventStore,
  plan: StreamPlan,
  settings: typeof DEFAULTS,
  stopped: () => boolean,
  onWritten: (count: number) => void,
): Promise<StreamOutcome> {
  if (await alreadyComplete(target, plan)) return { alreadyThere: plan.events, complete: true };

  const [sourceEvents, targetEvents] = await Promise.all([source.readStream(plan.streamId), target.readStream(plan.streamId)]);
  assertStartOf(plan.streamId, targetEvents, sourceEvents);
  const missing = sourceEvents.slice(targetEvents.length);
  // The source is read whole, so events appended to it since the scan are copied too (the totals
  // shown did not count them; the copy's own counts do).
  let expected: ExpectedRevision = targetEvents.length === 0 ? 'no-stream' : targetEvents.length - 1;
  for (const chunk of chunkEvents(missing.map(asNewEvent), settings.batchSize, settings.maxBatchBytes)) {
    if (stopped()) return { alreadyThere: targetEvents.length, complete: false };
    const result = await target.appendToStream(plan.streamId, chunk, expected);
    expected = result.nextRevision;
    onWritten(chunk.length);
  }
  return { alreadyThere: targetEvents.length, complete: true };
}

/**
 * The target's event at the scanned last revision is the source's last event: nothing to do. A
 * cheap test (one event read) so that a resumed copy skips finished streams quickly; the
 * verification afterwards compares every event of every stream anyway.
 */
async function alreadyComplete(target: EventStore, plan: StreamPlan): Promise<boolean> {
  const tail = await target.readStream(plan.streamId, { fromRevision: plan.events - 1 });
  return tail.length === 1 && tail[0].id === plan.lastEventId;
}

/**
 * The target may hold the first events of the stream (an earlier, interrupted copy), and nothing
 * else. Ids alone would let a different event with a reused id through, so type and content are
 * compared as well.
 */
function assertStartOf(streamId: string, targetEvents: readonly StoredEvent[], sourceEvents: readonly StoredEvent[]): void {
  if (targetEvents.length > sourceEvents.length) {
    throw new TargetDivergedError(
      streamId,
      sourceEvents.length,
      `the target has ${targetEvents.length} events, the source ${sourceEvents.length}`,
    );
  }
  targetEvents.forEach((copied, revision) => {
    const original = sourceEvents[revision];
    if (copied.id !== original.id)
      throw new TargetDivergedError(streamId, revision, `event id ${copied.id} where the source has ${original.id}`);
    if (!sameEvent(copied, original))
      throw new TargetDivergedError(streamId, revision, `event ${copied.id} has other type, data or metadata`);
  });
}

/** Same type, data and metadata, whatever order a store gives JSON keys back in. */
export function sameEvent(a: NewEvent, b: NewEvent): boolean {
  return a.type === b.type && canonicalJson(a.data) === canonicalJson(b.data) && canonicalJson(a.metadata) === canonicalJson(b.metadata);
}

function asNewEvent(event: StoredEvent): NewEvent {
  return { id: event.id, type: event.type, data: event.data, metadata: event.metadata };
}

/** Consecutive chunks of at most `maxCount` events and about `maxBytes` of JSON (a single larger event gets a chunk of its own). */
export function chunkEvents(events: readonly NewEvent[], maxCount: number, maxBytes: number): NewEvent[][] {
  const chunks: NewEvent[][] = [];
  let current: NewEvent[] = [];
  let bytes = 0;
  for (const event of events) {
    const size = Buffer.byteLength(JSON.stringify(event.data)) + Buffer.byteLength(JSON.stringify(event.metadata));
    if (current.length > 0 && (current.length >= maxCount || bytes + size > maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(event);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * Runs `work` on every item, at most `concurrency` at once, starting no new item once `stopped()`
 * says so. The first failure stops new work; the others in flight finish, then it is thrown.
 */
export async function forEachConcurrently<T>(
  items: readonly T[],
  concurrency: number,
  stopped: () => boolean,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | null = null;
  const worker = async (): Promise<void> => {
    while (next < items.length && failure === null && !stopped()) {
      const item = items[next];
      next += 1;
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  if (failure !== null) throw (failure as { error: unknown }).error;
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}
