/**
 * store:copy's copy, through the port: memory to SQLite and SQLite to SQLite (CI has no KurrentDB;
 * a KurrentDB target goes through the same calls). Real sealed journeys from the test fixtures.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventStore, NewEvent, StoredEvent } from '../event-store/event-store';
import { MemoryEventStore } from '../event-store/memory-event-store';
import { SqliteEventStore } from '../event-store/sqlite/sqlite-event-store';
import { verifyChain } from '../integrity/hash-chain';
import { streamIdOf } from '../journeys/journey-records';
import { appendInterleaved, plannedJourneys, type PlannedJourney } from '../../test/projections/journey-fixtures';
import { chunkEvents, copyStreams, forEachConcurrently, scanStreams, TargetDivergedError } from './copy-streams';
import type { Progress } from './progress';
import { verifyCopy } from './verify-copy';

const journeys = plannedJourneys(25);
const TOTAL = journeys.reduce((sum, journey) => sum + journey.events.length, 0);

async function sourceWith(planned: readonly PlannedJourney[]): Promise<MemoryEventStore> {
  const store = new MemoryEventStore();
  await appendInterleaved(store, planned, 3);
  // A stream that is not a journey's stays where it is.
  await store.appendToStream(
    'other-stream',
    [{ id: '6f1d1b0e-5c3b-4b7a-8c1e-000000000001', type: 'Other', data: {}, metadata: {} }],
    'no-stream',
  );
  return store;
}

function stripPosition(events: readonly StoredEvent[]): Omit<StoredEvent, 'position'>[] {
  return events.map(({ position: _position, ...rest }) => rest);
}

async function expectSameStreams(source: EventStore, target: EventStore): Promise<void> {
  for (const journey of journeys) {
    const streamId = streamIdOf(journey.journeyId);
    const [original, copy] = await Promise.all([source.readStream(streamId), target.readStream(streamId)]);
    expect(copy).toHaveLength(journey.events.length);
    // Ids, types, data and metadata (actor, occurredAt, recordedAt, integrity) exactly; positions are the target's own.
    expect(stripPosition(copy)).toEqual(stripPosition(original));
    expect(verifyChain(copy)).toBeNull();
  }
}

describe('copyStreams', () => {
  let dir: string;
  const opened: EventStore[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'spe-copy-'));
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  function sqlite(name: string, options: { readonly?: boolean } = {}): SqliteEventStore {
    const store = new SqliteEventStore(join(dir, name), options);
    opened.push(store);
    return store;
  }

  it('copies memory to SQLite: every journey stream, ids, metadata and order kept, and nothing else', async () => {
    const source = await sourceWith(journeys);
    const target = sqlite('target.db');
    const result = await copyStreams(source, target, { batchSize: 4 });

    expect(result).toEqual({ streams: journeys.length, events: TOTAL, written: TOTAL, alreadyThere: 0, interrupted: false });
    await expectSameStreams(source, target);
    expect(await target.readStream('other-stream')).toEqual([]);
    expect((await verifyCopy(source, target)).streamsWithProblems).toBe(0);
  });

  it('copies SQLite to SQLite, from a source opened read-only', async () => {
    const seeded = sqlite('source.db');
    await appendInterleaved(seeded, journeys, 5);
    await seeded.close();
    const source = sqlite('source.db', { readonly: true });
    const target = sqlite('target.db');

    const result = await copyStreams(source, target, { concurrency: 3 });
    expect(result).toMatchObject({ streams: journeys.length, written: TOTAL, interrupted: false });
    await expectSameStreams(source, target);
  });

  it('stopped after some events, then run again: goes on where it stopped and writes every event exactly once', async () => {
    const source = await sourceWith(journeys);
    const target = sqlite('target.db');
    const controller = new AbortController();
    const stopAfter = Math.floor(TOTAL / 3);
    const first = await copyStreams(source, target, {
      batchSize: 3,
      concurrency: 4,
      signal: controller.signal,
      onProgress: (progress) => {
        if (progress.phase === 'copy' && progress.eventsDone >= stopAfter) controller.abort();
      },
    });
    expect(first.interrupted).toBe(true);
    expect(first.written).toBeGreaterThanOrEqual(stopAfter);
    expect(first.written).toBeLessThan(TOTAL);
    // Some streams were left part-way: the resumed run must append to them, not start them again.
    const partial = await Promise.all(journeys.map(async (journey) => (await target.readStream(streamIdOf(journey.journeyId))).length));
    expect(partial.some((length, index) => length > 0 && length < journeys[index].events.length)).toBe(true);

    const second = await copyStreams(source, target, { batchSize: 3 });
    expect(second.interrupted).toBe(false);
    expect(first.written + second.written).toBe(TOTAL);
    expect(second.alreadyThere).toBe(first.written);
    await expectSameStreams(source, target);
    expect((await verifyCopy(source, target)).streamsWithProblems).toBe(0);
  });

  it('run again over a complete copy: writes nothing', async () => {
    const source = await sourceWith(journeys);
    const target = sqlite('target.db');
    await copyStreams(source, target);
    const again = await copyStreams(source, target);
    expect(again).toEqual({ streams: journeys.length, events: TOTAL, written: 0, alreadyThere: TOTAL, interrupted: false });
  });

  it('recognises by id an append that landed on the target but whose answer was lost', async () => {
    const source = await sourceWith(journeys.slice(0, 1));
    const target = new MemoryEventStore();
    const streamId = streamIdOf(journeys[0].journeyId);
    // As if the first attempt's append of the first two events reached the target and the copy died before hearing so.
    await target.appendToStream(streamId, journeys[0].events.slice(0, 2), 'no-stream');

    const result = await copyStreams(source, target);
    expect(result).toMatchObject({ written: journeys[0].events.length - 2, alreadyThere: 2 });
    expect((await target.readStream(streamId)).map((event) => event.id)).toEqual(journeys[0].events.map((event) => event.id));
  });

  it('refuses a target stream that holds other events, and writes nothing to it', async () => {
    const source = await sourceWith(journeys.slice(0, 2));
    const target = new MemoryEventStore();
    const streamId = streamIdOf(journeys[1].journeyId);
    const forged: NewEvent = { ...journeys[1].events[0], id: '6f1d1b0e-5c3b-4b7a-8c1e-0000000000ff' };
    await target.appendToStream(streamId, [forged], 'no-stream');

    await expect(copyStreams(source, target, { concurrency: 1 })).rejects.toThrow(TargetDivergedError);
    expect(await target.readStream(streamId)).toHaveLength(1);
  });

  it('refuses a target event with a source id but other content (re-dated)', async () => {
    const source = await sourceWith(journeys.slice(0, 1));
    const target = new MemoryEventStore();
    const streamId = streamIdOf(journeys[0].journeyId);
    const [first] = journeys[0].events;
    await target.appendToStream(
      streamId,
      [{ ...first, metadata: { ...first.metadata, recordedAt: '2030-01-01T00:00:00.000Z' } }],
      'no-stream',
    );

    await expect(copyStreams(source, target)).rejects.toThrow(/revision 0 .*other type, data or metadata/);
  });

  it('reports progress with totals known after the scan', async () => {
    const source = await sourceWith(journeys);
    const reports: Progress[] = [];
    await copyStreams(source, new MemoryEventStore(), { onProgress: (progress) => reports.push(progress) });
    expect(reports[0]).toMatchObject({ phase: 'scan', streamsTotal: null });
    const copying = reports.filter((progress) => progress.phase === 'copy');
    expect(copying[0]).toMatchObject({ streamsDone: 0, eventsDone: 0, streamsTotal: journeys.length, eventsTotal: TOTAL });
    expect(copying[copying.length - 1]).toMatchObject({ streamsDone: journeys.length, eventsDone: TOTAL });
    const done = copying.map((progress) => progress.eventsDone);
    expect(done).toEqual([...done].sort((a, b) => a - b));
  });
});

describe('scanStreams', () => {
  it('lists each journey stream once, in the order of its first event, with its length and last id, across pages', async () => {
    const source = await sourceWith(journeys);
    const plans = await scanStreams(source, { pageSize: 7 });
    expect(plans).toEqual(
      journeys.map((journey) => ({
        streamId: streamIdOf(journey.journeyId),
        events: journey.events.length,
        lastEventId: journey.events[journey.events.length - 1].id,
      })),
    );
  });
});

describe('chunkEvents', () => {
  const event = (n: number, bytes: number): NewEvent => ({ id: String(n), type: 'T', data: { text: 'x'.repeat(bytes) }, metadata: {} });

  it('cuts at the count, and at the size, keeping order; an oversized event goes alone', () => {
    const events = [event(1, 10), event(2, 10), event(3, 10), event(4, 500), event(5, 10)];
    expect(chunkEvents(events, 2, 10_000).map((chunk) => chunk.map((e) => e.id))).toEqual([['1', '2'], ['3', '4'], ['5']]);
    expect(chunkEvents(events, 10, 100).map((chunk) => chunk.map((e) => e.id))).toEqual([['1', '2', '3'], ['4'], ['5']]);
    expect(chunkEvents([], 10, 100)).toEqual([]);
  });
});

describe('forEachConcurrently', () => {
  it('never runs more than the limit at once, and runs every item', async () => {
    let running = 0;
    let most = 0;
    const seen: number[] = [];
    await forEachConcurrently(
      [1, 2, 3, 4, 5, 6, 7],
      3,
      () => false,
      async (item) => {
        running += 1;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        seen.push(item);
        running -= 1;
      },
    );
    expect(most).toBe(3);
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('starts nothing new after a failure, lets the others finish, then throws the failure', async () => {
    const started: number[] = [];
    const attempt = forEachConcurrently(
      [1, 2, 3, 4, 5],
      2,
      () => false,
      async (item) => {
        started.push(item);
        await new Promise((resolve) => setTimeout(resolve, item === 1 ? 1 : 20));
        if (item === 1) throw new Error('boom');
      },
    );
    await expect(attempt).rejects.toThrow('boom');
    expect(started).toEqual([1, 2]);
  });
});
