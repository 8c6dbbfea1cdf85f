/**
 * Unit tests of the KurrentDB adapter. No server can run here, so the one stand-in is FakeKurrent
 * below: a small in-process imitation of the client that keeps the server behaviours the adapter
 * relies on (documented in kurrentdb-event-store.ts and docs/kurrentdb.md): revision checks, the
 * server's de-duplication of a repeated batch behind the current revision, inclusive forward reads
 * of $all, exclusive backward reads and subscription starts, prefix and regex filters. The real
 * server is exercised by test/contract/kurrentdb.contract.spec.ts.
 */
import { randomUUID } from 'node:crypto';
import {
  AccessDeniedError,
  AllStreamResolvedEvent,
  ANY,
  AppendResult as KurrentAppendResult,
  AppendStreamState,
  AppendToStreamOptions,
  DeadlineExceededError,
  END,
  EventData,
  Filter,
  FORWARDS,
  NO_STREAM,
  Position,
  ReadAllOptions as KurrentReadAllOptions,
  ReadStreamOptions as KurrentReadStreamOptions,
  ResolvedEvent,
  START,
  STREAM_NAME,
  StreamNotFoundError,
  SubscribeToAllOptions,
  UnavailableError,
  WrongExpectedVersionError,
} from '@kurrent/kurrentdb-client';
import { NewEvent, StoredEvent, StoreUnavailableError, StreamConflictError } from '../event-store';
import { KurrentClient, KurrentSubscription } from './client';
import { ReadTimeoutError } from './errors';
import { KurrentDbEventStore, KurrentDbEventStoreOptions } from './kurrentdb-event-store';

// ---------------------------------------------------------------------------------------------
// The fake client

interface FakeRecord {
  streamId: string;
  id: string;
  revision: bigint;
  type: string;
  data: unknown;
  metadata: unknown;
  isJson: boolean;
  created: Date;
  position: Position;
}

interface SeedEvent {
  id?: string;
  type?: string;
  data?: unknown;
  metadata?: unknown;
  position?: Position;
}

type Operation = 'append' | 'readStream' | 'readAll' | 'subscribe';

class FakeKurrent implements KurrentClient {
  readonly log: FakeRecord[] = [];
  readonly appendCalls: Array<{ streamName: string; ids: string[]; streamState: AppendStreamState | undefined }> = [];
  readonly readStreamCalls: Array<KurrentReadStreamOptions & { streamName: string }> = [];
  readonly readAllCalls: KurrentReadAllOptions[] = [];
  readonly subscribeCalls: SubscribeToAllOptions[] = [];
  readonly subscriptions = new Set<FakeSubscription>();
  disposed = false;
  /** False imitates a server that ignores filters, to show the adapter filters again on its side. */
  applyFilters = true;
  /** Imitates a server whose batch acknowledgement carries the first event's position. */
  answerBatchesWithFirstPosition = false;
  /** Imitates `throwOnAppendFailure=false`: a wrong expected version is reported, not thrown. */
  reportAppendFailures = false;
  private nextPosition = 1000n;
  private readonly failures = new Map<Operation, Array<() => Error | 'stall'>>();
  private readonly beforeAppend: Array<() => void> = [];
  private readonly afterWrite: Array<() => void> = [];

  /** The next `times` calls of `operation` fail with `error` (or never answer, for 'stall'). */
  failNext(operation: Operation, error: () => Error | 'stall', times = 1): void {
    const queue = this.failures.get(operation) ?? [];
    for (let i = 0; i < times; i++) queue.push(error);
    this.failures.set(operation, queue);
  }

  /** Runs `action` just before the next append is processed (another writer, a late packet). */
  beforeNextAppend(action: () => void): void {
    this.beforeAppend.push(action);
  }

  /** The next append is written, and then its answer is lost. */
  loseNextAnswerAfterWriting(): void {
    this.afterWrite.push(() => {
      throw new UnavailableError();
    });
  }

  /** The next append fails in transit and only reaches the server just before the following one. */
  delayNextAppendPastItsFailure(): void {
    this.failNext('append', () => {
      const [call] = this.appendCalls.slice(-1);
      const events = this.pendingEvents.get(call) ?? [];
      this.beforeNextAppend(() => this.serverAppend(call.streamName, events, call.streamState));
      return new UnavailableError();
    });
  }

  private readonly pendingEvents = new Map<object, EventData[]>();

