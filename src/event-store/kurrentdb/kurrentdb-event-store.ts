/**
 * KurrentDB (formerly EventStoreDB) adapter for the event store port, over the gRPC client
 * `@kurrent/kurrentdb-client` 1.x. The production engine: a three-node cluster replicates and fails
 * over; the service talks to the leader.
 *
 * How the port maps onto the server (see docs/kurrentdb.md for the sources):
 * - one server stream per journey, named as the engine names it (optionally behind a namespace, so
 *   that several stores, e.g. contract-test runs, can share one server without seeing each other);
 * - `expected` becomes the append's `streamState`: 'no-stream' -> NO_STREAM, n -> BigInt(n), and
 *   ANY only when the caller itself passed 'any';
 * - the server's WrongExpectedVersionError becomes the port's StreamConflictError;
 * - `data` and `metadata` are stored as the event's JSON data and JSON metadata;
 * - the global position is the event's commit position in `$all` (see `positionOf`);
 * - readAll reads `$all` with a server-side stream-name prefix filter, subscribe is a catch-up
 *   subscription to `$all` with the same filter.
 *
 * Idempotency, exactly: the server alone does not give the port's rules. It de-duplicates a repeated
 * batch only when `expected` is a revision *behind* the stream (it then compares the ids at
 * expected+1.. and answers success without writing); at the current revision it writes whatever it
 * is sent, even an id the stream already holds; with ANY it only consults a cache of recent ids
 * (best effort). So every append first reads the stream (journeys are short) and applies the shared
 * rules of append-rules.ts, the same ones SQLite and memory apply: a repeat of the batch right after
 * `expected` returns the original result, an id found anywhere else is a conflict. The server's own
 * de-duplication then covers the one window the read cannot see: an earlier attempt of the same
 * append landing between this read and this write. That is what makes retrying an append whose
 * outcome is unknown safe: the retry carries the same ids and the same expected revision.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  ANY,
  AllStreamResolvedEvent,
  AppendResult as KurrentAppendResult,
  AppendStreamState,
  AppendToStreamOptions,
  BACKWARDS,
  CancelledError,
  convertToCommandError,
  DeadlineExceededError,
  END,
  EventData,
  excludeSystemEvents,
  Filter,
  FORWARDS,
  jsonEvent,
  KurrentDBClient,
  NO_STREAM,
  NotLeaderError,
  Position,
  ReadAllOptions as KurrentReadAllOptions,
  ReadPosition,
  ReadStreamOptions as KurrentReadStreamOptions,
  ResolvedEvent,
  START,
  streamNameFilter,
  StreamNotFoundError,
  SubscribeToAllOptions,
  TimeoutError,
  UnavailableError,
  WrongExpectedVersionError,
} from '@kurrent/kurrentdb-client';
import { assertValidAppend, decideAppend, ExistingEvent } from '../append-rules';
import {
  AppendResult,
  EventHandler,
  EventStore,
  ExpectedRevision,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  StoredEvent,
  StoreUnavailableError,
  StreamConflictError,
  SubscribeOptions,
  Subscription,
} from '../event-store';
import { LiveSubscriptions } from '../live-subscriptions';

/**
 * The part of KurrentDBClient this adapter uses. The real client satisfies it (checked where the
 * client is created); unit tests pass a small fake, since no server can run where they run.
 */
export interface KurrentClient {
  appendToStream(streamName: string, events: EventData[], options: AppendToStreamOptions): Promise<KurrentAppendResult>;
  readStream(streamName: string, options: KurrentReadStreamOptions): AsyncIterable<ResolvedEvent>;
  readAll(options: KurrentReadAllOptions): AsyncIterable<AllStreamResolvedEvent>;
  subscribeToAll(options: SubscribeToAllOptions): KurrentSubscription;
  dispose(): Promise<void>;
}

/** A catch-up subscription as the client returns it: an async iterable Readable. */
export interface KurrentSubscription extends AsyncIterable<AllStreamResolvedEvent> {
  unsubscribe(): Promise<void>;
  destroy?(error?: Error): unknown;
}

/** Bounded exponential backoff: `attempts` tries in all, waiting initialDelayMs, x factor, ... between them. */
export interface RetryPolicy {
  attempts: number;
  initialDelayMs: number;
  factor: number;
}

