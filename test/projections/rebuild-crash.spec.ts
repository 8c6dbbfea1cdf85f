/**
 * A process killed in the middle of building a new read-model version loses nothing: the
 * serving file is untouched, the new one keeps what it committed, and the next start resumes from
 * there (not from the first event) and ends with a file equal to one built from scratch.
 *
 * A real process (rebuild-child.ts, under ts-node) runs the service's ReadModels on a real SQLite
 * event file and SIGKILLs itself right after the rebuild's first batch (5,000 events) committed.
 */
import { spawn } from 'node:child_process';
import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import { WorkflowRegistry } from '../../workflows';
import { SqliteEventStore } from '../../src/event-store/sqlite/sqlite-event-store';
import { CATCH_UP_BATCH, ProjectionRunner, recordedCheckpoint, recordedSignature } from '../../src/projections/projection-runner';
import { createProjections, nextReadModelFile, openReadModelDatabase } from '../../src/projections/read-models.service';
import { appendWhole, plannedJourneys } from './journey-fixtures';
import { buildPreviousVersion } from './previous-version';
import { dumpReadModels, type Dump } from './read-model-dump';

jest.setTimeout(180_000);

const ROOT = join(__dirname, '..', '..');
const CHILD = join(__dirname, 'rebuild-child.ts');

interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function runChild(eventFile: string, mode?: string): Promise<ChildResult> {
  return new Promise((resolveRun, reject) => {
    const args = ['-r', 'ts-node/register/transpile-only', CHILD, eventFile, ...(mode ? [mode] : [])];
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => resolveRun({ code, signal, stdout, stderr }));
  });
}

function fileState(file: string): { signature: string | undefined; checkpoint: bigint } {
  const db = new Database(file);
  try {
    return { signature: recordedSignature(db), checkpoint: recordedCheckpoint(db) };
  } finally {
    db.close();
  }
}

describe('a rebuild beside the serving read models, killed midway', () => {
  let dir: string;
  let eventFile: string;
  let readModelFile: string;
  let previous: { signature: string | undefined; checkpoint: bigint };
  let firstBatchEnd: bigint;
  let scratch: Dump;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    dir = mkdtempSync(join(tmpdir(), 'spe-rebuild-crash-'));
    eventFile = join(dir, 'events.db');
    readModelFile = join(dir, 'read-models.db');
    const journeys = plannedJourneys(600);
    const store = new SqliteEventStore(eventFile);
    await appendWhole(store, journeys.slice(0, 450));
    await buildPreviousVersion(store, readModelFile, `sqlite:${resolve(eventFile)}`);
    await appendWhole(store, journeys.slice(450));
    const events = await store.readAll({ maxCount: 1_000_000, streamPrefix: 'journey-' });
    expect(events.length).toBeGreaterThan(CATCH_UP_BATCH);
    firstBatchEnd = events[CATCH_UP_BATCH - 1].position;
    const db = openReadModelDatabase(join(dir, 'scratch.db'));
    const runner = new ProjectionRunner(store, db, Object.values(createProjections(new WorkflowRegistry())));
    await runner.start();
    await runner.stop();
    scratch = dumpReadModels(db);
    db.close();
    await store.close();
    previous = fileState(readModelFile);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the serving file as it was and the first batch in the new one', async () => {
    const killed = await runChild(eventFile, 'die-after-first-batch');
    expect(killed).toMatchObject({ signal: 'SIGKILL' });
    expect(killed.stdout).toContain('rebuilding-from -1\n');
    expect(fileState(readModelFile)).toEqual(previous);
    expect(previous.signature).toMatch(/^previous-version,/);
    expect(fileState(nextReadModelFile(readModelFile)).checkpoint).toBe(firstBatchEnd);
  });

  it('resumes after the batch it had, switches, and ends equal to a build from scratch', async () => {
    const finished = await runChild(eventFile);
    expect(finished).toMatchObject({ code: 0, signal: null });
    expect(finished.stdout).toContain(`rebuilding-from ${firstBatchEnd}\n`);
    expect(finished.stdout).toMatch(/switched \d+\n/);
    expect(existsSync(nextReadModelFile(readModelFile))).toBe(false);
    const rebuilt = new Database(readModelFile, { readonly: true });
    try {
      expect(dumpReadModels(rebuilt)).toEqual(scratch);
    } finally {
      rebuilt.close();
    }
  });
});