  async appendToStream(streamName: string, events: EventData[], options: AppendToStreamOptions): Promise<KurrentAppendResult> {
    const call = { streamName, ids: events.map((event) => event.id), streamState: options.streamState };
    this.appendCalls.push(call);
    this.pendingEvents.set(call, events);
    this.beforeAppend.splice(0).forEach((action) => action());
    this.throwIfFailing('append');
    const result = this.serverAppend(streamName, events, options.streamState);
    this.afterWrite.splice(0, 1).forEach((action) => action());
    return result;
  }

  readStream(streamName: string, options: KurrentReadStreamOptions): AsyncIterable<ResolvedEvent> {
    this.readStreamCalls.push({ streamName, ...options });
    return this.iterate('readStream', () => {
      const stream = this.log.filter((record) => record.streamId === streamName);
      if (stream.length === 0) throw new StreamNotFoundError(undefined, streamName);
      const from = typeof options.fromRevision === 'bigint' ? options.fromRevision : 0n;
      return limit(
        stream.filter((record) => record.revision >= from),
        options.maxCount,
      ).map((record) => ({ event: record }) as ResolvedEvent);
    });
  }

  readAll(options: KurrentReadAllOptions): AsyncIterable<AllStreamResolvedEvent> {
    this.readAllCalls.push(options);
    return this.iterate('readAll', () => {
      const visible = this.log.filter((record) => !this.applyFilters || passes(options.filter, record));
      const selected =
        options.direction === FORWARDS || options.direction === undefined
          ? forwardsFrom(visible, options.fromPosition ?? START)
          : backwardsFrom(visible, options.fromPosition ?? END);
      return limit(selected, options.maxCount).map((record) => ({ event: record }) as AllStreamResolvedEvent);
    });
  }

  subscribeToAll(options: SubscribeToAllOptions): KurrentSubscription {
    this.subscribeCalls.push(options);
    const failure = this.takeFailure('subscribe');
    const subscription = new FakeSubscription(this, options, failure);
    this.subscriptions.add(subscription);
    return subscription;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
  }

  /** Writes events straight into the log, as another client (or the server itself) would. */
  write(streamId: string, events: SeedEvent[]): FakeRecord[] {
    const current = this.currentRevision(streamId);
    const records = events.map((event, index) => this.record(streamId, current + 1n + BigInt(index), event));
    this.log.push(...records);
    this.subscriptions.forEach((subscription) => subscription.wake());
    return records;
  }

  /** Every live subscription fails with `error` at its next step. */
  dropSubscriptions(error: Error): void {
    this.subscriptions.forEach((subscription) => subscription.fail(error));
  }

  inStream(streamId: string): FakeRecord[] {
    return this.log.filter((record) => record.streamId === streamId);
  }

  takeFailure(operation: Operation): (() => Error | 'stall') | undefined {
    return this.failures.get(operation)?.shift();
  }

  private serverAppend(streamName: string, events: EventData[], state: AppendStreamState | undefined): KurrentAppendResult {
    const current = this.currentRevision(streamName);
    const expected = state === NO_STREAM ? -1n : state;
    if (expected === ANY || expected === undefined || expected === current) return this.acknowledge(streamName, events);
    if (typeof expected === 'bigint' && expected < current && this.holdsBatchAfter(streamName, expected, events)) {
      // The server's idempotent answer: success, the last revision of the batch, no position.
      return { success: true, nextExpectedRevision: expected + BigInt(events.length), position: undefined };
    }
    const actual = current < 0n ? NO_STREAM : current;
    if (this.reportAppendFailures) return { success: false, nextExpectedRevision: current, position: undefined };
    throw new WrongExpectedVersionError(undefined, { streamName, expected: state ?? ANY, current: actual });
  }

  private acknowledge(streamName: string, events: EventData[]): KurrentAppendResult {
    const records = this.write(
      streamName,
      events.map((event) => ({ id: event.id, type: event.type, data: roundTrip(event.data), metadata: roundTrip(event.metadata) })),
    );
    const answered = this.answerBatchesWithFirstPosition ? records[0] : records[records.length - 1];
    return { success: true, nextExpectedRevision: records[records.length - 1].revision, position: answered.position };
  }

  private holdsBatchAfter(streamName: string, expected: bigint, events: EventData[]): boolean {
    const stream = this.inStream(streamName);
    return events.every((event, index) => stream[Number(expected) + 1 + index]?.id === event.id);
  }

