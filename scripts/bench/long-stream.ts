/**
 * npm run bench -- long-stream [--commands 100] [--json <file>]
 *
 * Command latency on journeys of 10, 100, 1,000 and 10,000 events. The long streams are written
 * straight into the store (sealed as the engine seals them, so they verify and replay), then
 * the service is started on the file and commands go through HTTP one at a time (latency, not
 * throughput). Per size:
 *   - cold: the first command on a journey after start-up, which must replay its whole stream;
 *   - warm: `commands` further commands, p50 and p99.
 * A command adds an event, so commands are spread over enough journeys that none grows by more
 * than a tenth while it is measured (100 journeys of 10 events, 10 of 100, one of 1,000 and one
 * of 10,000). The ratio of 10,000 to 10 events is the figure to quote.
 */
import { randomUUID } from 'node:crypto';
import { SqliteEventStore } from '../../src/event-store/sqlite/sqlite-event-store';
import { parseBenchArgs } from './support/args';
import { HttpClient } from './support/http-client';
import { finish, type BenchReport, type Figure } from './support/report';
import { step } from './support/progress';
import { appendStream, BENCH_CASE_WORKER, defaultFact, journeyEvents, preference } from './support/seed';
import { prepareApp, startService } from './support/server-process';
import { msSince, ratio, summarise, type LatencySummary } from './support/stats';
import { createWorkspace } from './support/workspace';

const SIZES = [10, 100, 1_000, 10_000] as const;
const DEFAULTS = { commands: 100 };
/** A journey may grow by at most a tenth of its length while it is measured. */
const GROWTH = 10;

interface SizePlan {
  size: number;
  journeys: string[];
  commandsPerJourney: number;
}

interface SizeResult {
  size: number;
  cold: LatencySummary;
  warm: LatencySummary;
}

export async function run(argv: readonly string[]): Promise<void> {
  const { json, values: settings } = parseBenchArgs(argv, DEFAULTS);
  const workspace = createWorkspace('spe-bench-long-stream');
  try {
    const file = workspace.file('events.db');
    const plans = SIZES.map((size) => planFor(size, settings.commands));
    await seed(file, plans);
    step('starting the service');
    const service = await startService({
      app: prepareApp(),
      sqliteFile: file,
      authSecret: workspace.authSecret,
      env: { RATE_LIMIT_WRITES_PER_MINUTE: '1000000' },
    });
    const client = new HttpClient(() => service.port, 1);
    try {
      const auth = await workspace.bearer(BENCH_CASE_WORKER.id, 'case-worker', BENCH_CASE_WORKER.organisation);
      const results: SizeResult[] = [];
      for (const plan of plans) {
        step(`commands on journeys of ${plan.size.toLocaleString('en-GB')} events`);
        results.push(await measure(client, auth, plan, settings.commands));
      }
      finish(report(settings, results), json);
    } finally {
      client.close();
      await service.stop();
    }
  } finally {
    workspace.remove();
  }
}

function planFor(size: number, commands: number): SizePlan {
  const commandsPerJourney = Math.max(1, Math.floor(size / GROWTH));
  const journeys = Array.from({ length: Math.ceil(commands / commandsPerJourney) }, () => randomUUID());
  return { size, journeys, commandsPerJourney };
}

/** Referral then preferences on a few topics (the state stays small; only the stream is long). */
async function seed(file: string, plans: readonly SizePlan[]): Promise<void> {
  const store = new SqliteEventStore(file);
  try {
    for (const { size, journeys } of plans) {
      step(`seeding ${journeys.length} journeys of ${size.toLocaleString('en-GB')} events`);
      const facts = [defaultFact('ReferralReceived'), ...Array.from({ length: size - 1 }, (_, n) => preference(n))];
      for (const id of journeys) await appendStream(store, id, journeyEvents(id, facts));
    }
  } finally {
    await store.close();
  }
}

async function measure(client: HttpClient, auth: string, plan: SizePlan, commands: number): Promise<SizeResult> {
  const cold: number[] = [];
  for (const id of plan.journeys) cold.push(await timedCommand(client, auth, id, 0));
  const warm: number[] = [];
  let left = commands;
  for (const id of plan.journeys) {
    for (let n = 1; n <= plan.commandsPerJourney && left > 0; n += 1, left -= 1) {
      warm.push(await timedCommand(client, auth, id, n));
    }
  }
  const total = (latencies: number[]) => latencies.reduce((sum, ms) => sum + ms, 0);
  return { size: plan.size, cold: summarise(cold, total(cold)), warm: summarise(warm, total(warm)) };
}

async function timedCommand(client: HttpClient, auth: string, journeyId: string, n: number): Promise<number> {
  const sent = process.hrtime.bigint();
  const answer = await client.post(`/journeys/${journeyId}/events`, preference(1_000_000 + n), { authorization: auth });
  const elapsed = msSince(sent);
  if (answer.status !== 201) throw new Error(`a command answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return elapsed;
}

function report(settings: Record<string, number>, results: readonly SizeResult[]): BenchReport {
  const figures: Record<string, Figure> = {};
  for (const { size, cold, warm } of results) {
    figures[`${size} events: p50`] = { value: warm.p50Ms, unit: 'ms' };
    figures[`${size} events: p99`] = { value: warm.p99Ms, unit: 'ms' };
    figures[`${size} events: first command (cold)`] = { value: cold.p50Ms, unit: `ms (p50 of ${cold.count})` };
  }
  const shortest = results[0];
  const longest = results[results.length - 1];
  return {
    bench: 'long-stream',
    settings: { ...settings, sizes: SIZES.join('/') },
    figures,
    ratios: {
      [`p50 ${longest.size} / ${shortest.size} events`]: ratio(longest.warm.p50Ms, shortest.warm.p50Ms),
      [`p99 ${longest.size} / ${shortest.size} events`]: ratio(longest.warm.p99Ms, shortest.warm.p99Ms),
      [`cold ${longest.size} / ${shortest.size} events`]: ratio(longest.cold.p50Ms, shortest.cold.p50Ms),
    },
    notes: [
      'one client, one command at a time; cold = the first command on a journey after start-up',
      `target: p50 at ${longest.size} events within 2x of p50 at ${shortest.size}`,
    ],
  };
}
