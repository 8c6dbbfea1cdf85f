/**
 * The store:copy command as the script runs it (arguments, output, exit codes), in-process on
 * SQLite files. test/e2e/store-copy.e2e-spec.ts runs the real script in a child process.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '../event-store/sqlite/sqlite-event-store';
import { streamIdOf } from '../journeys/journey-records';
import { appendWhole, plannedJourneys } from '../../test/projections/journey-fixtures';
import { EXIT } from '../common/cli';
import { runStoreCopy } from './cli';

const journeys = plannedJourneys(12);
const TOTAL = journeys.reduce((sum, journey) => sum + journey.events.length, 0);

describe('npm run store:copy', () => {
  let dir: string;
  let from: string;
  let to: string;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'spe-cli-'));
    from = join(dir, 'source.db');
    to = join(dir, 'target.db');
    const store = new SqliteEventStore(from);
    await appendWhole(store, journeys);
    await store.close();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function run(argv: string[], signal?: AbortSignal) {
    const out: string[] = [];
    const err: string[] = [];
    let now = 0;
    const code = await runStoreCopy(argv, {
      out: (line) => out.push(line),
      err: (line) => err.push(line),
      // Each reading of the clock is 10 ms later, so rates and ETAs have something to show.
      now: () => (now += 10),
      signal,
    });
    return { code, out, err };
  }

  it('copies, shows progress on stderr, verifies, and exits 0', async () => {
    const { code, out, err } = await run(['--from', `sqlite:${from}`, '--to', `sqlite:${to}`, '--progress-every', '1']);
    expect(code).toBe(EXIT.ok);
    expect(out).toEqual([
      `copied ${journeys.length} streams complete, ${TOTAL} events (${TOTAL} written now, 0 already on the target)`,
      `verified: ${journeys.length} streams, ${TOTAL} events identical on both sides; every hash chain on the target intact`,
    ]);
    expect(err[0]).toBe(`store:copy from sqlite ${from} to sqlite ${to}`);
    for (const phase of ['scan', 'copy', 'verify']) expect(err.some((line) => line.startsWith(phase))).toBe(true);
    expect(err.filter((line) => line.startsWith('copy')).pop()).toMatch(
      new RegExp(
        `^copy\\s+${journeys.length}/${journeys.length} streams\\s+${TOTAL}/${TOTAL} events\\s+[\\d,]+ streams/s\\s+[\\d,]+ events/s\\s+ETA 0s$`,
      ),
    );
  });

  it('stopped by a signal: exits 130 and says how to go on; the next run finishes and verifies', async () => {
    const controller = new AbortController();
    controller.abort();
    const stopped = await run(['--from', `sqlite:${from}`, '--to', `sqlite:${to}`], controller.signal);
    expect(stopped.code).toBe(EXIT.interrupted);
    expect(stopped.err.pop()).toMatch(/^stopped: .*; run the same command again to go on from there$/);

    const resumed = await run(['--from', `sqlite:${from}`, '--to', `sqlite:${to}`]);
    expect(resumed.code).toBe(EXIT.ok);
  });

  it('--verify-only finds a target that differs and exits 1, listing what differs', async () => {
    await run(['--from', `sqlite:${from}`, '--to', `sqlite:${to}`, '--skip-verify']);
    const extra = plannedJourneys(13)[12];
    const target = new SqliteEventStore(to);
    await target.appendToStream(streamIdOf(extra.journeyId), extra.events, 'no-stream');
    await target.close();

    const { code, out } = await run(['--verify-only', '--from', `sqlite:${from}`, '--to', `sqlite:${to}`]);
    expect(code).toBe(EXIT.failed);
    expect(out).toEqual([
      `NOT verified: 1 streams differ (the source has ${journeys.length}):`,
      `  ${streamIdOf(extra.journeyId)}: only on the target (${extra.events.length} events)`,
    ]);
  });

  it('a target stream that holds something else fails the copy (exit 1), saying what was copied stays', async () => {
    const target = new SqliteEventStore(to);
    const [first] = journeys;
    await target.appendToStream(
      streamIdOf(first.journeyId),
      [{ ...first.events[0], id: '6f1d1b0e-5c3b-4b7a-8c1e-0000000000ff' }],
      'no-stream',
    );
    await target.close();

    const { code, err } = await run(['--from', `sqlite:${from}`, '--to', `sqlite:${to}`, '--concurrency', '1']);
    expect(code).toBe(EXIT.failed);
    expect(err.slice(-2)).toEqual([
      expect.stringMatching(
        new RegExp(`^store:copy failed: target stream ${streamIdOf(first.journeyId)} differs from the source at revision 0`),
      ),
      'what was copied stays on the target: run the same command again to go on from there',
    ]);
  });

  it.each([
    [['--from', 'sqlite:a.db'], /both --from and --to are needed/],
    [['--from', 'memory', '--to', 'sqlite:b.db'], /in-memory store/],
    [['--from', 'sqlite:a.db', '--to', 'sqlite:a.db'], /same store/],
    [['--from', 'sqlite:a.db', '--to', 'sqlite:b.db', '--concurrency', '0'], /--concurrency must be a whole number above 0/],
    [['--from', 'sqlite:a.db', '--to', 'sqlite:b.db', '--verify-only', '--skip-verify'], /exclude each other/],
    [['--from', 'sqlite:a.db', '--to', 'sqlite:b.db', '--force'], /Unknown option '--force'/],
  ])('refuses %j with the usage and exit 2', async (argv, message) => {
    const { code, err } = await run(argv);
    expect(code).toBe(EXIT.usage);
    expect(err[0]).toMatch(message);
    expect(err[1]).toMatch(/^usage: npm run store:copy/);
  });

  it('refuses a source file that does not exist (exit 2), creating nothing', async () => {
    const missing = join(dir, 'missing.db');
    const { code, err } = await run(['--from', `sqlite:${missing}`, '--to', `sqlite:${to}`]);
    expect(code).toBe(EXIT.usage);
    expect(err[0]).toBe(`store:copy failed: no event file at ${missing}`);
    expect([existsSync(missing), existsSync(to)]).toEqual([false, false]);
  });

  it('--help prints the usage and exits 0', async () => {
    const { code, out } = await run(['--help']);
    expect(code).toBe(EXIT.ok);
    expect(out[0]).toMatch(/^usage: npm run store:copy -- --from <store> --to <store>/);
  });
});