  private currentRevision(streamId: string): bigint {
    return BigInt(this.inStream(streamId).length) - 1n;
  }

  private record(streamId: string, revision: bigint, event: SeedEvent): FakeRecord {
    this.nextPosition += 100n;
    return {
      streamId,
      id: event.id ?? randomUUID(),
      revision,
      type: event.type ?? 'Happened',
      data: 'data' in event ? event.data : {},
      metadata: event.metadata,
      isJson: true,
      created: new Date(0),
      position: event.position ?? { commit: this.nextPosition, prepare: this.nextPosition },
    };
  }

  private iterate<T>(operation: Operation, produce: () => T[]): AsyncIterable<T> {
    const failure = this.takeFailure(operation);
    return (async function* () {
      if (failure) {
        const error = failure();
        if (error === 'stall') await new Promise(() => undefined);
        else throw error;
      }
      yield* produce();
    })();
  }

  private throwIfFailing(operation: Operation): void {
    const failure = this.takeFailure(operation);
    const error = failure?.();
    if (error instanceof Error) throw error;
  }
}

class FakeSubscription implements KurrentSubscription {
  private next: number;
  private ended = false;
  private pendingError?: Error;
  private waiting?: () => void;

  constructor(
    private readonly fake: FakeKurrent,
    private readonly options: SubscribeToAllOptions,
    failure: (() => Error | 'stall') | undefined,
  ) {
    const from = options.fromPosition ?? START;
    // Subscription starts are exclusive: the first event delivered is the one after `from`.
    this.next = from === START ? 0 : from === END ? fake.log.length : fake.log.filter((r) => r.position.commit <= from.commit).length;
    const error = failure?.();
    if (error instanceof Error) this.pendingError = error;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<AllStreamResolvedEvent> {
    for (;;) {
      if (this.pendingError) throw this.pendingError;
      if (this.ended) return;
      const record = this.fake.log[this.next];
      if (!record) {
        await new Promise<void>((resolve) => (this.waiting = resolve));
        continue;
      }
      this.next += 1;
      if (!this.fake.applyFilters || passes(this.options.filter, record)) yield { event: record } as AllStreamResolvedEvent;
    }
  }

  async unsubscribe(): Promise<void> {
    this.ended = true;
    this.fake.subscriptions.delete(this);
    this.wake();
  }

  fail(error: Error): void {
    this.pendingError = error;
    this.fake.subscriptions.delete(this);
    this.wake();
  }

  wake(): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.();
  }
}

function passes(filter: Filter | undefined, record: FakeRecord): boolean {
  if (!filter) return true;
  const target = filter.filterOn === STREAM_NAME ? record.streamId : record.type;
  if ('prefixes' in filter) return filter.prefixes.some((prefix) => target.startsWith(prefix));
  return new RegExp(filter.regex).test(target);
}

/** Forward reads of $all include the event at the start position. */
function forwardsFrom(records: FakeRecord[], from: KurrentReadAllOptions['fromPosition']): FakeRecord[] {
  if (from === START || from === undefined) return records;
  if (from === END) return [];
  return records.filter((record) => record.position.commit >= from.commit);
}

/** Backward reads of $all exclude the event at the start position. */
function backwardsFrom(records: FakeRecord[], from: KurrentReadAllOptions['fromPosition']): FakeRecord[] {
  const reversed = [...records].reverse();
  if (from === END || from === undefined) return reversed;
  if (from === START) return [];
  return reversed.filter((record) => record.position.commit < from.commit);
}

function limit<T>(items: T[], maxCount: number | bigint | undefined): T[] {
  return maxCount === undefined ? items : items.slice(0, Number(maxCount));
}

/** What JSON storage does to a value. */
function roundTrip(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

// ---------------------------------------------------------------------------------------------
// Helpers

function newEvent(overrides: Partial<NewEvent> = {}): NewEvent {
  return {
    id: randomUUID(),
    type: 'AssessmentCompleted',
    data: { outcome: 'eligible', pence: 12_345 },
    metadata: { actor: { id: 'worker-1', role: 'caseWorker' }, occurredAt: '2025-01-02T03:04:05Z' },
    ...overrides,
  };
}

function setup(options: KurrentDbEventStoreOptions = {}) {
  const fake = new FakeKurrent();
  const sleeps: number[] = [];
  const store = new KurrentDbEventStore(fake, {
    retry: { initialMs: 1 },
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...options,
  });
  return { fake, store, sleeps };
}

async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  throw new Error(`timed out waiting for ${what}`);
}