export type Sleep = (ms: number) => Promise<void>;

export interface KurrentDbEventStoreOptions {
  /** Prefix put before every stream name on the server and taken off again on the way back. */
  streamNamespace?: string;
  /** Default page size of readAll. */
  pageSize?: number;
  retry?: Partial<RetryPolicy>;
  /** Longest wait for one read (the client's reads do not all honour its own deadline). */
  readTimeoutMs?: number;
  pingTimeoutMs?: number;
  /** Injected by tests to observe the backoff without waiting for it. */
  sleep?: Sleep;
}

const DEFAULT_RETRY: RetryPolicy = { attempts: 5, initialDelayMs: 100, factor: 2 };
const DEFAULT_PAGE_SIZE = 500;
const DEFAULT_READ_TIMEOUT_MS = 10_000;
const DEFAULT_PING_TIMEOUT_MS = 2_000;
/** How many events headPosition looks at per backwards step while skipping non-engine events. */
const HEAD_PAGE_SIZE = 32;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A read that produced nothing for too long; treated like the server's deadline. */
export class ReadTimeoutError extends Error {
  constructor(what: string, timeoutMs: number) {
    super(`${what} gave no answer within ${timeoutMs} ms`);
    this.name = 'ReadTimeoutError';
  }
}

/** The server ended a subscription that nobody closed (shutdown, leader change). */
export class SubscriptionDroppedError extends Error {
  constructor() {
    super('the KurrentDB subscription ended without being closed');
    this.name = 'SubscriptionDroppedError';
  }
}

export class KurrentDbEventStore extends EventStore {
  private readonly client: KurrentClient;
  private readonly namespace: string;
  private readonly pageSize: number;
  private readonly retry: RetryPolicy;
  private readonly readTimeoutMs: number;
  private readonly pingTimeoutMs: number;
  private readonly sleep: Sleep;
  private readonly followers = new LiveSubscriptions<CatchUpSubscription>();
  private closed = false;

  /** `connection` is a connection string (kurrentdb://...; esdb:// still works) or a ready client. */
  constructor(connection: string | KurrentClient, options: KurrentDbEventStoreOptions = {}) {
    super();
    this.client = typeof connection === 'string' ? connect(connection) : connection;
    this.namespace = options.streamNamespace ?? '';
    this.pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.readTimeoutMs = options.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS;
    this.pingTimeoutMs = options.pingTimeoutMs ?? DEFAULT_PING_TIMEOUT_MS;
    this.sleep = options.sleep ?? delay;
  }

  async appendToStream(streamId: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    this.assertOpen();
    assertValidAppend(streamId, events, expected);
    assertUuids(streamId, events);
    // The whole decide-and-write is retried, so a retry re-reads the stream and recognises a batch
    // that the failed attempt did write, before sending the same ids at the same revision again.
    return this.retrying(`append to ${streamId}`, () => this.appendOnce(streamId, events, expected));
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    this.assertOpen();
    const from = options.fromRevision ?? 0;
    const maxCount = options.toRevision === undefined ? undefined : options.toRevision - from + 1;
    if (maxCount !== undefined && maxCount <= 0) return [];
    return this.retrying(`read ${streamId}`, () => this.readStreamOnce(streamId, { from: BigInt(from), maxCount }));
  }

  async readAll(options: ReadAllOptions = {}): Promise<StoredEvent[]> {
    this.assertOpen();
    const maxCount = options.maxCount ?? this.pageSize;
    if (maxCount <= 0) return [];
    return this.readAllPage(normaliseAfter(options.after), maxCount, this.serverPrefix(options.streamPrefix));
  }

  subscribe(options: SubscribeOptions, handler: EventHandler, onError: (error: unknown) => void = reportUnhandled): Subscription {
    this.assertOpen();
    const prefix = this.serverPrefix(options.streamPrefix);
    return this.followers.start(
      (onStop) =>
        new CatchUpSubscription(
          {
            after: normaliseAfter(options.after),
            open: (after) => this.client.subscribeToAll({ fromPosition: toReadPosition(after), filter: filterFor(prefix) }),
            select: (resolved) => this.engineEvent(resolved.event, prefix),
            retry: this.retry,
            sleep: this.sleep,
            onStop,
          },
          handler,
          onError,
        ),
    );
  }

