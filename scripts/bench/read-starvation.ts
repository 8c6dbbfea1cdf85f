/**
 * npm run bench -- read-starvation [--events 600] [--exports 40] [--probes 200] [--json <file>]
 *
 * Can heavy reads starve the service? One journey of `events` facts is written straight into the
 * store; the service is started on the file; then liveness (`GET /health/live`, one request at a
 * time) is timed twice:
 *   - at rest: `probes` requests with nothing else running;
 *   - under load: `probes` requests while `exports` clients each ask for the journey's HTML export
 *     over and over (an export answered 503 SERVICE.BUSY is asked again after its Retry-After,
 *     as a client should).
 * The figure to quote is liveness p99 under load as a multiple of liveness p99 at rest (the issue
 * aims at 3x or less). Printed, never asserted.
 */
import { randomUUID } from 'node:crypto';
import { SqliteEventStore } from '../../src/event-store/sqlite/sqlite-event-store';
import { parseBenchArgs } from './support/args';
import { HttpClient } from './support/http-client';
import { step } from './support/progress';
import { finish, type BenchReport } from './support/report';
import { appendStream, BENCH_CASE_WORKER, defaultFact, journeyEvents, preference } from './support/seed';
import { pause, prepareApp, startService } from './support/server-process';
import { msSince, ratio, summarise, type LatencySummary } from './support/stats';
import { createWorkspace } from './support/workspace';

const DEFAULTS = { events: 600, exports: 40, probes: 200 };

interface ExportTally {
  latenciesMs: number[];
  busy: number;
  other: number;
}

export async function run(argv: readonly string[]): Promise<void> {
  const { json, values: settings } = parseBenchArgs(argv, DEFAULTS);
  const workspace = createWorkspace('spe-bench-read-starvation');
  try {
    const file = workspace.file('events.db');
    const journeyId = randomUUID();
    await seed(file, journeyId, settings.events);
    step('starting the service');
    const service = await startService({
      app: prepareApp(),
      sqliteFile: file,
      authSecret: workspace.authSecret,
      env: { RATE_LIMIT_READS_PER_MINUTE: '1000000' },
    });
    const probes = new HttpClient(() => service.port, 1);
    const exporters = new HttpClient(() => service.port, settings.exports);
    try {
      const auth = await workspace.bearer(BENCH_CASE_WORKER.id, 'case-worker', BENCH_CASE_WORKER.organisation);
      step(`liveness at rest: ${settings.probes} requests`);
      await probeLiveness(probes, 20);
      const rest = await probeLiveness(probes, settings.probes);
      step(`liveness while ${settings.exports} clients export a journey of ${settings.events} events`);
      const loaded = await underExportLoad(exporters, probes, auth, journeyId, settings);
      finish(report(settings, rest, loaded.liveness, loaded.exports), json);
    } finally {
      probes.close();
      exporters.close();
      await service.stop();
    }
  } finally {
    workspace.remove();
  }
}

async function seed(file: string, journeyId: string, events: number): Promise<void> {
  step(`seeding one journey of ${events} events`);
  const store = new SqliteEventStore(file);
  try {
    const facts = [defaultFact('ReferralReceived'), ...Array.from({ length: events - 1 }, (_, n) => preference(n))];
    await appendStream(store, journeyId, journeyEvents(journeyId, facts));
  } finally {
    await store.close();
  }
}

async function probeLiveness(client: HttpClient, count: number): Promise<LatencySummary> {
  const latencies: number[] = [];
  const started = process.hrtime.bigint();
  for (let n = 0; n < count; n += 1) {
    const sent = process.hrtime.bigint();
    const answer = await client.get('/health/live');
    latencies.push(msSince(sent));
    if (answer.status !== 200) throw new Error(`liveness answered ${answer.status}`);
  }
  return summarise(latencies, msSince(started));
}

async function underExportLoad(
  exporters: HttpClient,
  probes: HttpClient,
  auth: string,
  journeyId: string,
  settings: Record<keyof typeof DEFAULTS, number>,
): Promise<{ liveness: LatencySummary; exports: ExportTally }> {
  const tally: ExportTally = { latenciesMs: [], busy: 0, other: 0 };
  let running = true;
  const exportLoop = async () => {
    while (running) {
      const sent = process.hrtime.bigint();
      const answer = await exporters.get(`/journeys/${journeyId}/export?format=html`, { authorization: auth });
      if (answer.status === 200) tally.latenciesMs.push(msSince(sent));
      else if (answer.status === 503) {
        tally.busy += 1;
        await pause(Number(answer.headers['retry-after'] ?? 1) * 1000);
      } else tally.other += 1;
    }
  };
  const loops = Array.from({ length: settings.exports }, exportLoop);
  // Let every client get its first request in before liveness is timed.
  await pause(200);
  const liveness = await probeLiveness(probes, settings.probes);
  running = false;
  await Promise.all(loops);
  return { liveness, exports: tally };
}

function report(settings: Record<string, number>, rest: LatencySummary, loaded: LatencySummary, exports: ExportTally): BenchReport {
  const exported = summarise(exports.latenciesMs, 0);
  return {
    bench: 'read-starvation',
    settings,
    figures: {
      'liveness at rest: p50': { value: rest.p50Ms, unit: 'ms' },
      'liveness at rest: p99': { value: rest.p99Ms, unit: 'ms' },
      'liveness under exports: p50': { value: loaded.p50Ms, unit: 'ms' },
      'liveness under exports: p99': { value: loaded.p99Ms, unit: 'ms' },
      'exports answered 200': { value: exported.count, unit: `(p50 ${exported.p50Ms.toFixed(0)} ms, p99 ${exported.p99Ms.toFixed(0)} ms)` },
      'exports answered 503 busy': { value: exports.busy, unit: 'retried after Retry-After' },
      'exports answered otherwise': { value: exports.other, unit: '' },
    },
    ratios: {
      'liveness p99 under exports / at rest': ratio(loaded.p99Ms, rest.p99Ms),
      'liveness p50 under exports / at rest': ratio(loaded.p50Ms, rest.p50Ms),
    },
    notes: ['liveness one request at a time; exports from `exports` clients at once, HTML', 'aim: p99 ratio of 3x or less'],
  };
}
