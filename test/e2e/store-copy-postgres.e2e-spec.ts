/**
 * `npm run store:copy` between SQLite and a real PostgreSQL, as an operator runs it (the real script
 * in a child process): SQLite to PostgreSQL, PostgreSQL back to a new SQLite file, each verified by
 * the script itself, and then compared event by event here too.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventStore } from '../../src/event-store/event-store';
import { PostgresEventStore } from '../../src/event-store/postgres/postgres-event-store';
import { SqliteEventStore } from '../../src/event-store/sqlite/sqlite-event-store';
import { appendWhole, plannedJourneys } from '../projections/journey-fixtures';
import { freshSchema, usePostgres } from '../support/postgres';

jest.setTimeout(180_000);

const ROOT = join(__dirname, '..', '..');
const SCRIPT = join(ROOT, 'scripts', 'store-copy.ts');
const journeys = plannedJourneys(60);
const TOTAL = journeys.reduce((sum, journey) => sum + journey.events.length, 0);

function storeCopy(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', SCRIPT, ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = { stdout: '', stderr: '' };
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output.stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output.stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, ...output }));
  });
}

describe('npm run store:copy between SQLite and PostgreSQL', () => {
  const postgres = usePostgres();
  let dir: string;
  let sqliteFile: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'spe-store-copy-pg-'));
    sqliteFile = join(dir, 'events.db');
    const store = new SqliteEventStore(sqliteFile);
    await appendWhole(store, journeys);
    await store.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a PostgreSQL source with no event store schema, creating nothing', async () => {
    const missing = freshSchema('missing');

    const run = await storeCopy(
      '--from',
      `postgres:${postgres().migrationUrl}?schema=${missing}`,
      '--to',
      `sqlite:${join(dir, 'none.db')}`,
    );

    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(`PostgreSQL has no event store schema ${missing}`);
    const check = new PostgresEventStore({ url: postgres().migrationUrl, schema: missing, mustExist: true });
    await expect(check.ping()).rejects.toThrow('no event store schema');
    await check.close();
  });

  it('copies SQLite to PostgreSQL and back, verified both ways, every event as it was', async () => {
    const schema = freshSchema('copy');
    const target = `postgres:${postgres().migrationUrl}?schema=${schema}`;

    const there = await storeCopy('--from', `sqlite:${sqliteFile}`, '--to', target);
    expect(there.stderr).not.toMatch(/error/i);
    expect(there.code).toBe(0);
    expect(there.stdout).toContain(`verified: ${journeys.length} streams, ${TOTAL} events identical on both sides`);

    const back = join(dir, 'back', 'events.db');
    const returned = await storeCopy('--from', target, '--to', `sqlite:${back}`);
    expect(returned.code).toBe(0);
    expect(returned.stdout).toContain(`verified: ${journeys.length} streams, ${TOTAL} events identical on both sides`);

    const again = await storeCopy('--from', `sqlite:${sqliteFile}`, '--to', target);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`(0 written now, ${TOTAL} already on the target)`);

    const original = new SqliteEventStore(sqliteFile, { readonly: true });
    // store:copy ran as the owner; the engine's role is granted its rights when the service starts.
    const copy = new PostgresEventStore({ url: postgres().migrationUrl, schema });
    const roundTrip = new SqliteEventStore(back, { readonly: true });
    try {
      // Global positions are each store's own (streams are copied in parallel); streams are not.
      const byStream = async (store: EventStore) =>
        (await store.readAll({ maxCount: 100_000 }))
          .map(({ position: _position, ...event }) => event)
          .sort((a, b) => a.streamId.localeCompare(b.streamId) || a.revision - b.revision);
      const expected = await byStream(original);
      expect(expected).toHaveLength(TOTAL);
      expect(await byStream(copy)).toEqual(expected);
      expect(await byStream(roundTrip)).toEqual(expected);
    } finally {
      await Promise.all([original.close(), copy.close(), roundTrip.close()]);
    }
  });
});