  async headPosition(): Promise<bigint> {
    this.assertOpen();
    const prefix = this.serverPrefix(undefined);
    let from: ReadPosition = END;
    for (;;) {
      const start = from;
      const page = await this.retrying('read the head of $all', () =>
        this.readAllOnce({ direction: BACKWARDS, fromPosition: start, maxCount: HEAD_PAGE_SIZE, filter: filterFor(prefix) }),
      );
      const head = page.find((recorded) => isEngineEvent(recorded, prefix));
      if (head) return positionOf(head);
      if (page.length < HEAD_PAGE_SIZE) return -1n;
      // Reading backwards from a position excludes the event at it, so this steps past the page.
      from = rawPosition(page[page.length - 1]);
    }
  }

  async ping(): Promise<void> {
    this.assertOpen();
    try {
      // One event of $all, backwards: cheap, and proves the connection and the right to read $all.
      await collect(this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 }), this.pingTimeoutMs, 'ping');
    } catch (error) {
      throw new StoreUnavailableError(`KurrentDB cannot be used: ${describeError(error)}`, error);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.followers.closeAll();
    await this.client.dispose();
  }

  private async appendOnce(streamId: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    // Read from the leader: a lagging follower would make a fresh stream look stale and fake a conflict.
    const stream = await this.readStreamOnce(streamId, { requiresLeader: true });
    const batch = events.map(lowerCaseId);
    const decision = decideAppend(streamId, batch, expected, lastRevision(stream), findBatchIds(stream, batch));
    if (decision.kind === 'repeat') return decision.result;

    const written = await this.write(streamId, events, expected);
    return {
      nextRevision: Number(written.nextExpectedRevision),
      position: await this.positionOfLastWritten(streamId, written, events.length),
    };
  }

  private async write(streamId: string, events: NewEvent[], expected: ExpectedRevision): Promise<KurrentAppendResult> {
    let result: KurrentAppendResult;
    try {
      result = await this.client.appendToStream(this.serverName(streamId), events.map(toEventData), {
        streamState: toStreamState(expected),
      });
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) throw toConflict(streamId, expected, error.actualState);
      throw error;
    }
    // With `throwOnAppendFailure=false` in the connection string the client reports instead of throwing.
    if (!result.success) {
      throw toConflict(streamId, expected, result.nextExpectedRevision < 0n ? NO_STREAM : result.nextExpectedRevision);
    }
    return result;
  }

  /**
   * The server answers with one position per append. For a single new event it is that event's
   * position. For a batch, and for a repeat the server recognised (older servers send no position
   * then), the answer is not documented to be the last event's, so read the last event back.
   */
  private async positionOfLastWritten(streamId: string, written: KurrentAppendResult, count: number): Promise<bigint> {
    if (count === 1 && written.position) return written.position.commit;
    const [last] = await this.readStreamOnce(streamId, { from: written.nextExpectedRevision, maxCount: 1, requiresLeader: true });
    if (!last) throw new Error(`event ${written.nextExpectedRevision} of ${streamId} was acknowledged but cannot be read`);
    return last.position;
  }

  private async readStreamOnce(
    streamId: string,
    options: { from?: bigint; maxCount?: number; requiresLeader?: boolean },
  ): Promise<StoredEvent[]> {
    const reading = this.client.readStream(this.serverName(streamId), {
      fromRevision: options.from ?? START,
      direction: FORWARDS,
      maxCount: options.maxCount,
      requiresLeader: options.requiresLeader,
    });
    try {
      const resolved = await collect(reading, this.readTimeoutMs, `reading ${streamId}`);
      return resolved.flatMap(({ event }) => (event ? [this.toStoredEvent(event)] : []));
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
  }

  /**
   * One page of engine events strictly after `after`. The server's `fromPosition` is inclusive, so
   * the event sitting exactly at `after` comes back first and is skipped. Events the server passed
   * but that are not the engine's (system events) are dropped here, and the read goes on until the
   * page is full or `$all` is exhausted, so that a short page always means "nothing more yet".
   */
  private async readAllPage(after: bigint | undefined, maxCount: number, prefix: string): Promise<StoredEvent[]> {
    const page: StoredEvent[] = [];
    let skipUpTo = after;
    let from: Position | undefined = after === undefined ? undefined : { commit: after, prepare: after };
    while (page.length < maxCount) {
      // One more than still wanted after the first read: the event at `from` comes back again.
      const request = maxCount - page.length + (from === undefined ? 0 : 1);
      const start = from;
      const raw = await this.retrying('read $all', () =>
        this.readAllOnce({ direction: FORWARDS, fromPosition: start ?? START, maxCount: request, filter: filterFor(prefix) }),
      );
      for (const recorded of raw) {
        if (skipUpTo !== undefined && rawPosition(recorded).commit <= skipUpTo) continue;
        const event = this.engineEvent(recorded, prefix);
        if (event) page.push(event);
      }
      if (raw.length < request) break;
      from = rawPosition(raw[raw.length - 1]);
      skipUpTo = from.commit;
    }
    return page.slice(0, maxCount);
  }

  private async readAllOnce(options: KurrentReadAllOptions): Promise<RecordedLike[]> {
    const resolved = await collect(this.client.readAll(options), this.readTimeoutMs, 'reading $all');
    return resolved.flatMap(({ event }) => (event ? [event] : []));
  }

  private engineEvent(recorded: RecordedLike | undefined, prefix: string): StoredEvent | undefined {
    return recorded && isEngineEvent(recorded, prefix) ? this.toStoredEvent(recorded) : undefined;
  }

  private toStoredEvent(recorded: RecordedLike): StoredEvent {
    const where = `event ${recorded.id} of ${recorded.streamId}`;
    return {
      id: recorded.id,
      type: recorded.type,
      data: decodeJsonObject(recorded.data, `${where}: data`),
      metadata: recorded.metadata === undefined ? {} : decodeJsonObject(recorded.metadata, `${where}: metadata`),
      streamId: recorded.streamId.slice(this.namespace.length),
      revision: Number(recorded.revision),
      position: positionOf(recorded),
    };
  }

  private retrying<T>(what: string, attempt: () => Promise<T>): Promise<T> {
    return withRetries(what, this.retry, this.sleep, attempt);
  }

  private serverName(streamId: string): string {
    return this.namespace + streamId;
  }

  private serverPrefix(streamPrefix: string | undefined): string {
    return this.namespace + (streamPrefix ?? '');
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreUnavailableError('the KurrentDB event store is closed');
  }
}

