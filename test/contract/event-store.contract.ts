/**
 * The one contract every EventStore adapter must pass (memory, SQLite, KurrentDB).
 *
 * Written so that a networked, shared store can pass it too: nothing relies on synchronous
 * behaviour, every test uses its own streams (`journey-<uuid>...`), and global reads and
 * subscriptions start from the head seen before the test and filter on the test's own prefix,
 * because a shared server holds other events.
 */
import { randomUUID } from 'node:crypto';
import { AppendResult, EventStore, NewEvent, StoredEvent, StreamConflictError, Subscription } from '../../src/event-store/event-store';

export type EventStoreFactory = () => Promise<{ store: EventStore; cleanup: () => Promise<void> }>;

export function describeEventStoreContract(name: string, makeStore: EventStoreFactory): void {
  describe(`EventStore contract: ${name}`, () => {
    let store: EventStore;
    let cleanup: (() => Promise<void>) | undefined;
    const subscriptions: Subscription[] = [];

    beforeEach(async () => {
      ({ store, cleanup } = await makeStore());
    });

    afterEach(async () => {
      await Promise.all(subscriptions.splice(0).map((subscription) => subscription.close()));
      await cleanup?.();
      cleanup = undefined;
    });

    /** Subscribes and remembers the subscription so that a failing test still closes it. */
    function follow(...args: Parameters<EventStore['subscribe']>): Subscription {
      const subscription = store.subscribe(...args);
      subscriptions.push(subscription);
      return subscription;
    }

    describe('appending', () => {
      it("creates a stream with 'no-stream' and numbers its events from 0", async () => {
        const stream = streamId();
        const events = [newEvent('ReferralReceived'), newEvent('AssessmentStarted')];

        const result = await store.appendToStream(stream, events, 'no-stream');

        expect(result.nextRevision).toBe(1);
        const stored = await store.readStream(stream);
        expect(stored).toEqual([
          { ...events[0], streamId: stream, revision: 0, position: expect.any(BigInt) },
          { ...events[1], streamId: stream, revision: 1, position: result.position },
        ]);
      });

      it("refuses a second 'no-stream' append and reports where the stream is", async () => {
        const stream = streamId();
        await store.appendToStream(stream, [newEvent('ReferralReceived')], 'no-stream');

        const attempt = store.appendToStream(stream, [newEvent('ReferralReceived')], 'no-stream');

        await expect(attempt).rejects.toBeInstanceOf(StreamConflictError);
        await expect(attempt).rejects.toMatchObject({ streamId: stream, expected: 'no-stream', actual: 0 });
        expect(await store.readStream(stream)).toHaveLength(1);
      });

      it('appends at the exact current revision and refuses a stale one', async () => {
        const stream = streamId();
        await store.appendToStream(stream, [newEvent('A'), newEvent('B')], 'no-stream');

        const next = await store.appendToStream(stream, [newEvent('C')], 1);
        expect(next.nextRevision).toBe(2);

        const stale = store.appendToStream(stream, [newEvent('D')], 1);
        await expect(stale).rejects.toBeInstanceOf(StreamConflictError);
        await expect(stale).rejects.toMatchObject({ streamId: stream, expected: 1, actual: 2 });
        expect((await store.readStream(stream)).map((event) => event.type)).toEqual(['A', 'B', 'C']);
      });

      it("refuses an exact revision on a stream that does not exist, reporting 'no-stream'", async () => {
        const stream = streamId();

        const attempt = store.appendToStream(stream, [newEvent('A')], 0);

        await expect(attempt).rejects.toMatchObject({ name: 'StreamConflictError', expected: 0, actual: 'no-stream' });
        expect(await store.readStream(stream)).toEqual([]);
      });

      it("appends with 'any' whether or not the stream exists", async () => {
        const stream = streamId();

        const first = await store.appendToStream(stream, [newEvent('A')], 'any');
        const second = await store.appendToStream(stream, [newEvent('B'), newEvent('C')], 'any');

        expect(first.nextRevision).toBe(0);
        expect(second.nextRevision).toBe(2);
        expect((await store.readStream(stream)).map((event) => event.revision)).toEqual([0, 1, 2]);
      });

      it('writes a batch atomically: a conflicting batch writes none of its events', async () => {
        const stream = streamId();
        await store.appendToStream(stream, [newEvent('A')], 'no-stream');
        const headBefore = await store.headPosition();

        const batch = [newEvent('B'), newEvent('C'), newEvent('D')];
        await expect(store.appendToStream(stream, batch, 5)).rejects.toBeInstanceOf(StreamConflictError);

        expect((await store.readStream(stream)).map((event) => event.type)).toEqual(['A']);
        const written = await store.readAll({ after: headBefore, streamPrefix: stream });
        expect(written).toEqual([]);
      });

      it('refuses a batch that repeats an event id and writes nothing', async () => {
        const stream = streamId();
        const event = newEvent('A');

        await expect(store.appendToStream(stream, [event, { ...event, type: 'B' }], 'no-stream')).rejects.toThrow();

        expect(await store.readStream(stream)).toEqual([]);
      });

      it('refuses an empty batch', async () => {
        await expect(store.appendToStream(streamId(), [], 'any')).rejects.toThrow();
      });
    });

    describe('reading a stream', () => {
      it('returns events in revision order, up to and including toRevision', async () => {
        const stream = streamId();
        await store.appendToStream(stream, [newEvent('A'), newEvent('B')], 'no-stream');
        await store.appendToStream(stream, [newEvent('C'), newEvent('D')], 1);

        const all = await store.readStream(stream);
        const firstThree = await store.readStream(stream, { toRevision: 2 });

        expect(all.map((event) => [event.revision, event.type])).toEqual([
          [0, 'A'],
          [1, 'B'],
          [2, 'C'],
          [3, 'D'],
        ]);
        expect(firstThree.map((event) => event.type)).toEqual(['A', 'B', 'C']);
        expect(await store.readStream(stream, { toRevision: 0 })).toEqual([all[0]]);
      });

      it('reads from fromRevision on, alone or with toRevision', async () => {
        const stream = streamId();
        await store.appendToStream(stream, [newEvent('A'), newEvent('B'), newEvent('C'), newEvent('D')], 'no-stream');

        expect((await store.readStream(stream, { fromRevision: 2 })).map((event) => event.type)).toEqual(['C', 'D']);
        expect((await store.readStream(stream, { fromRevision: 1, toRevision: 2 })).map((event) => event.type)).toEqual(['B', 'C']);
        expect(await store.readStream(stream, { fromRevision: 4 })).toEqual([]);
      });

      it('returns an empty array for a stream that does not exist', async () => {
        expect(await store.readStream(streamId())).toEqual([]);
      });

      it('gives data and metadata back as plain JSON equal to what was appended', async () => {
        const stream = streamId();
        const event: NewEvent = {
          id: randomUUID(),
          type: 'SupportPlanAgreed',
          data: {
            personName: 'Zoë Ó Briain — 日本語 🚀',
            budgetPence: 1234567,
            outcomes: [{ goal: 'live at home', supports: ['carer', { kind: 'equipment', ok: true }] }],
            notes: null,
            nested: { deeper: { deepest: { quote: 'She said "no".\n\tTabbed' } } },
          },
          metadata: {
            actor: { id: randomUUID(), role: 'social-worker', onBehalfOf: null },
            occurredAt: '2024-03-01T09:30:00.000Z',
            correlationId: randomUUID(),
            reason: 'Ελληνικά και العربية',
          },
        };

        await store.appendToStream(stream, [event], 'no-stream');
        const [stored] = await store.readStream(stream);

        expect(stored.data).toEqual(event.data);
        expect(stored.metadata).toEqual(event.metadata);
        expect(stored).toMatchObject({ id: event.id, type: event.type, streamId: stream, revision: 0 });
        expect(typeof stored.position).toBe('bigint');
      });
    });

    describe('idempotency by event id', () => {
      it('returns the original result for a repeat of the same batch at the same spot, writing nothing', async () => {
        const stream = streamId();
        const batch = [newEvent('A'), newEvent('B')];
        const original = await store.appendToStream(stream, batch, 'no-stream');

        const repeat = await store.appendToStream(stream, batch, 'no-stream');
        const repeatWithAny = await store.appendToStream(stream, batch, 'any');

        expect(repeat).toEqual(original);
        expect(repeatWithAny).toEqual(original);
        expect(await store.readStream(stream)).toHaveLength(2);
      });

      it('recognises a retried batch after the stream has moved on', async () => {
        const stream = streamId();
        const first = [newEvent('A'), newEvent('B')];
        const second = [newEvent('C')];
        const originalFirst = await store.appendToStream(stream, first, 'no-stream');
        const originalSecond = await store.appendToStream(stream, second, 1);
        await store.appendToStream(stream, [newEvent('D')], 2);

        expect(await store.appendToStream(stream, first, 'no-stream')).toEqual(originalFirst);
        expect(await store.appendToStream(stream, second, 1)).toEqual(originalSecond);
        expect(await store.appendToStream(stream, second, 'any')).toEqual(originalSecond);
        expect(await store.readStream(stream)).toHaveLength(4);
      });

      it('refuses an id the stream already holds at another spot and never stores it twice', async () => {
        const stream = streamId();
        const event = newEvent('A');
        await store.appendToStream(stream, [event, newEvent('B')], 'no-stream');

        const reused = store.appendToStream(stream, [{ ...event, type: 'Reused' }], 1);

        await expect(reused).rejects.toBeInstanceOf(StreamConflictError);
        const ids = (await store.readStream(stream)).map((stored) => stored.id);
        expect(ids.filter((id) => id === event.id)).toHaveLength(1);
        expect(ids).toHaveLength(2);
      });

      it('refuses a batch of which only some ids are already stored, writing none of it', async () => {
        const stream = streamId();
        const known = newEvent('A');
        await store.appendToStream(stream, [known], 'no-stream');
        const fresh = newEvent('B');

        await expect(store.appendToStream(stream, [known, fresh], 'no-stream')).rejects.toBeInstanceOf(StreamConflictError);
        await expect(store.appendToStream(stream, [known, fresh], 'any')).rejects.toBeInstanceOf(StreamConflictError);

        expect((await store.readStream(stream)).map((stored) => stored.id)).toEqual([known.id]);
      });
    });

    describe('reading all', () => {
      it('returns events of every stream in global order with strictly increasing positions', async () => {
        const prefix = streamId();
        const headBefore = await store.headPosition();
        const results = await appendInterleaved(store, prefix);

        const all = await store.readAll({ after: headBefore, streamPrefix: prefix });

        expect(all.map(describeEvent)).toEqual(INTERLEAVED_ORDER.map(([suffix, type]) => `${prefix}${suffix}:${type}`));
        expectStrictlyIncreasing(all.map((event) => event.position));
        expect(all[all.length - 1].position).toBe(results[results.length - 1].position);
      });

      it('starts strictly after the `after` position', async () => {
        const prefix = streamId();
        const headBefore = await store.headPosition();
        await appendInterleaved(store, prefix);
        const all = await store.readAll({ after: headBefore, streamPrefix: prefix });

        const rest = await store.readAll({ after: all[2].position, streamPrefix: prefix });

        expect(rest).toEqual(all.slice(3));
      });

      it('pages with maxCount over every event, none missed and none repeated', async () => {
        const prefix = streamId();
        const headBefore = await store.headPosition();
        await appendInterleaved(store, prefix);

        const seen: StoredEvent[] = [];
        let after = headBefore;
        for (let pages = 0; pages < 1000; pages++) {
          const page = await store.readAll({ after, maxCount: 2 });
          if (page.length === 0) break;
          expect(page.length).toBeLessThanOrEqual(2);
          seen.push(...page);
          after = page[page.length - 1].position;
        }

        expectStrictlyIncreasing(seen.map((event) => event.position));
        const ours = seen.filter((event) => event.streamId.startsWith(prefix));
        expect(ours).toEqual(await store.readAll({ after: headBefore, streamPrefix: prefix }));
        expect(ours).toHaveLength(INTERLEAVED_ORDER.length);
      });

      it('pages with maxCount under a stream prefix', async () => {
        const prefix = streamId();
        const headBefore = await store.headPosition();
        await appendInterleaved(store, prefix);

        const firstPage = await store.readAll({ after: headBefore, maxCount: 4, streamPrefix: prefix });
        const secondPage = await store.readAll({
          after: firstPage[firstPage.length - 1].position,
          maxCount: 4,
          streamPrefix: prefix,
        });

        expect(firstPage).toHaveLength(4);
        expect([...firstPage, ...secondPage].map(describeEvent)).toEqual(
          INTERLEAVED_ORDER.map(([suffix, type]) => `${prefix}${suffix}:${type}`),
        );
      });

      it('keeps only streams whose name starts with streamPrefix', async () => {
        const prefix = streamId();
        const headBefore = await store.headPosition();
        await store.appendToStream(`${prefix}-journey-1`, [newEvent('A')], 'no-stream');
        await store.appendToStream(`${prefix}-other-1`, [newEvent('B')], 'no-stream');
        await store.appendToStream(`${prefix}-journey-2`, [newEvent('C')], 'no-stream');

        const journeys = await store.readAll({ after: headBefore, streamPrefix: `${prefix}-journey-` });

        expect(journeys.map((event) => event.streamId)).toEqual([`${prefix}-journey-1`, `${prefix}-journey-2`]);
      });
    });

    describe('head position', () => {
      it('moves to the position of the last append', async () => {
        const before = await store.headPosition();
        const result = await store.appendToStream(streamId(), [newEvent('A'), newEvent('B')], 'no-stream');
        const after = await store.headPosition();

        expect(result.position).toBeGreaterThan(before);
        expect(after).toBeGreaterThanOrEqual(result.position);
      });

      it('answers ping when ready', async () => {
        await expect(store.ping()).resolves.toBeUndefined();
      });
    });

    describe('subscribing', () => {
      it('catches up from `after`, then delivers live events, in global order', async () => {
        const prefix = streamId();
        const headBefore = await store.headPosition();
        await appendInterleaved(store, prefix);
        const received: StoredEvent[] = [];

        follow({ after: headBefore, streamPrefix: prefix }, (event) => {
          received.push(event);
        });
        await waitFor(() => received.length === INTERLEAVED_ORDER.length, 'catch-up');
        await store.appendToStream(`${prefix}-a`, [newEvent('Live1')], 'any');
        await store.appendToStream(`${prefix}-c`, [newEvent('Live2')], 'any');
        await waitFor(() => received.length === INTERLEAVED_ORDER.length + 2, 'live events');

        expect(received).toEqual(await store.readAll({ after: headBefore, streamPrefix: prefix }));
        expect(received.slice(-2).map((event) => event.type)).toEqual(['Live1', 'Live2']);
      });

      it('starts from the beginning when `after` is omitted', async () => {
        const prefix = streamId();
        await store.appendToStream(`${prefix}-a`, [newEvent('A'), newEvent('B')], 'no-stream');
        const received: StoredEvent[] = [];

        follow({ streamPrefix: prefix }, (event) => {
          received.push(event);
        });

        await waitFor(() => received.length === 2, 'both events');
        expect(received.map((event) => event.type)).toEqual(['A', 'B']);
      });

      it('misses and repeats nothing when events are appended during catch-up', async () => {
        const prefix = streamId();
        const headBefore = await store.headPosition();
        const history = await appendMany(store, prefix, 30);
        const received: StoredEvent[] = [];

        follow({ after: headBefore, streamPrefix: prefix }, async (event) => {
          received.push(event);
          await pause(1); // a slow handler, so that catch-up is still running while we append
        });
        const live = await appendMany(store, prefix, 30);
        await waitFor(() => received.length >= history + live, 'all events');
        await pause(50);

        const expected = await store.readAll({ after: headBefore, streamPrefix: prefix, maxCount: 1000 });
        expect(expected).toHaveLength(history + live);
        expect(received.map((event) => event.id)).toEqual(expected.map((event) => event.id));
      });

      it('delivers an event appended by the handler itself while catching up', async () => {
        const prefix = streamId();
        const stream = `${prefix}-a`;
        const headBefore = await store.headPosition();
        await store.appendToStream(stream, [newEvent('A'), newEvent('B')], 'no-stream');
        const received: string[] = [];

        follow({ after: headBefore, streamPrefix: prefix }, async (event) => {
          received.push(event.type);
          if (event.type === 'A') await store.appendToStream(stream, [newEvent('FromHandler')], 1);
        });

        await waitFor(() => received.length === 3, 'three events');
        await pause(50);
        expect(received).toEqual(['A', 'B', 'FromHandler']);
      });

      it('awaits the handler before delivering the next event', async () => {
        const prefix = streamId();
        const headBefore = await store.headPosition();
        await appendMany(store, prefix, 5);
        let running = 0;
        let mostAtOnce = 0;
        let delivered = 0;

        follow({ after: headBefore, streamPrefix: prefix }, async () => {
          running += 1;
          mostAtOnce = Math.max(mostAtOnce, running);
          await pause(5);
          running -= 1;
          delivered += 1;
        });

        await waitFor(() => delivered === 5, 'five deliveries');
        expect(mostAtOnce).toBe(1);
      });

      it('stops delivering once closed', async () => {
        const prefix = streamId();
        const stream = `${prefix}-a`;
        const headBefore = await store.headPosition();
        const received: StoredEvent[] = [];
        const subscription = follow({ after: headBefore, streamPrefix: prefix }, (event) => {
          received.push(event);
        });
        await store.appendToStream(stream, [newEvent('Before')], 'no-stream');
        await waitFor(() => received.length === 1, 'first event');

        await subscription.close();
        await store.appendToStream(stream, [newEvent('After')], 0);
        await pause(500);

        expect(received.map((event) => event.type)).toEqual(['Before']);
      });

      it('reports a handler error to onError and stops that subscription', async () => {
        const prefix = streamId();
        const stream = `${prefix}-a`;
        const headBefore = await store.headPosition();
        const failure = new Error('projection broke');
        const errors: unknown[] = [];
        const received: string[] = [];

        follow(
          { after: headBefore, streamPrefix: prefix },
          (event) => {
            received.push(event.type);
            throw failure;
          },
          (error) => errors.push(error),
        );
        await store.appendToStream(stream, [newEvent('First')], 'no-stream');
        await waitFor(() => errors.length === 1, 'the error');
        await store.appendToStream(stream, [newEvent('Second')], 0);
        await pause(500);

        expect(errors).toEqual([failure]);
        expect(received).toEqual(['First']);
      });
    });

    describe('concurrent writers', () => {
      it('lets exactly one of 20 racing appends at the same revision win', async () => {
        const stream = streamId();
        await store.appendToStream(stream, [newEvent('Start')], 'no-stream');

        const outcomes = await Promise.allSettled(
          Array.from({ length: 20 }, (_, index) => store.appendToStream(stream, [newEvent(`Racer${index}`)], 0)),
        );

        const winners = outcomes.filter((outcome) => outcome.status === 'fulfilled');
        const losers = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
        expect(winners).toHaveLength(1);
        expect(losers).toHaveLength(19);
        losers.forEach((loser) => expect(loser.reason).toBeInstanceOf(StreamConflictError));
        expect(await store.readStream(stream)).toHaveLength(2);
      });

      it("lets 20 racing 'any' appends to one stream all land, each at its own revision", async () => {
        const stream = streamId();

        const results = await Promise.all(
          Array.from({ length: 20 }, (_, index) => store.appendToStream(stream, [newEvent(`E${index}`)], 'any')),
        );

        expect(results.map((result) => result.nextRevision).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, index) => index));
        const stored = await store.readStream(stream);
        expect(stored.map((event) => event.revision)).toEqual(Array.from({ length: 20 }, (_, index) => index));
        expectStrictlyIncreasing(stored.map((event) => event.position));
      });

      it('takes concurrent appends to different streams, each at its own position', async () => {
        const prefix = streamId();
        const headBefore = await store.headPosition();

        const results = await Promise.all(
          Array.from({ length: 20 }, (_, index) => store.appendToStream(`${prefix}-${index}`, [newEvent('A'), newEvent('B')], 'no-stream')),
        );

        expect(new Set(results.map((result) => result.position)).size).toBe(20);
        const all = await store.readAll({ after: headBefore, streamPrefix: prefix, maxCount: 1000 });
        expect(all).toHaveLength(40);
        expectStrictlyIncreasing(all.map((event) => event.position));
      });
    });
  });
}

