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
 *
 * The folder: this file is the adapter; client.ts the part of the client it uses; codec.ts and
 * positions.ts the mapping between the port and the client; errors.ts, retries.ts and collect.ts
 * transient failures, retries and read timeouts; catch-up-subscription.ts the following of `$all`.
 */
import {
  AppendResult as KurrentAppendResult,
  BACKWARDS,
  END,
  FORWARDS,
  NO_STREAM,
  Position,
  ReadAllOptions as KurrentReadAllOptions,
  ReadPosition,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError,
} from '@kurrent/kurrentdb-client';
import { pause, RetryPolicy, Sleep, withRetries } from '../../common/backoff';
import { assertValidAppend, decideAppend } from '../append-rules';
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
  SubscribeOptions,
  Subscription,
} from '../event-store';
import { LiveSubscriptions } from '../live-subscriptions';
import { CatchUpSubscription, reportUnhandled } from './catch-up-subscription';
import { connect, KurrentClient } from './client';
import {
  assertUuids,
  decodeJsonObject,
  findBatchIds,
  lastRevision,
  lowerCaseId,
  RecordedLike,
  toConflict,
  toEventData,
  toStreamState,
} from './codec';
import { collect } from './collect';
import { describeError, isTransient } from './errors';
import { filterFor, isEngineEvent, normaliseAfter, positionOf, rawPosition, toReadPosition } from './positions';

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

const DEFAULT_RETRY: RetryPolicy = { attempts: 5, initialMs: 100, factor: 2 };
const DEFAULT_PAGE_SIZE = 500;
const DEFAULT_READ_TIMEOUT_MS = 10_000;
const DEFAULT_PING_TIMEOUT_MS = 2_000;
/** How many events headPosition looks at per backwards step while skipping non-engine events. */
const HEAD_PAGE_SIZE = 32;

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
    this.sleep = options.sleep ?? pause;
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

  /**
   * Tries a request again after a transient failure (errors.ts), with backoff; when the attempts run
   * out the store counts as unavailable. Any other error is the request's own and is thrown at once.
   */
  private retrying<T>(what: string, attempt: () => Promise<T>): Promise<T> {
    return withRetries(attempt, {
      ...this.retry,
      retryable: isTransient,
      exhausted: (error, failures) => new StoreUnavailableError(`${what} failed ${failures} times: ${describeError(error)}`, error),
      sleep: this.sleep,
    });
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