/** What the adapter reads from a recorded event, whichever read produced it. */
interface RecordedLike {
  streamId: string;
  id: string;
  revision: bigint;
  type: string;
  data: unknown;
  metadata: unknown;
  position?: Position;
}

function connect(connectionString: string): KurrentClient {
  const client: KurrentClient = KurrentDBClient.connectionString(connectionString);
  return client;
}

// ---------------------------------------------------------------------------------------------
// Mapping between the port and the client

function toStreamState(expected: ExpectedRevision): AppendStreamState {
  if (expected === 'no-stream') return NO_STREAM;
  if (expected === 'any') return ANY;
  return BigInt(expected);
}

function toConflict(streamId: string, expected: ExpectedRevision, actual: bigint | string): StreamConflictError {
  return new StreamConflictError(streamId, expected, typeof actual === 'bigint' ? Number(actual) : 'no-stream');
}

function toEventData(event: NewEvent): EventData {
  return jsonEvent({ id: event.id, type: event.type, data: event.data, metadata: event.metadata });
}

/** The server hands UUIDs back in lower case, so ids are compared that way. */
function lowerCaseId(event: NewEvent): { id: string } {
  return { id: event.id.toLowerCase() };
}

/** Where the batch's ids already sit in the stream (only those: the rules read absence as "new"). */
function findBatchIds(stream: StoredEvent[], batch: Array<{ id: string }>): Map<string, ExistingEvent> {
  const wanted = new Set(batch.map((event) => event.id));
  const found = new Map<string, ExistingEvent>();
  for (const event of stream) {
    const id = event.id.toLowerCase();
    if (wanted.has(id)) found.set(id, { revision: event.revision, position: event.position });
  }
  return found;
}

function lastRevision(stream: StoredEvent[]): number {
  return stream.length === 0 ? -1 : stream[stream.length - 1].revision;
}

function assertUuids(streamId: string, events: NewEvent[]): void {
  const bad = events.find((event) => !UUID.test(event.id));
  if (bad) throw new TypeError(`event id ${bad.id} for ${streamId} is not a UUID (KurrentDB event ids are UUIDs)`);
}

