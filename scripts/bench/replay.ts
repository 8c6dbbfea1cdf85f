/**
 * npm run bench -- replay [--journeys 40000] [--json <file>]
 *
 * How fast an auditor can replay and verify the store, against how fast the same store can
 * merely be read. `journeys` journeys of 12 events each (referral to a first review, with a
 * preference and an advocate) are sealed through the engine's own `sealEvent` and written into a
 * temporary SQLite file; then, in the same run, journey by journey:
 *   - raw: SELECT the stream's rows with better-sqlite3 and JSON.parse data and metadata: the floor;
 *   - port: read through the SQLite adapter (what the engine and the audit CLI read with);
 *   - port + chain: and check every hash link over the parsed values, re-encoded to canonical
 *     JSON (what the service's GET /journeys/:id/verify does);
 *   - audit read + chain: read as the audit CLI reads (its SqliteJourneyReader keeps each row's
 *     text) and check every link over the text as stored;
 *   - audit read + chain + replay: and re-run every fact through the pinned workflow (verifyRead),
 *     which is what `npm run audit -- verify --all` does per journey.
 * Each pass is timed over all journeys, after an untimed run of the same pass (file cache, JIT).
 * Then the whole store on every core, as `npm run audit -- verify --all` runs from
 * PARALLEL_FROM_JOURNEYS journeys on: this thread and worker threads, each with its own read-only
 * connection, taking batches of journeys as they free up; timed from starting the workers (their
 * start-up, TypeScript compile included) to the last verdict. This thread is warm by then (it ran
 * the passes above); the workers are not.
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { WorkflowRegistry } from '../../workflows';
import { fact, pathTo, type Fact } from '../../workflows/testing/facts';
import { sealFacts } from '../../src/audit/testing/seal-facts';
import { verifyRead, isSound } from '../../src/audit/verify/verify-journey';
import { SqliteJourneyReader } from '../../src/audit/verify/sqlite-journey-reader';
import type { NewEvent } from '../../src/event-store/event-store';
import { SqliteEventStore } from '../../src/event-store/sqlite/sqlite-event-store';
import { verifyInParallel } from '../../src/audit/verify/parallel-verify';
import { verifyChain } from '../../src/integrity/hash-chain';
import { streamIdOf } from '../../src/journeys/journey-records';
import { parseBenchArgs } from './support/args';
import { finish, type BenchReport } from './support/report';
import { seedingProgress, step } from './support/progress';
import { appendJourneys } from './support/seed';
import { msSince, ratio } from './support/stats';
import { createWorkspace } from './support/workspace';

// 480,000 events: enough that the threads pass is not mostly thread start-up and warm-up.
const DEFAULTS = { journeys: 40_000 };

/** Twelve facts the workflow accepts: the standard path to live support, a preference, an advocate and a first review. */
function journeyFacts(): Fact[] {
  const [referral, ...rest] = pathTo.liveSupport();
  return [
    referral,
    fact('PreferenceRecorded'),
    fact('AdvocateAppointed'),
    ...rest,
    fact('ReviewStarted'),
    fact('ReviewCompleted', { outcome: 'continue' }),
  ];
}

interface Pass {
  name: string;
  /** Reads (and checks) one journey; returns how many events it handled. */
  journey: (streamId: string) => Promise<number>;
}

interface PassResult {
  name: string;
  events: number;
  ms: number;
  eventsPerSecond: number;
}

export async function run(argv: readonly string[]): Promise<void> {
  const { json, values: settings } = parseBenchArgs(argv, DEFAULTS);
  const workspace = createWorkspace('spe-bench-replay');
  try {
    const file = workspace.file('events.db');
    const streamIds = await seed(file, settings.journeys);
    const results = await measure(file, streamIds);
    const parallel = await measureParallel(file, streamIds);
    finish(report(settings, streamIds.length, results, parallel), json);
  } finally {
    workspace.remove();
  }
}

async function seed(file: string, journeys: number): Promise<string[]> {
  const facts = journeyFacts();
  const sealed = Array.from({ length: journeys }, () => {
    const id = randomUUID();
    const events: NewEvent[] = sealFacts(id, facts).map(({ id: eventId, type, data, metadata }) => ({ id: eventId, type, data, metadata }));
    return { id, events };
  });
  const store = new SqliteEventStore(file);
  try {
    // Counted from the first append: a rate over the sealing before it would promise an absurd ETA.
    await appendJourneys(store, sealed, seedingProgress(journeys));
  } finally {
    await store.close();
  }
  return sealed.map((journey) => streamIdOf(journey.id));
}

