/**
 * `npm run store:copy` as an operator runs it: the real script in a child process (ts-node, as the
 * npm script), SQLite to SQLite (CI has no KurrentDB; a KurrentDB side goes through the same port
 * calls). Interrupted twice, by a kill -9 and by Ctrl-C, each time part-way through a store of
 * ~19,000 events, then run again: it goes on from where it stopped, writes every event once, and
 * verifies. The copy then serves the service: its read models rebuild from it.
 */
import { spawn } from 'node:child_process';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/common/clock';
import { SqliteEventStore } from '../../src/event-store/sqlite/sqlite-event-store';
import { appendWhole, plannedJourneys } from '../projections/journey-fixtures';
import { DECISION_TYPES } from '../../workflows/support-planning/decisions';
import { bearer, startApp } from '../support/test-app';

jest.setTimeout(120_000);

const ROOT = join(__dirname, '..', '..');
const SCRIPT = join(ROOT, 'scripts', 'store-copy.ts');
const journeys = plannedJourneys(1500);
const TOTAL = journeys.reduce((sum, journey) => sum + journey.events.length, 0);
/** Where each interruption lands: well after the start, well before the end. */
const INTERRUPT_AT = [2_000, 7_000];

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Events on the target when the interruption was sent. */
  eventsAtInterrupt: number | null;
}

/** Events in a SQLite event file, 0 while it (or its schema) does not exist yet. */
function eventsIn(file: string): number {
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return 0;
  }
}

/**
 * Runs the script; with `interrupt`, sends that signal once the target holds `atEvents` events.
 * Small batches, one stream at a time: slow enough that the signal lands in the middle.
 */
function storeCopy(from: string, to: string, interrupt?: { signal: NodeJS.Signals; atEvents: number }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const args = [
      '-r',
      'ts-node/register/transpile-only',
      SCRIPT,
      '--from',
      `sqlite:${from}`,
      '--to',
      `sqlite:${to}`,
      '--concurrency',
      '1',
      '--batch-size',
      '3',
      '--progress-every',
      '200',
    ];
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const output = { stdout: '', stderr: '' };
    let eventsAtInterrupt: number | null = null;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output.stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output.stderr += chunk));
    const poll = interrupt
      ? setInterval(() => {
          const events = eventsIn(to);
          if (eventsAtInterrupt === null && events >= interrupt.atEvents) {
            eventsAtInterrupt = events;
            child.kill(interrupt.signal);
          }
        }, 10)
      : undefined;
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearInterval(poll);
      resolve({ code, signal, ...output, eventsAtInterrupt });
    });
  });
}

describe('npm run store:copy', () => {
  let dir: string;
  let from: string;
  let to: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'spe-store-copy-'));
    from = join(dir, 'events.db');
    to = join(dir, 'copy', 'events.db');
    const store = new SqliteEventStore(from);
    await appendWhole(store, journeys);
    await store.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('killed with -9 part-way, stopped with Ctrl-C part-way, then run again: finishes, writes each event once, verifies', async () => {
    const killed = await storeCopy(from, to, { signal: 'SIGKILL', atEvents: INTERRUPT_AT[0] });
    expect(killed.signal).toBe('SIGKILL');
    const afterKill = eventsIn(to);
    expect(afterKill).toBeGreaterThanOrEqual(INTERRUPT_AT[0]);
    expect(afterKill).toBeLessThan(TOTAL);
    expect(killed.stderr).toMatch(/^copy +[\d,]+\/1,500 streams +[\d,]+\/18,900 events +[\d,]+ streams\/s +[\d,]+ events\/s +ETA \S+/m);

    const stopped = await storeCopy(from, to, { signal: 'SIGINT', atEvents: INTERRUPT_AT[1] });
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toContain('SIGINT: stopping after the appends in flight');
    expect(stopped.stderr).toMatch(
      /stopped: [\d]+ streams complete, \d+ events \(\d+ written now, \d+ already on the target\); run the same command again/,
    );
    const afterStop = eventsIn(to);
    expect(afterStop).toBeGreaterThan(afterKill);
    expect(afterStop).toBeLessThan(TOTAL);

    const finished = await storeCopy(from, to);
    expect(finished.code).toBe(0);
    expect(finished.stdout).toBe(
      [
        `copied 1500 streams complete, ${TOTAL} events (${TOTAL - afterStop} written now, ${afterStop} already on the target)`,
        `verified: 1500 streams, ${TOTAL} events identical on both sides; every hash chain on the target intact`,
        '',
      ].join('\n'),
    );
    expect(eventsIn(to)).toBe(TOTAL);
  });

  it('run again on a finished copy: writes nothing and verifies', async () => {
    const again = await storeCopy(from, to);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`(0 written now, ${TOTAL} already on the target)`);
  });

  it('the copy serves the service: its read models rebuild from it with every decision', async () => {
    const decisions = journeys
      .flatMap((journey) => journey.events)
      .filter((event) => (DECISION_TYPES as readonly string[]).includes(event.type)); // v1 journeys: no closure is a decision
    // Before the fixtures' first fact: no clock is due, so the scheduler adds nothing to compare around.
    // A copy to a new place has no access log beside it: starting on it is an acknowledged reset.
    const app = await startApp({
      file: to,
      clock: new ManualClock(new Date('2025-12-01T00:00:00Z')),
      env: { ACCESS_LOG_RESET_ACKNOWLEDGED: 'true' },
    });
    try {
      const response = await app
        .http()
        .get('/decisions?limit=1')
        .set('Authorization', await bearer('auditor-1', 'auditor'))
        .expect(200);
      expect(response.body.total).toBe(decisions.length);
      const journey = await app
        .http()
        .get(`/journeys/${journeys[7].journeyId}/history`)
        .set('Authorization', await bearer('auditor-1', 'auditor'))
        .expect(200);
      expect(journey.body.events.map((event: { eventId: string }) => event.eventId)).toEqual(journeys[7].events.map((event) => event.id));
    } finally {
      await app.close();
    }
  });
});