// ---------------------------------------------------------------------------------------------

describe('KurrentDbEventStore', () => {
  describe('appending', () => {
    it('maps the expected revision onto the stream state: NO_STREAM, the revision as bigint, ANY only for any', async () => {
      const { fake, store } = setup();
      await store.appendToStream('journey-1', [newEvent()], 'no-stream');
      await store.appendToStream('journey-1', [newEvent()], 0);
      await store.appendToStream('journey-1', [newEvent()], 'any');

      expect(fake.appendCalls.map((call) => call.streamState)).toEqual([NO_STREAM, 0n, ANY]);
    });

    it('stores data and metadata as the JSON data and metadata of the event and answers with its revision and position', async () => {
      const { fake, store } = setup();
      const event = newEvent();
      const result = await store.appendToStream('journey-1', [event], 'no-stream');

      const [record] = fake.inStream('journey-1');
      expect(record).toMatchObject({ id: event.id, type: event.type, data: event.data, metadata: event.metadata });
      expect(result).toEqual({ nextRevision: 0, position: record.position.commit });
    });

    it('refuses ids that are not UUIDs before sending anything', async () => {
      const { fake, store } = setup();
      await expect(store.appendToStream('journey-1', [newEvent({ id: 'e1' })], 'no-stream')).rejects.toThrow(TypeError);
      expect(fake.appendCalls).toHaveLength(0);
    });

    it('turns the server WrongExpectedVersionError into a StreamConflictError with numbers', async () => {
      const { fake, store } = setup();
      await store.appendToStream('journey-1', [newEvent()], 'no-stream');
      // Another writer gets in between this append's read and its write.
      fake.beforeNextAppend(() => fake.write('journey-1', [{}]));

      const error = await store.appendToStream('journey-1', [newEvent()], 0).catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(StreamConflictError);
      expect(error).toMatchObject({ streamId: 'journey-1', expected: 0, actual: 1 });
      expect(fake.inStream('journey-1')).toHaveLength(2);
    });

    it("reports a stream the server says does not exist as 'no-stream'", async () => {
      const { fake, store } = setup();
      fake.failNext(
        'append',
        () => new WrongExpectedVersionError(undefined, { streamName: 'journey-1', expected: 4n, current: NO_STREAM }),
      );

      await expect(store.appendToStream('journey-1', [newEvent()], 'any')).rejects.toMatchObject({
        expected: 'any',
        actual: 'no-stream',
      });
    });

    it('treats a failure reported instead of thrown (throwOnAppendFailure=false) as the same conflict', async () => {
      const { fake, store } = setup();
      await store.appendToStream('journey-1', [newEvent()], 'no-stream');
      fake.reportAppendFailures = true;
      fake.beforeNextAppend(() => fake.write('journey-1', [{}]));

      await expect(store.appendToStream('journey-1', [newEvent()], 0)).rejects.toMatchObject({ expected: 0, actual: 1 });
    });

    it('answers a conflict it can already see in the stream without writing', async () => {
      const { fake, store } = setup();
      await store.appendToStream('journey-1', [newEvent()], 'no-stream');
      await store.appendToStream('journey-1', [newEvent()], 0);

      await expect(store.appendToStream('journey-1', [newEvent()], 0)).rejects.toMatchObject({ expected: 0, actual: 1 });
      await expect(store.appendToStream('journey-2', [newEvent()], 3)).rejects.toMatchObject({ actual: 'no-stream' });
      expect(fake.appendCalls).toHaveLength(2);
    });

    it('returns the original result for a repeat of the same batch, writing nothing', async () => {
      const { fake, store } = setup();
      const batch = [newEvent(), newEvent()];
      const first = await store.appendToStream('journey-1', batch, 'no-stream');

      const again = await store.appendToStream('journey-1', batch, 'no-stream');

      expect(again).toEqual(first);
      expect(fake.inStream('journey-1')).toHaveLength(2);
      expect(fake.appendCalls).toHaveLength(1);
    });

    it('refuses an id the stream already holds elsewhere, even at the current revision the server would accept', async () => {
      const { fake, store } = setup();
      const first = newEvent();
      await store.appendToStream('journey-1', [first], 'no-stream');

      await expect(store.appendToStream('journey-1', [first], 0)).rejects.toBeInstanceOf(StreamConflictError);
      await expect(store.appendToStream('journey-1', [newEvent(), first], 0)).rejects.toBeInstanceOf(StreamConflictError);
      expect(fake.inStream('journey-1').map((record) => record.id)).toEqual([first.id]);
    });

    it('recognises ids whatever their case, as the server hands them back in lower case', async () => {
      const { fake, store } = setup();
      const event = newEvent({ id: randomUUID().toUpperCase() });
      fake.write('journey-1', [{ id: event.id.toLowerCase() }]);

      await expect(store.appendToStream('journey-1', [event], 'no-stream')).resolves.toMatchObject({ nextRevision: 0 });
      expect(fake.appendCalls).toHaveLength(0);
    });

    it('reads the last event back for the position of a batch, rather than trusting the acknowledgement', async () => {
      const { fake, store } = setup();
      fake.answerBatchesWithFirstPosition = true;

      const result = await store.appendToStream('journey-1', [newEvent(), newEvent(), newEvent()], 'no-stream');

      const records = fake.inStream('journey-1');
      expect(result).toEqual({ nextRevision: 2, position: records[2].position.commit });
    });

    it('takes the position of a single new event from the acknowledgement, with no extra read', async () => {
      const { fake, store } = setup();
      await store.appendToStream('journey-1', [newEvent()], 'no-stream');
      expect(fake.readStreamCalls).toHaveLength(1); // only the read that checks the ids
    });
  });

  describe('appends whose outcome is unknown', () => {
    it('recognises a batch the failed attempt did write, and writes it only once', async () => {
      const { fake, store, sleeps } = setup();
      const event = newEvent();
      fake.loseNextAnswerAfterWriting();

      const result = await store.appendToStream('journey-1', [event], 'no-stream');

      const records = fake.inStream('journey-1');
      expect(records.map((record) => record.id)).toEqual([event.id]);
      expect(result).toEqual({ nextRevision: 0, position: records[0].position.commit });
      expect(sleeps).toEqual([1]);
    });

    it('sends the same ids at the same expected revision again, and the server de-duplicates a late first attempt', async () => {
      const { fake, store } = setup();
      await store.appendToStream('journey-1', [newEvent()], 'no-stream');
      const batch = [newEvent(), newEvent()];
      fake.delayNextAppendPastItsFailure();

      const result = await store.appendToStream('journey-1', batch, 0);

      const [, retry] = fake.appendCalls.slice(-2);
      const [, failed] = fake.appendCalls.slice(-3);
      expect(retry).toEqual(failed);
      expect(retry).toMatchObject({ ids: batch.map((event) => event.id), streamState: 0n });
      const records = fake.inStream('journey-1');
      expect(records.map((record) => record.id)).toEqual([records[0].id, ...batch.map((event) => event.id)]);
      expect(result).toEqual({ nextRevision: 2, position: records[2].position.commit });
    });

    it('gives up after five attempts, waiting 1, 2, 4 and 8 between them, with StoreUnavailableError', async () => {
      const { fake, store, sleeps } = setup();
      fake.failNext('append', () => new DeadlineExceededError(), 5);

      const error = await store.appendToStream('journey-1', [newEvent()], 'no-stream').catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as StoreUnavailableError).cause).toBeInstanceOf(DeadlineExceededError);
      expect(fake.appendCalls).toHaveLength(5);
      expect(new Set(fake.appendCalls.map((call) => call.ids[0])).size).toBe(1);
      expect(sleeps).toEqual([1, 2, 4, 8]);
      expect(fake.inStream('journey-1')).toHaveLength(0);
    });

    it('retries a raw gRPC UNAVAILABLE, which is what the client throws when an append cannot connect', async () => {
      const { fake, store, sleeps } = setup();
      // A ServiceError as @grpc/grpc-js makes it: an Error with the numeric status code 14.
      const refused = Object.assign(new Error('14 UNAVAILABLE: No connection established'), { code: 14, details: '' });
      fake.failNext('append', () => refused);

      await expect(store.appendToStream('journey-1', [newEvent()], 'no-stream')).resolves.toMatchObject({ nextRevision: 0 });
      expect(sleeps).toEqual([1]);
    });

    it('does not retry an error that another attempt cannot fix', async () => {
      const { fake, store, sleeps } = setup();
      fake.failNext('append', () => new AccessDeniedError());

      await expect(store.appendToStream('journey-1', [newEvent()], 'no-stream')).rejects.toBeInstanceOf(AccessDeniedError);
      expect(fake.appendCalls).toHaveLength(1);
      expect(sleeps).toEqual([]);
    });
  });

  describe('reading a stream', () => {
    it('returns the events in revision order, and an empty array for a stream that does not exist', async () => {
      const { store } = setup();
      const batch = [newEvent({ type: 'ReferralReceived' }), newEvent()];
      await store.appendToStream('journey-1', batch, 'no-stream');

      const events = await store.readStream('journey-1');

      expect(events.map(({ id, type, revision, streamId }) => ({ id, type, revision, streamId }))).toEqual([
        { id: batch[0].id, type: 'ReferralReceived', revision: 0, streamId: 'journey-1' },
        { id: batch[1].id, type: batch[1].type, revision: 1, streamId: 'journey-1' },
      ]);
      await expect(store.readStream('journey-404')).resolves.toEqual([]);
    });

    it('reads up to and including toRevision', async () => {
      const { store } = setup();
      await store.appendToStream('journey-1', [newEvent(), newEvent(), newEvent()], 'no-stream');
      await expect(store.readStream('journey-1', { toRevision: 1 })).resolves.toHaveLength(2);
    });

    it('retries unavailable and deadline errors with doubling waits', async () => {
      const { fake, store, sleeps } = setup();
      await store.appendToStream('journey-1', [newEvent()], 'no-stream');
      fake.failNext('readStream', () => new UnavailableError());
      fake.failNext('readStream', () => new DeadlineExceededError());

      await expect(store.readStream('journey-1')).resolves.toHaveLength(1);
      expect(sleeps).toEqual([1, 2]);
    });

    it('gives up on a read that never answers, through its own timeout and the retries', async () => {
      const { fake, store, sleeps } = setup({ readTimeoutMs: 5, retry: { attempts: 3, initialMs: 1 } });
      fake.failNext('readStream', () => 'stall', 3);

      const error = await store.readStream('journey-1').catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as StoreUnavailableError).cause).toBeInstanceOf(ReadTimeoutError);
      expect(sleeps).toEqual([1, 2]);
    });

    it('decodes metadata stored as JSON bytes, and missing metadata as an empty object', async () => {
      const { fake, store } = setup();
      const bytes = new TextEncoder().encode(JSON.stringify({ actor: { id: 'worker-9' } }));
      fake.write('journey-1', [{ metadata: bytes }, { metadata: undefined }]);

      const [asBytes, missing] = await store.readStream('journey-1');

      expect(asBytes.metadata).toEqual({ actor: { id: 'worker-9' } });
      expect(missing.metadata).toEqual({});
    });

    it('refuses data or metadata that is not a JSON object', async () => {
      const { fake, store } = setup();
      fake.write('journey-1', [{ data: 'not json {' }]);
      fake.write('journey-2', [{ metadata: new TextEncoder().encode('[1, 2]') }]);

      await expect(store.readStream('journey-1')).rejects.toThrow(SyntaxError);
      await expect(store.readStream('journey-1')).rejects.toThrow(/data is not a JSON object/);
      await expect(store.readStream('journey-2')).rejects.toThrow(/metadata is not a JSON object/);
    });

    it('refuses an event whose commit and prepare positions differ (a legacy explicit transaction)', async () => {
      const { fake, store } = setup();
      fake.write('journey-1', [{ position: { commit: 5000n, prepare: 4900n } }]);
      await expect(store.readStream('journey-1')).rejects.toThrow(/legacy explicit transaction/);
    });
  });

  describe('reading $all', () => {
    it('starts strictly after `after`, although the server read it asks for includes that position', async () => {
      const { fake, store } = setup();
      await store.appendToStream('journey-1', [newEvent(), newEvent(), newEvent()], 'no-stream');
      const [first, second, third] = fake.inStream('journey-1');

      const events = await store.readAll({ after: first.position.commit });

      expect(events.map((event) => event.id)).toEqual([second.id, third.id]);
      expect(fake.readAllCalls[0].fromPosition).toEqual(first.position);
    });

    it('starts from the beginning without `after` or with -1n', async () => {
      const { fake, store } = setup();
      await store.appendToStream('journey-1', [newEvent()], 'no-stream');

      await expect(store.readAll()).resolves.toHaveLength(1);
      await expect(store.readAll({ after: -1n })).resolves.toHaveLength(1);
      expect(fake.readAllCalls.map((call) => call.fromPosition)).toEqual([START, START]);
    });

    it('asks the server for the stream-name prefix and keeps only those streams', async () => {
      const { fake, store } = setup();
      await store.appendToStream('journey-1', [newEvent()], 'no-stream');
      await store.appendToStream('scheduler-1', [newEvent()], 'no-stream');

      const events = await store.readAll({ streamPrefix: 'journey-' });

      expect(events.map((event) => event.streamId)).toEqual(['journey-1']);
      expect(fake.readAllCalls[0].filter).toMatchObject({ filterOn: STREAM_NAME, prefixes: ['journey-'] });
    });

    it('drops system events the server let through, and reads on until the page is full', async () => {
      const { fake, store } = setup();
      fake.applyFilters = false;
      fake.write('journey-1', [{}]);
      fake.write('$stats-127.0.0.1:2113', [{ type: '$statsCollected' }, { type: '$statsCollected' }]);
      fake.write('journey-1', [{ type: '$streamDeleted' }]);
      fake.write('other-1', [{}]);
      fake.write('journey-2', [{}, {}]);

      const page = await store.readAll({ streamPrefix: 'journey-', maxCount: 2 });
      const everything = await store.readAll();

      expect(page.map((event) => `${event.streamId}@${event.revision}`)).toEqual(['journey-1@0', 'journey-2@0']);
      expect(everything.map((event) => event.streamId)).toEqual(['journey-1', 'other-1', 'journey-2', 'journey-2']);
      expect(fake.readAllCalls.length).toBeGreaterThan(2);
    });

    it('excludes system event types on the server when there is no prefix', async () => {
      const { fake, store } = setup();
      await store.readAll();
      expect(fake.readAllCalls[0].filter).toMatchObject({ filterOn: 'eventType', regex: '^[^$].*' });
    });

    it('retries a failed page', async () => {
      const { fake, store, sleeps } = setup();
      await store.appendToStream('journey-1', [newEvent()], 'no-stream');
      fake.failNext('readAll', () => new UnavailableError());

      await expect(store.readAll()).resolves.toHaveLength(1);
      expect(sleeps).toEqual([1]);
    });

    it('keeps stores in different namespaces apart on one server', async () => {
      const fake = new FakeKurrent();
      const mine = new KurrentDbEventStore(fake, { streamNamespace: 'run-a:' });
      const theirs = new KurrentDbEventStore(fake, { streamNamespace: 'run-b:' });
      await mine.appendToStream('journey-1', [newEvent()], 'no-stream');
      await theirs.appendToStream('journey-1', [newEvent()], 'no-stream');

      const events = await mine.readAll({ streamPrefix: 'journey-' });

      expect(events.map((event) => event.streamId)).toEqual(['journey-1']);
      expect(fake.log.map((record) => record.streamId)).toEqual(['run-a:journey-1', 'run-b:journey-1']);
      expect(await mine.headPosition()).toBe(fake.log[0].position.commit);
    });
  });

  describe('headPosition', () => {
    it('is -1n for an empty store', async () => {
      const { store } = setup();
      await expect(store.headPosition()).resolves.toBe(-1n);
    });

    it('is the position of the last engine event, past any number of system events after it', async () => {
      const { fake, store } = setup();
      fake.applyFilters = false;
      await store.appendToStream('journey-1', [newEvent(), newEvent()], 'no-stream');
      fake.write(
        '$stats-127.0.0.1:2113',
        Array.from({ length: 40 }, () => ({ type: '$statsCollected' })),
      );

      await expect(store.headPosition()).resolves.toBe(fake.inStream('journey-1')[1].position.commit);
    });
  });

  describe('subscribe', () => {
    it('catches up strictly after `after`, then follows new events, one at a time', async () => {
      const { fake, store } = setup();
      await store.appendToStream('journey-1', [newEvent(), newEvent()], 'no-stream');
      const [first] = fake.inStream('journey-1');
      const seen: StoredEvent[] = [];
      let inFlight = 0;
      let maxInFlight = 0;

      const subscription = store.subscribe({ after: first.position.commit, streamPrefix: 'journey-' }, async (event) => {
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 1));
        seen.push(event);
        inFlight -= 1;
      });
      await eventually(() => seen.length === 1, 'the catch-up event');
      await store.appendToStream('journey-1', [newEvent(), newEvent()], 1);
      await store.appendToStream('other-1', [newEvent()], 'no-stream');
      await eventually(() => seen.length === 3, 'the live events');
      await subscription.close();

      expect(seen.map((event) => event.revision)).toEqual([1, 2, 3]);
      expect(maxInFlight).toBe(1);
      expect(fake.subscribeCalls[0]).toMatchObject({ fromPosition: first.position, filter: { prefixes: ['journey-'] } });
    });

    it('subscribes again after a transient drop, from the last delivered event, with no repeat and no gap', async () => {
      const { fake, store, sleeps } = setup();
      await store.appendToStream('journey-1', [newEvent(), newEvent()], 'no-stream');
      const seen: number[] = [];
      const subscription = store.subscribe({}, (event) => {
        seen.push(event.revision);
      });
      await eventually(() => seen.length === 2, 'the first two events');

      fake.dropSubscriptions(new UnavailableError());
      await store.appendToStream('journey-1', [newEvent()], 1);
      await eventually(() => seen.length === 3, 'the event after the drop');
      await subscription.close();

      expect(seen).toEqual([0, 1, 2]);
      expect(fake.subscribeCalls[1].fromPosition).toEqual(fake.inStream('journey-1')[1].position);
      expect(sleeps).toEqual([1]);
    });

    it('stops and reports when the handler throws', async () => {
      const { store } = setup();
      await store.appendToStream('journey-1', [newEvent(), newEvent()], 'no-stream');
      const failure = new Error('projection broke');
      const seen: number[] = [];
      const errors: unknown[] = [];

      store.subscribe(
        {},
        (event) => {
          seen.push(event.revision);
          throw failure;
        },
        (error) => errors.push(error),
      );
      await eventually(() => errors.length === 1, 'the reported error');
      await store.appendToStream('journey-1', [newEvent()], 1);
      await new Promise((resolve) => setTimeout(resolve, 10));

      expect(errors).toEqual([failure]);
      expect(seen).toEqual([0]);
    });

    it('reports StoreUnavailableError after the bounded retries of a subscription that keeps failing', async () => {
      const { fake, store, sleeps } = setup();
      fake.failNext('subscribe', () => new UnavailableError(), 5);
      const errors: unknown[] = [];

      store.subscribe(
        {},
        () => undefined,
        (error) => errors.push(error),
      );
      await eventually(() => errors.length === 1, 'the reported error');

      expect(errors[0]).toBeInstanceOf(StoreUnavailableError);
      expect(fake.subscribeCalls).toHaveLength(5);
      expect(sleeps).toEqual([1, 2, 4, 8]);
    });

    it('can be closed from inside its own handler', async () => {
      const { store } = setup();
      await store.appendToStream('journey-1', [newEvent(), newEvent()], 'no-stream');
      const seen: number[] = [];
      const subscription = store.subscribe({}, async (event) => {
        seen.push(event.revision);
        await subscription.close();
      });

      await eventually(() => seen.length === 1, 'the first event');
      await subscription.close();
      expect(seen).toEqual([0]);
    });
  });

  describe('ping and close', () => {
    it('pings by reading one event of $all', async () => {
      const { fake, store } = setup();
      await expect(store.ping()).resolves.toBeUndefined();
      expect(fake.readAllCalls[0]).toMatchObject({ maxCount: 1, fromPosition: END });
    });

    it('fails the ping with StoreUnavailableError when the server fails or does not answer', async () => {
      const { fake, store } = setup({ pingTimeoutMs: 5 });
      fake.failNext('readAll', () => new UnavailableError());
      await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
      fake.failNext('readAll', () => 'stall');
      await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
    });

    it('closes its subscriptions, disposes of the client and refuses further use', async () => {
      const { fake, store } = setup();
      store.subscribe({}, () => undefined);
      await eventually(() => fake.subscriptions.size === 1, 'the subscription');

      await store.close();

      expect(fake.subscriptions.size).toBe(0);
      expect(fake.disposed).toBe(true);
      await expect(store.readStream('journey-1')).rejects.toBeInstanceOf(StoreUnavailableError);
    });
  });

  it('by default tries five times, waiting 100, 200, 400 and 800 ms between them', async () => {
    const { fake, store, sleeps } = setup({ retry: {} });
    fake.failNext('readStream', () => new UnavailableError(), 5);

    await expect(store.readStream('journey-1')).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(fake.readStreamCalls).toHaveLength(5);
    expect(sleeps).toEqual([100, 200, 400, 800]);
  });
});