/** Streams and types appended by appendInterleaved, in the global order they are written. */
const INTERLEAVED_ORDER: ReadonlyArray<[string, string]> = [
  ['-a', 'A1'],
  ['-a', 'A2'],
  ['-b', 'B1'],
  ['-a', 'A3'],
  ['-c', 'C1'],
  ['-c', 'C2'],
  ['-b', 'B2'],
];

/** Writes three streams under `prefix`, interleaved, one append after another. */
async function appendInterleaved(store: EventStore, prefix: string): Promise<AppendResult[]> {
  const results: AppendResult[] = [];
  results.push(await store.appendToStream(`${prefix}-a`, [newEvent('A1'), newEvent('A2')], 'no-stream'));
  results.push(await store.appendToStream(`${prefix}-b`, [newEvent('B1')], 'no-stream'));
  results.push(await store.appendToStream(`${prefix}-a`, [newEvent('A3')], 1));
  results.push(await store.appendToStream(`${prefix}-c`, [newEvent('C1'), newEvent('C2')], 'no-stream'));
  results.push(await store.appendToStream(`${prefix}-b`, [newEvent('B2')], 0));
  return results;
}

/** Appends `count` single-event batches spread over three streams; returns how many events it wrote. */
async function appendMany(store: EventStore, prefix: string, count: number): Promise<number> {
  for (let index = 0; index < count; index++) {
    await store.appendToStream(`${prefix}-${index % 3}`, [newEvent(`E${index}`)], 'any');
  }
  return count;
}

function streamId(): string {
  return `journey-${randomUUID()}`;
}

function newEvent(type: string, data: Record<string, unknown> = { at: type }): NewEvent {
  return { id: randomUUID(), type, data, metadata: { correlationId: randomUUID() } };
}

function describeEvent(event: StoredEvent): string {
  return `${event.streamId}:${event.type}`;
}

function expectStrictlyIncreasing(positions: bigint[]): void {
  positions.slice(1).forEach((position, index) => expect(position).toBeGreaterThan(positions[index]));
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await pause(10);
  }
}
