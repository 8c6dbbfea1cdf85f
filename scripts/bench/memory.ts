/**
 * npm run bench -- memory [--journeys 100000] [--events-per-journey 3] [--touch 10000] [--clients 64] [--json <file>]
 *
 * Resident memory (process.memoryUsage().rss, measured inside the service process) of:
 *   1. the service on an empty store: the baseline of Node, Nest and the workflow;
 *   2. the service with `journeys` journeys in its read models (written straight into the store,
 *      then caught up by the service at start-up, checked through GET /journeys?after=<head>);
 *   3. the same after one command on each of `touch` journeys, which fills the in-memory
 *      journey cache (bounded) the way a busy day would.
 * Also prints how long catching up took. Target: under 400 MB with 100,000 journeys.
 */
import { randomUUID } from 'node:crypto';
import { SqliteEventStore } from '../../src/event-store/sqlite/sqlite-event-store';
import type { EventType } from '../../workflows';
import { parseBenchArgs } from './support/args';
import { HttpClient } from './support/http-client';
import { finish, type BenchReport } from './support/report';
import { seedingProgress, serviceProgress, step } from './support/progress';
import { appendJourneys, BENCH_CASE_WORKER, defaultFact, journeyEvents, preference } from './support/seed';
import { prepareApp, startService, type ServiceProcess } from './support/server-process';
import { msSince, ratio } from './support/stats';
import { createWorkspace, type Workspace } from './support/workspace';

const DEFAULTS = { journeys: 100_000, 'events-per-journey': 3, touch: 10_000, clients: 64 };
type Settings = Record<keyof typeof DEFAULTS, number>;

/** The start of an ordinary journey; a seeded journey takes its first `events-per-journey` facts. */
const PATH: readonly EventType[] = [
  'ReferralReceived',
  'AssessmentStarted',
  'AssessmentCompleted',
  'IndicativeBudgetSet',
  'SupportPlanDrafted',
];
/** Journeys built and appended at a time, so that the seed never holds them all in memory. */
const SEED_CHUNK = 5_000;
const TARGET_MB = 400;
const MB = 2 ** 20;

interface MemoryFigures {
  emptyRss: number;
  fullRss: number;
  fullHeap: number;
  touchedRss: number;
  catchUpMs: number;
  listed: number;
}

export async function run(argv: readonly string[]): Promise<void> {
  const { json, values: settings } = parseBenchArgs(argv, DEFAULTS);
  if (settings['events-per-journey'] < 1 || settings['events-per-journey'] > PATH.length) {
    throw new Error(`--events-per-journey must be from 1 to ${PATH.length}`);
  }
  const workspace = createWorkspace('spe-bench-memory');
  try {
    const emptyRss = (await measureEmpty(workspace)).rss;
    const file = workspace.file('full/events.db');
    const head = await seed(file, settings);
    const full = await measureFull(workspace, file, head, settings);
    finish(report(settings, { emptyRss, ...full }), json);
  } finally {
    workspace.remove();
  }
}

async function measureEmpty(workspace: Workspace): Promise<NodeJS.MemoryUsage> {
  step('the service on an empty store');
  const service = await start(workspace, workspace.file('empty/events.db'));
  try {
    return await service.memory();
  } finally {
    await service.stop();
  }
}

function start(workspace: Workspace, file: string): Promise<ServiceProcess> {
  return startService({
    app: prepareApp(),
    sqliteFile: file,
    authSecret: workspace.authSecret,
    env: { RATE_LIMIT_WRITES_PER_MINUTE: '1000000' },
    // The read models catch up before the service listens: allow for a large store.
    readyTimeoutMs: 30 * 60_000,
    onOutput: serviceProgress,
  });
}

/** Writes the journeys and returns the head position the read models must reach. */
async function seed(file: string, settings: Settings): Promise<bigint> {
  const facts = PATH.slice(0, settings['events-per-journey']).map(defaultFact);
  const store = new SqliteEventStore(file);
  const progress = seedingProgress(settings.journeys);
  try {
    for (let done = 0; done < settings.journeys; done += SEED_CHUNK) {
      const count = Math.min(SEED_CHUNK, settings.journeys - done);
      const journeys = Array.from({ length: count }, () => {
        const id = randomUUID();
        return { id, events: journeyEvents(id, facts) };
      });
      await appendJourneys(store, journeys, progress);
    }
    return await store.headPosition();
  } finally {
    await store.close();
  }
}

