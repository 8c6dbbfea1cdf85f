/**
 * A crash between a batch and its checkpoint neither skips nor double counts an event.
 *
 * A real process (crash-child.ts, under ts-node) catches the read models up with a SQLite event
 * file of a few thousand journey events and is SIGKILLed: by itself inside a batch's transaction
 * before the checkpoint is written, by itself right after a commit, and by this test at whatever
 * moment its kill lands. After every kill the read-model file must hold exactly the events up to
 * its checkpoint (the counting projection shows a double count or a gap journey by journey), and
 * after a restart it must equal a clean rebuild, table for table.
 */
import { spawn } from 'node:child_process';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowRegistry } from '../../workflows';
import type { StoredEvent } from '../../src/event-store/event-store';
import { SqliteEventStore } from '../../src/event-store/sqlite/sqlite-event-store';
import { ProjectionRunner } from '../../src/projections/projection-runner';
import { createProjections, openReadModelDatabase } from '../../src/projections/read-models.service';
import { CountingProjection, countsOf } from './counting.projection';
import { appendWhole, plannedJourneys } from './journey-fixtures';
import { dumpReadModels, type Dump } from './read-model-dump';

jest.setTimeout(180_000);

const ROOT = join(__dirname, '..', '..');
const CHILD = join(__dirname, 'crash-child.ts');
const JOURNEYS = 400;

interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  applied: number;
  stderr: string;
}

/** Runs the child; when `killAfterApplied` is set, SIGKILLs it once it has reported that many batches. */
function runChild(
  eventFile: string,
  readModelFile: string,
  batchSize: number,
  options: { crash?: string; killAfterApplied?: number } = {},
): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const args = [
      '-r',
      'ts-node/register/transpile-only',
      CHILD,
      eventFile,
      readModelFile,
      String(batchSize),
      ...(options.crash ? [options.crash] : []),
    ];
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let applied = 0;
    let stderr = '';
    let buffered = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      applied += lines.filter((line) => line.startsWith('applied ')).length;
      if (options.killAfterApplied !== undefined && applied >= options.killAfterApplied) child.kill('SIGKILL');
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, applied, stderr }));
  });
}

function readCheckpoint(file: string): bigint {
  const db = new Database(file, { readonly: true });
  try {
    const row = db.prepare("SELECT position FROM checkpoints WHERE name = 'read-models'").get() as { position: string } | undefined;
    return row ? BigInt(row.position) : -1n;
  } finally {
    db.close();
  }
}

describe('a crash between a batch and its checkpoint', () => {
  let dir: string;
  let eventFile: string;
  let events: StoredEvent[];
  let head: bigint;
  let clean: Dump;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'spe-crash-'));
    eventFile = join(dir, 'events.db');
    const store = new SqliteEventStore(eventFile);
    await appendWhole(store, plannedJourneys(JOURNEYS));
    events = await store.readAll({ maxCount: 1_000_000 });
    head = await store.headPosition();

    const db = openReadModelDatabase(join(dir, 'clean.db'));
    const runner = new ProjectionRunner(store, db, [...Object.values(createProjections(new WorkflowRegistry())), new CountingProjection()]);
    await runner.start();
    await runner.stop();
    clean = dumpReadModels(db);
    db.close();
    await store.close();
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The read model holds each journey's events up to the checkpoint, each counted once, and nothing after. */
  function expectExactlyUpTo(readModelFile: string, checkpoint: bigint): void {
    const expected = new Map<string, number>();
    for (const event of events.filter((candidate) => candidate.position <= checkpoint)) {
      expected.set(event.streamId, (expected.get(event.streamId) ?? 0) + 1);
    }
    const db = new Database(readModelFile, { readonly: true });
    try {
      const counts = countsOf(db);
      expect(Object.fromEntries(counts.map((row) => [row.journey_id, row.events]))).toEqual(Object.fromEntries(expected));
      counts.forEach((row) => expect(row.last_revision).toBe(row.events - 1));
    } finally {
      db.close();
    }
  }

  function expectEqualToCleanRebuild(readModelFile: string): void {
    const db = new Database(readModelFile, { readonly: true });
    try {
      expect(dumpReadModels(db)).toEqual(clean);
    } finally {
      db.close();
    }
  }

  it('has a store large enough to be killed in the middle of', () => {
    expect(events.length).toBeGreaterThan(4000);
    expect(clean.event_counts).toHaveLength(JOURNEYS);
  });

  it('killed inside a batch, before its checkpoint: the batch is not kept, and the restart applies it once', async () => {
    const readModelFile = join(dir, 'in-batch.db');
    const batch = 50;
    // The last event of the fourth batch: all of the batch is applied, only the checkpoint is not.
    const crashAt = events[4 * batch - 1].position;

    const crashed = await runChild(eventFile, readModelFile, batch, { crash: `in-batch:${crashAt}` });
    expect(crashed).toMatchObject({ signal: 'SIGKILL', applied: 3 });
    expect(readCheckpoint(readModelFile)).toBe(events[3 * batch - 1].position);
    expectExactlyUpTo(readModelFile, events[3 * batch - 1].position);

    const restarted = await runChild(eventFile, readModelFile, batch);
    expect(restarted).toMatchObject({ code: 0, signal: null });
    expectEqualToCleanRebuild(readModelFile);
  });

  it('killed right after a batch committed: the restart goes on after it and applies nothing twice', async () => {
    const readModelFile = join(dir, 'after-commit.db');
    const batch = 50;
    const crashAt = events[5 * batch + 10].position;

    const crashed = await runChild(eventFile, readModelFile, batch, { crash: `after-commit:${crashAt}` });
    expect(crashed).toMatchObject({ signal: 'SIGKILL', applied: 5 });
    expect(readCheckpoint(readModelFile)).toBe(events[6 * batch - 1].position);
    expectExactlyUpTo(readModelFile, events[6 * batch - 1].position);

    const restarted = await runChild(eventFile, readModelFile, batch);
    expect(restarted).toMatchObject({ code: 0, signal: null });
    expectEqualToCleanRebuild(readModelFile);
  });

  it('SIGKILLed from outside wherever the kill lands, three times over, then left to finish', async () => {
    const readModelFile = join(dir, 'killed-from-outside.db');
    let previous = -1n;
    for (const killAfter of [12, 31, 7]) {
      const killed = await runChild(eventFile, readModelFile, 10, { killAfterApplied: killAfter });
      expect(killed.signal).toBe('SIGKILL');
      const checkpoint = readCheckpoint(readModelFile);
      // Each life got further, and none got to the end: the kill landed mid-catch-up.
      expect(checkpoint).toBeGreaterThan(previous);
      expect(checkpoint).toBeLessThan(head);
      expectExactlyUpTo(readModelFile, checkpoint);
      previous = checkpoint;
    }

    const finished = await runChild(eventFile, readModelFile, 10);
    expect(finished).toMatchObject({ code: 0, signal: null });
    expectEqualToCleanRebuild(readModelFile);
  });
});