/** -1n (the head of an empty store) and nothing both mean "from the very beginning". */
function normaliseAfter(after: bigint | undefined): bigint | undefined {
  return after === undefined || after < 0n ? undefined : after;
}

function toReadPosition(after: bigint | undefined): ReadPosition {
  return after === undefined ? START : { commit: after, prepare: after };
}

/** Server-side filter: the prefix when there is one, else at least no system events. */
function filterFor(prefix: string): Filter {
  return prefix ? streamNameFilter({ prefixes: [prefix] }) : excludeSystemEvents();
}

/**
 * Checked again on this side because the filter is an optimisation the server may not apply (older
 * servers, links): system streams and system event types (`$`, e.g. a tombstone's
 * `$streamDeleted`) are never the engine's facts.
 */
function isEngineEvent(recorded: RecordedLike, prefix: string): boolean {
  return !recorded.streamId.startsWith('$') && !recorded.type.startsWith('$') && recorded.streamId.startsWith(prefix);
}

function rawPosition(recorded: RecordedLike): Position {
  if (!recorded.position) {
    throw new Error(
      `event ${recorded.id} of ${recorded.streamId} came without a position: ` +
        'stream reads carry positions from server 22.6 on; use a supported LTS server',
    );
  }
  return recorded.position;
}

/**
 * The port's single bigint position is the commit position. For every event written by the gRPC
 * append (the only way this engine writes, and the only one from server 24.10 on), the server reports
 * commit === prepare: the append writes self-committed records, and $all reports each one at
 * (its log position, its log position) (AllReader.cs). Only events of the legacy TCP client's
 * explicit transactions differ, and they would make one bigint ambiguous, so they are refused.
 */
function positionOf(recorded: RecordedLike): bigint {
  const { commit, prepare } = rawPosition(recorded);
  if (commit !== prepare) {
    throw new Error(
      `event ${recorded.id} of ${recorded.streamId} sits in a legacy explicit transaction ` +
        `(commit ${commit} != prepare ${prepare}); this adapter stores only gRPC appends`,
    );
  }
  return commit;
}

/**
 * The client parses JSON events and metadata itself. Bytes arrive when another tool stored the JSON as
 * binary, a string when the stored text was not valid JSON; anything but a JSON object is refused,
 * since the engine only ever stores objects. Refused as a SyntaxError, as the SQLite adapter's
 * JSON.parse refuses a bad row, so the audit names the unreadable revision on either store.
 */