async function measureFull(workspace: Workspace, file: string, head: bigint, settings: Settings): Promise<Omit<MemoryFigures, 'emptyRss'>> {
  step(`starting the service: it catches its read models up to position ${head} before it listens`);
  const started = process.hrtime.bigint();
  const service = await start(workspace, file);
  const catchUpMs = msSince(started);
  const client = new HttpClient(() => service.port, settings.clients);
  try {
    const listed = await caughtUpCount(client, await workspace.bearer('bench-auditor', 'auditor'), head);
    const full = await service.memory();
    step(`one command on each of ${settings.touch.toLocaleString('en-GB')} journeys`);
    await touch(client, workspace, settings);
    const touched = await service.memory();
    return { fullRss: full.rss, fullHeap: full.heapUsed, touchedRss: touched.rss, catchUpMs, listed };
  } finally {
    client.close();
    await service.stop();
  }
}

/** How many journeys the caseload lists once it includes the head position. */
async function caughtUpCount(client: HttpClient, auditor: string, head: bigint): Promise<number> {
  const answer = await client.get<{ total: number }>(`/journeys?after=${head}&limit=1&waitMs=10000`, { authorization: auditor });
  if (answer.status !== 200) throw new Error(`the caseload did not catch up: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body.total;
}

/** One command on each of `touch` journeys, found through the caseload, `clients` at a time. */
async function touch(client: HttpClient, workspace: Workspace, settings: Settings): Promise<void> {
  const auth = await workspace.bearer(BENCH_CASE_WORKER.id, 'case-worker', BENCH_CASE_WORKER.organisation);
  const ids = await journeyIds(client, auth, settings.touch);
  let next = 0;
  await Promise.all(
    Array.from({ length: settings.clients }, async () => {
      while (next < ids.length) {
        const id = ids[next++];
        const answer = await client.post(`/journeys/${id}/events`, preference(next), { authorization: auth });
        if (answer.status !== 201) throw new Error(`a command answered ${answer.status}: ${JSON.stringify(answer.body)}`);
      }
    }),
  );
}

async function journeyIds(client: HttpClient, auth: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  while (ids.length < count) {
    const limit = Math.min(500, count - ids.length);
    const answer = await client.get<{ items: Array<{ id: string }> }>(`/journeys?limit=${limit}&offset=${ids.length}`, {
      authorization: auth,
    });
    if (answer.status !== 200) throw new Error(`listing journeys answered ${answer.status}`);
    if (answer.body.items.length === 0) break;
    ids.push(...answer.body.items.map((item) => item.id));
  }
  return ids;
}

function report(settings: Settings, figures: MemoryFigures): BenchReport {
  const perJourney = (figures.fullRss - figures.emptyRss) / Math.max(1, settings.journeys);
  return {
    bench: 'memory',
    settings: { ...settings },
    figures: {
      'rss, empty store': { value: figures.emptyRss / MB, unit: 'MB' },
      [`rss, ${settings.journeys} journeys`]: { value: figures.fullRss / MB, unit: 'MB' },
      [`heap used, ${settings.journeys} journeys`]: { value: figures.fullHeap / MB, unit: 'MB' },
      [`rss, after commands on ${settings.touch}`]: { value: figures.touchedRss / MB, unit: 'MB' },
      'rss added per journey': { value: perJourney, unit: 'bytes' },
      'journeys listed by the caseload': { value: figures.listed, unit: 'journeys' },
      'start-up incl. read-model catch-up': { value: figures.catchUpMs / 1000, unit: 's' },
    },
    ratios: {
      [`rss with journeys / ${TARGET_MB} MB target`]: ratio(figures.fullRss / MB, TARGET_MB),
      [`rss after commands / ${TARGET_MB} MB target`]: ratio(figures.touchedRss / MB, TARGET_MB),
    },
    notes: [`${settings['events-per-journey']} events per journey (${PATH.slice(0, settings['events-per-journey']).join(', ')})`],
  };
}
