/**
 * A read model is disposable only if rebuilding it gives back exactly what was built while the
 * journeys happened. Here the same store feeds three read models: one that followed the appends
 * live (partly caught up at start, then event by event as they were committed), one built from
 * scratch in a fresh file in small pages, and the first one again after `rebuild()`. Their full
 * table dumps (caseload, clocks, decisions, counts, checkpoint) must be identical.
 */
import type Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { computeClocks, openClocks, WorkflowRegistry, type ClockInstance } from '../../workflows';
import { MemoryEventStore } from '../../src/event-store/memory-event-store';
import { SqliteEventStore } from '../../src/event-store/sqlite/sqlite-event-store';
import { metadataOf, streamIdOf, toMachineEvent } from '../../src/journeys/journey-records';
import { ProjectionRunner } from '../../src/projections/projection-runner';
import { createProjections, openReadModelDatabase } from '../../src/projections/read-models.service';
import { CountingProjection, countsOf } from './counting.projection';
import { appendInterleaved, appendWhole, plannedJourneys } from './journey-fixtures';
import { dumpReadModels, rowCounts } from './read-model-dump';

const JOURNEYS = 40;
const CAUGHT_UP_AT_START = 12;

function runnerOn(store: SqliteEventStore, db: Database.Database, batchSize?: number): ProjectionRunner {
  const projections = Object.values(createProjections(new WorkflowRegistry()));
  return new ProjectionRunner(store, db, [...projections, new CountingProjection()], { batchSize });
}

describe('read models rebuilt from scratch equal the ones built incrementally', () => {
  let dir: string;
  let store: SqliteEventStore;
  const opened: Database.Database[] = [];
  const runners: ProjectionRunner[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'spe-rebuild-'));
    store = new SqliteEventStore(join(dir, 'events.db'), { pollIntervalMs: 20 });
  });

  afterAll(async () => {
    await Promise.all(runners.map((runner) => runner.stop()));
    opened.forEach((db) => db.close());
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function open(name: string): Database.Database {
    const db = openReadModelDatabase(join(dir, name));
    opened.push(db);
    return db;
  }

  it('live, fresh file and rebuild() give the same tables, and the counts match the streams', async () => {
    const journeys = plannedJourneys(JOURNEYS);
    // Some history exists before the service starts: the live model first catches up on it...
    await appendWhole(store, journeys.slice(0, CAUGHT_UP_AT_START));
    const liveDb = open('live.db');
    const live = runnerOn(store, liveDb);
    runners.push(live);
    await live.start();
    // ...then follows the rest, appended fact by fact, interleaved across journeys, several per turn.
    await appendInterleaved(store, journeys.slice(CAUGHT_UP_AT_START), 4);
    const head = await store.headPosition();
    await expect(live.waitFor(head, 10_000)).resolves.toBe(true);
    const incremental = dumpReadModels(liveDb);

    const freshDb = open('fresh.db');
    const fresh = runnerOn(store, freshDb, 7);
    runners.push(fresh);
    await fresh.start();
    expect(fresh.position).toBe(head);
    expect(dumpReadModels(freshDb)).toEqual(incremental);

    await live.rebuild();
    expect(live.position).toBe(head);
    expect(dumpReadModels(liveDb)).toEqual(incremental);

    // Not trivially equal: every table is filled, and each journey counted exactly its events.
    const totalEvents = journeys.reduce((sum, journey) => sum + journey.events.length, 0);
    const decisionEvents = journeys
      .flatMap((journey) => journey.events)
      .filter((event) =>
        [
          'AssessmentCompleted',
          'IndicativeBudgetSet',
          'SupportPlanReturned',
          'SupportPlanApproved',
          'ReviewCompleted',
          'ChallengeResolved',
        ].includes(event.type),
      );
    expect(rowCounts(incremental)).toEqual(
      expect.objectContaining({
        caseload: JOURNEYS,
        clock_folds: JOURNEYS,
        decisions: decisionEvents.length,
        event_counts: JOURNEYS,
        checkpoints: 1,
      }),
    );
    expect(rowCounts(incremental).open_clocks).toBeGreaterThan(0);
    const counts = countsOf(liveDb);
    expect(counts.reduce((sum, row) => sum + row.events, 0)).toBe(totalEvents);
    for (const journey of journeys) {
      expect(counts.find((row) => row.journey_id === streamIdOf(journey.journeyId))).toEqual({
        journey_id: streamIdOf(journey.journeyId),
        events: journey.events.length,
        last_revision: journey.events.length - 1,
      });
    }

    // And the open clocks are what the pure fold of each stream says (the projection skips
    // rewriting them when a fact changes no clock, and keeps folds in a cache).
    const registry = new WorkflowRegistry();
    const byKey = (a: ClockInstance, b: ClockInstance) => a.key.localeCompare(b.key);
    for (const journey of journeys) {
      const events = await store.readStream(streamIdOf(journey.journeyId));
      const { workflow } = metadataOf(events[0]);
      const expected = openClocks(computeClocks(registry.get(workflow.id, workflow.version).policy, events.map(toMachineEvent)));
      const rows = liveDb
        .prepare<[string], { instance: string }>('SELECT instance FROM open_clocks WHERE journey_id = ?')
        .all(journey.journeyId);
      expect(rows.map((row) => JSON.parse(row.instance) as ClockInstance).sort(byKey)).toEqual([...expected].sort(byKey));
    }
  });

  it('the comparison notices a read model one event short', async () => {
    const all = await store.readAll({ maxCount: 100_000 });
    const short = new MemoryEventStore();
    for (const event of all.slice(0, -1))
      await short.appendToStream(event.streamId, [event], event.revision === 0 ? 'no-stream' : event.revision - 1);
    const full = new MemoryEventStore();
    for (const event of all) await full.appendToStream(event.streamId, [event], event.revision === 0 ? 'no-stream' : event.revision - 1);

    const dumps = await Promise.all(
      [short, full].map(async (source, index) => {
        const db = open(`compare-${index}.db`);
        const runner = new ProjectionRunner(source, db, [
          ...Object.values(createProjections(new WorkflowRegistry())),
          new CountingProjection(),
        ]);
        await runner.start();
        await runner.stop();
        return dumpReadModels(db);
      }),
    );
    expect(dumps[0]).not.toEqual(dumps[1]);
  });
});
