/**
 * A rebuild whose journeys are folded on worker threads writes exactly the read models one thread
 * writes. The same SQLite store (v1 and v2 journeys, with clocks, decisions, challenges and a
 * closure challenged, appended fact by fact interleaved, so that each journey spans many pages
 * and the workers must read its state back from the file) is rebuilt both ways, in small pages,
 * and every row of every table is compared.
 */
import type Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowRegistry } from '../../workflows';
import { SqliteEventStore } from '../../src/event-store/sqlite/sqlite-event-store';
import { ProjectionRunner, type ProjectionRunnerOptions } from '../../src/projections/projection-runner';
import { createProjections, openReadModelDatabase } from '../../src/projections/read-models.service';
import { appendInterleaved, plannedJourneys, plannedV2Journeys } from './journey-fixtures';
import { dumpReadModels, rowCounts } from './read-model-dump';

const V1_JOURNEYS = 30;
const V2_JOURNEYS = 20;
const PAGE = 40;

describe('read models rebuilt with journeys folded on worker threads', () => {
  let dir: string;
  let store: SqliteEventStore;
  const opened: Database.Database[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'spe-parallel-rebuild-'));
    store = new SqliteEventStore(join(dir, 'events.db'));
    await appendInterleaved(store, [...plannedJourneys(V1_JOURNEYS), ...plannedV2Journeys(V2_JOURNEYS, V1_JOURNEYS)], 7);
  });

  afterAll(async () => {
    opened.forEach((db) => db.close());
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function rebuild(name: string, options: ProjectionRunnerOptions): Promise<{ db: Database.Database; runner: ProjectionRunner }> {
    const db = openReadModelDatabase(join(dir, name));
    opened.push(db);
    const runner = new ProjectionRunner(store, db, Object.values(createProjections(new WorkflowRegistry())), {
      batchSize: PAGE,
      ...options,
    });
    await runner.catchUp();
    return { db, runner };
  }

  it('gives every table row for row as one thread does', async () => {
    const head = await store.headPosition();
    const oneThread = await rebuild('one-thread.db', {});
    const workers = await rebuild('workers.db', { foldWorkers: 2, awaitFoldWorkers: true, applyInTurns: true });

    expect(workers.runner.position).toBe(head);
    // Every page went through the workers (none folded here while they loaded).
    expect(workers.runner.foldedOnWorkers).toBe(oneThread.runner.applied);
    expect(workers.runner.applied).toBe(oneThread.runner.applied);
    expect(oneThread.runner.foldedOnWorkers).toBe(0);
    const expected = dumpReadModels(oneThread.db);
    expect(dumpReadModels(workers.db)).toEqual(expected);

    // Not trivially equal: both workflow versions, open clocks and challenged decisions are in it.
    const counts = rowCounts(expected);
    expect(counts).toEqual(expect.objectContaining({ caseload: V1_JOURNEYS + V2_JOURNEYS, clock_folds: V1_JOURNEYS + V2_JOURNEYS }));
    expect(counts.open_clocks).toBeGreaterThan(0);
    const versions = oneThread.db.prepare('SELECT DISTINCT workflow_version AS v FROM caseload ORDER BY v').all();
    expect(versions).toEqual([{ v: 1 }, { v: 2 }]);
    const challenged = oneThread.db.prepare('SELECT COUNT(*) AS n FROM decisions WHERE challenge_count > 0').get() as { n: number };
    expect(challenged.n).toBeGreaterThan(0);
  });
});