function decodeJsonObject(value: unknown, what: string): Record<string, unknown> {
  const parsed = value instanceof Uint8Array ? parseJson(Buffer.from(value).toString('utf8'), what) : value;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new SyntaxError(`${what} is not a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new SyntaxError(`${what} is not JSON`);
  }
}

// ---------------------------------------------------------------------------------------------
// Transient errors, retries and timeouts

/**
 * Errors after which the same request may succeed: the server is unreachable or restarting, it did
 * not answer in time, or the node is not the leader (the client then reconnects to the leader).
 * For an append every one of them leaves the outcome unknown, which the retry resolves safely.
 */
export function isTransient(error: unknown): boolean {
  const converted = error instanceof Error ? convertToCommandError(error) : error;
  return (
    converted instanceof UnavailableError ||
    converted instanceof DeadlineExceededError ||
    converted instanceof TimeoutError ||
    converted instanceof NotLeaderError ||
    converted instanceof CancelledError ||
    converted instanceof ReadTimeoutError ||
    converted instanceof SubscriptionDroppedError
  );
}

export function backoffDelay(policy: RetryPolicy, failedAttempts: number): number {
  return policy.initialDelayMs * policy.factor ** (failedAttempts - 1);
}

async function withRetries<T>(what: string, policy: RetryPolicy, sleep: Sleep, attempt: () => Promise<T>): Promise<T> {
  for (let failed = 1; ; failed++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isTransient(error)) throw error;
      if (failed >= policy.attempts) {
        throw new StoreUnavailableError(`${what} failed ${failed} times: ${describeError(error)}`, error);
      }
      await sleep(backoffDelay(policy, failed));
    }
  }
}

/** Drains an async iterable, giving up (and closing it) when it stays silent past the timeout. */
async function collect<T>(iterable: AsyncIterable<T>, timeoutMs: number, what: string): Promise<T[]> {
  const iterator = iterable[Symbol.asyncIterator]();
  const items: T[] = [];
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ReadTimeoutError(what, timeoutMs)), timeoutMs);
  });
  try {
    for (;;) {
      const next = await Promise.race([iterator.next(), expired]);
      if (next.done) return items;
      items.push(next.value);
    }
  } catch (error) {
    void iterator.return?.()?.catch(() => undefined);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The client's error classes keep the name 'Error', so the class name says more. */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const kind = error.name === 'Error' ? error.constructor.name : error.name;
  return `${kind}: ${error.message}`;
}

function reportUnhandled(error: unknown): void {
  console.error('KurrentDB subscription stopped by an error and no onError was given:', error);
}

// ---------------------------------------------------------------------------------------------
// Following $all

interface CatchUpOptions {
  /** Exclusive start; undefined is before everything. */
  after: bigint | undefined;
  open: (after: bigint | undefined) => KurrentSubscription;
  /** The engine event inside what the server sent, or undefined for anything else. */
  select: (resolved: AllStreamResolvedEvent) => StoredEvent | undefined;
  retry: RetryPolicy;
  sleep: Sleep;
  onStop: () => void;
}

/** Marks an error thrown by the caller's handler, which stops the subscription (never retried). */
class HandlerFailure extends Error {
  constructor(readonly error: unknown) {
    super('the subscription handler failed');
    this.name = 'HandlerFailure';
  }
}

/** Which subscription's handler is running, so that close() from inside it does not wait on itself. */
const deliveringFor = new AsyncLocalStorage<CatchUpSubscription>();

/**
 * A catch-up subscription to `$all` that survives drops. It remembers the position of the last event
 * it delivered and, after a transient failure, subscribes again from there (the server's subscription
 * start is exclusive, and anything at or before the cursor is skipped anyway), so a reconnect neither
 * repeats nor skips an event. Consecutive failures without progress are bounded by the retry policy.
 * Events are handed over one at a time: the next is not read before the handler's promise settles.
 */
class CatchUpSubscription implements Subscription {
  private closed = false;
  private live?: KurrentSubscription;
  private cursor: bigint | undefined;
  private readonly stopped: Promise<void>;

  constructor(
    private readonly options: CatchUpOptions,
    private readonly handler: EventHandler,
    private readonly onError: (error: unknown) => void,
  ) {
    this.cursor = options.after;
    this.stopped = this.run().finally(options.onStop);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.stopLive();
    if (deliveringFor.getStore() === this) return;
    await this.stopped;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.closed) {
      const before = this.cursor;
      try {
        await this.followUntilDropped();
        if (this.closed) return;
        throw new SubscriptionDroppedError();
      } catch (error) {
        if (this.closed) return;
        if (error instanceof HandlerFailure) return this.report(error.error);
        if (!isTransient(error)) return this.report(error);
        failures = this.cursor === before ? failures + 1 : 1;
        if (failures >= this.options.retry.attempts) {
          return this.report(new StoreUnavailableError(`subscription to $all failed ${failures} times: ${describeError(error)}`, error));
        }
        await this.options.sleep(backoffDelay(this.options.retry, failures));
      }
    }
  }

  private async followUntilDropped(): Promise<void> {
    const live = this.options.open(this.cursor);
    this.live = live;
    if (this.closed) return this.stopLive();
    for await (const resolved of live) {
      if (this.closed) return;
      const event = this.options.select(resolved);
      if (!event || (this.cursor !== undefined && event.position <= this.cursor)) continue;
      await this.deliver(event);
      this.cursor = event.position;
    }
  }

  private async deliver(event: StoredEvent): Promise<void> {
    try {
      await deliveringFor.run(this, () => this.handler(event));
    } catch (error) {
      throw new HandlerFailure(error);
    }
  }

  /** Unsubscribing ends the iteration; destroying as well makes sure a stuck stream lets go too. */
  private async stopLive(): Promise<void> {
    const live = this.live;
    if (!live) return;
    try {
      await live.unsubscribe();
    } catch {
      // Already gone: nothing left to stop.
    }
    live.destroy?.();
  }

  private report(error: unknown): void {
    try {
      this.onError(error);
    } catch {
      // An onError that throws has nowhere left to report to; the subscription is stopped either way.
    }
  }
}