async function measure(file: string, streamIds: readonly string[]): Promise<PassResult[]> {
  const registry = new WorkflowRegistry();
  const raw = new Database(file, { readonly: true, fileMustExist: true });
  const store = new SqliteEventStore(file, { readonly: true });
  const reader = SqliteJourneyReader.open(file);
  const selectStream = raw.prepare<[string], { data: string; metadata: string }>(
    'SELECT data, metadata FROM events WHERE stream_id = ? ORDER BY revision',
  );
  const passes: Pass[] = [
    {
      name: 'raw read + JSON.parse',
      journey: async (streamId) => {
        const rows = selectStream.all(streamId);
        rows.forEach((row) => {
          JSON.parse(row.data);
          JSON.parse(row.metadata);
        });
        return rows.length;
      },
    },
    { name: 'port read', journey: async (streamId) => (await store.readStream(streamId)).length },
    {
      name: 'port read + chain',
      journey: async (streamId) => {
        const events = await store.readStream(streamId);
        if (verifyChain(events)) throw new Error(`chain broken in ${streamId}`);
        return events.length;
      },
    },
    {
      name: 'audit read + chain',
      journey: async (streamId) => {
        const read = await reader.read(streamId);
        if (read.kind !== 'events' || verifyChain(read.events)) throw new Error(`chain broken in ${streamId}`);
        return read.events.length;
      },
    },
    {
      name: 'audit read + chain + replay',
      journey: async (streamId) => {
        const verification = verifyRead(streamId, await reader.read(streamId), registry).verification;
        if (!isSound(verification)) throw new Error(`journey ${streamId} does not verify`);
        return verification.events;
      },
    },
  ];
  try {
    // Each pass runs twice and the second run is timed: the first brings the file into the OS
    // cache and lets V8 compile the hot paths (the first thousands of replays run at half speed
    // or less), so the figures compare steady rates rather than warm-up.
    const results: PassResult[] = [];
    for (const pass of passes) {
      step(`${pass.name}: warm-up run, then the timed run`);
      await timePass(pass, streamIds);
      results.push(await timePass(pass, streamIds));
    }
    return results;
  } finally {
    raw.close();
    await store.close();
    await reader.close();
  }
}

async function measureParallel(file: string, streamIds: readonly string[]): Promise<PassResult & { threads: number }> {
  const threads = Math.max(2, availableParallelism());
  step(`verify --all on ${threads} threads (this one and ${threads - 1} workers)`);
  const started = process.hrtime.bigint();
  let events = 0;
  let unsound = 0;
  await verifyInParallel(file, streamIds, threads, (verification) => {
    events += verification.events;
    if (!isSound(verification)) unsound += 1;
  });
  if (unsound > 0) throw new Error(`${unsound} journeys do not verify`);
  const ms = msSince(started);
  return { name: `verify --all on ${threads} threads`, events, ms, eventsPerSecond: (events * 1000) / ms, threads };
}

async function timePass(pass: Pass, streamIds: readonly string[]): Promise<PassResult> {
  const started = process.hrtime.bigint();
  let events = 0;
  for (const streamId of streamIds) events += await pass.journey(streamId);
  const ms = msSince(started);
  return { name: pass.name, events, ms, eventsPerSecond: (events * 1000) / ms };
}

function report(
  settings: { journeys: number },
  journeys: number,
  results: readonly PassResult[],
  parallel: PassResult & { threads: number },
): BenchReport {
  const [raw, port, chain, storedChain, full] = results;
  const figures: BenchReport['figures'] = {};
  for (const result of [...results, parallel]) figures[result.name] = { value: result.eventsPerSecond, unit: 'events/s' };
  figures['journeys verified'] = { value: (journeys * 1000) / full.ms, unit: 'journeys/s' };
  return {
    bench: 'replay',
    settings: { journeys: settings.journeys, eventsPerJourney: raw.events / journeys, events: raw.events },
    figures,
    ratios: {
      'verified / raw read': ratio(full.eventsPerSecond, raw.eventsPerSecond),
      'verified / port read': ratio(full.eventsPerSecond, port.eventsPerSecond),
      'chain / port read': ratio(chain.eventsPerSecond, port.eventsPerSecond),
      'chain over stored text / port read': ratio(storedChain.eventsPerSecond, port.eventsPerSecond),
      [`${parallel.threads} threads / one thread, verified`]: ratio(parallel.eventsPerSecond, full.eventsPerSecond),
      [`${parallel.threads} threads verified / port read`]: ratio(parallel.eventsPerSecond, port.eventsPerSecond),
      // Issue 16's fixed key: verify --all (every core) against the port's own read.
      'verify/portRead': ratio(parallel.eventsPerSecond, port.eventsPerSecond),
    },
    notes: [
      'the first five passes: one journey at a time, one thread, steady state (each timed on its second run)',
      'the threads pass: this thread (warm) and cold workers, whose start-up and TypeScript compile are in its time',
      'target: at least 50,000 events/s replayed and verified',
      'replay is event by event (so a refusal is named by revision): each fact checked for shape and dates, then one XState transition, which also says whether the machine accepts it',
    ],
  };
}
