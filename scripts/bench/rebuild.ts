/**
 * npm run bench -- rebuild [--journeys 20000] [--json <file>]
 *
 * How fast the read models are rebuilt, against how fast the same store can merely be read, and
 * how long the service stops answering while a new read-model version is built. `journeys`
 * journeys of 12 events each (referral to a first review) are written into a temporary SQLite
 * file; then, in the same run:
 *   - port read: the global order read through the SQLite adapter in pages of CATCH_UP_BATCH, as
 *     the rebuild reads it (after an untimed read of the same, for the file cache and the JIT);
 *   - rebuild: the service's three read models built from the first event into an empty file,
 *     one transaction per page applied in turns of the event loop, the journeys folded on worker
 *     threads (one a core; this thread folds until they have loaded), as the service builds a new
 *     version beside the old; then the same on this thread alone, for comparison;
 *   - the service, started on that store with a read-model file of an older version (the same
 *     file, its recorded projection set changed): it builds the new version beside the old one
 *     while a client polls `GET /journeys?limit=1` one request after another and another polls
 *     `/health` (which says when the rebuild is over). `secondsNotAnswering` is the longest
 *     stretch, from the service listening to the switch, with no 200 answer to the poll (the
 *     whole rebuild, if it was over before the service listened); the start-up left after the
 *     rebuild began is reported beside it.
 */
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { WorkflowRegistry } from '../../workflows';
import { fact, pathTo, type Fact } from '../../workflows/testing/facts';
import { SqliteEventStore } from '../../src/event-store/sqlite/sqlite-event-store';
import { CATCH_UP_BATCH, ProjectionRunner } from '../../src/projections/projection-runner';
import { createProjections, foldWorkerCount, openReadModelDatabase, type RebuildProgress } from '../../src/projections/read-models.service';
import { parseBenchArgs } from './support/args';
import { HttpClient } from './support/http-client';
import { finish, type BenchReport } from './support/report';
import { seedingProgress, step } from './support/progress';
import { appendJourneys, journeyEvents, type SeedFact } from './support/seed';
import { pause, prepareApp, startService } from './support/server-process';
import { msSince, ratio } from './support/stats';
import { createWorkspace, type Workspace } from './support/workspace';

const DEFAULTS = { journeys: 20_000 };

/** Twelve facts the workflow accepts (as the replay bench): to live support, a preference, an advocate, a first review. */
function journeyFacts(): SeedFact[] {
  const [referral, ...rest] = pathTo.liveSupport();
  const facts: Fact[] = [
    referral,
    fact('PreferenceRecorded'),
    fact('AdvocateAppointed'),
    ...rest,
    fact('ReviewStarted'),
    fact('ReviewCompleted', { outcome: 'continue' }),
  ];
  return facts.map(({ type, data }) => ({ type, data: { ...(data as unknown as Record<string, unknown>) } }));
}
/** Journeys built and appended at a time, so that the seed never holds them all in memory. */
const SEED_CHUNK = 5_000;
const HEALTH_POLL_MS = 100;

interface Rate {
  events: number;
  ms: number;
  eventsPerSecond: number;
}

interface ServiceRun {
  /** The longest stretch with no 200 to the read poll, from listening to the switch. */
  secondsNotAnswering: number;
  /** From the rebuild's start to the first 200: the rest of start-up after the rebuild began. */
  startToFirstAnswer: number;
  rebuildSeconds: number;
  answers: number;
  /** The last progress /health showed before the switch. */
  lastProgress: RebuildProgress | null;
  healthAnswersDuringRebuild: number;
  rebuiltEvents: number;
}

export async function run(argv: readonly string[]): Promise<void> {
  const { json, values: settings } = parseBenchArgs(argv, DEFAULTS);
  const workspace = createWorkspace('spe-bench-rebuild');
  try {
    const file = workspace.file('events.db');
    await seed(file, settings.journeys);
    const portRead = await measurePortRead(file);
    const rebuild = await measureRebuild(file, workspace.file('read-models.db'), foldWorkerCount(new WorkflowRegistry()));
    const oneThread = await measureRebuild(file, workspace.file('one-thread.db'), 0);
    const service = await measureService(workspace, file);
    finish(report(settings, portRead, rebuild, oneThread, service), json);
  } finally {
    workspace.remove();
  }
}

async function seed(file: string, journeys: number): Promise<void> {
  const facts = journeyFacts();
  const store = new SqliteEventStore(file);
  const progress = seedingProgress(journeys);
  try {
    for (let done = 0; done < journeys; done += SEED_CHUNK) {
      const count = Math.min(SEED_CHUNK, journeys - done);
      const chunk = Array.from({ length: count }, () => {
        const id = randomUUID();
        return { id, events: journeyEvents(id, facts) };
      });
      await appendJourneys(store, chunk, progress);
    }
  } finally {
    await store.close();
  }
}

/** The whole global order through the adapter, in the rebuild's pages: warm-up, then timed. */
async function measurePortRead(file: string): Promise<Rate> {
  const store = new SqliteEventStore(file, { readonly: true });
  try {
    step('port read of the global order: warm-up run, then the timed run');
    await readEverything(store);
    const started = process.hrtime.bigint();
    const events = await readEverything(store);
    return rate(events, msSince(started));
  } finally {
    await store.close();
  }
}

async function readEverything(store: SqliteEventStore): Promise<number> {
  let after = -1n;
  let events = 0;
  for (;;) {
    const page = await store.readAll({ after, maxCount: CATCH_UP_BATCH, streamPrefix: 'journey-' });
    events += page.length;
    if (page.length < CATCH_UP_BATCH) return events;
    after = page[page.length - 1].position;
  }
}

/**
 * The read models built from the first event into `readModelFile`, as the service builds a new
 * version: recorded as built from this store, so that the service run below can start from it.
 * With `foldWorkers` 0, on this thread alone (into a scratch file).
 */
async function measureRebuild(file: string, readModelFile: string, foldWorkers: number): Promise<Rate & { foldedOnWorkers: number }> {
  step(
    `rebuilding the read models from the first event (${foldWorkers > 0 ? `${foldWorkers} fold worker(s) and this thread` : 'this thread alone'})`,
  );
  const store = new SqliteEventStore(file, { readonly: true });
  const db = openReadModelDatabase(readModelFile);
  try {
    // Applied as the service builds a new version: pages applied in turns of the event loop.
    const registry = new WorkflowRegistry();
    const runner = new ProjectionRunner(store, db, Object.values(createProjections(registry)), {
      source: `sqlite:${resolve(file)}`,
      applyInTurns: true,
      foldWorkers,
    });
    const started = process.hrtime.bigint();
    await runner.catchUp();
    return { ...rate(runner.applied, msSince(started)), foldedOnWorkers: runner.foldedOnWorkers };
  } finally {
    db.close();
    await store.close();
  }
}

/**
 * The service on the store, its read-model file recorded as another version's: it builds the new
 * one beside it while two clients poll it, one a read route and one /health (which says when the
 * rebuild started and when it is over).
 */
async function measureService(workspace: Workspace, file: string): Promise<ServiceRun> {
  markAsPreviousVersion(workspace.file('read-models.db'));
  const auth = await workspace.bearer('bench-auditor', 'auditor');
  step('starting the service on a read-model file of an older version: it rebuilds beside it');
  const service = await startService({
    app: prepareApp(),
    sqliteFile: file,
    authSecret: workspace.authSecret,
    readyTimeoutMs: 30 * 60_000,
  });
  const listening = Date.now();
  const client = new HttpClient(() => service.port, 4);
  const answeredAt: number[] = [];
  let startedAt: number | null = null;
  let switchedAt: number | null = null;
  let lastProgress: RebuildProgress | null = null;
  let printedPercent = -10;
  let healthAnswersDuringRebuild = 0;
  try {
    step('polling GET /journeys?limit=1 and /health until the new version serves');
    const readPoll = (async () => {
      while (switchedAt === null) {
        const answer = await client.get('/journeys?limit=1', { authorization: auth }).catch(() => null);
        if (answer?.status === 200) answeredAt.push(Date.now());
      }
    })();
    const healthPoll = (async () => {
      while (switchedAt === null) {
        const answer = await client.get<{ details?: { readModels?: { rebuild?: RebuildProgress } } }>('/health').catch(() => null);
        if (answer?.status !== 200) continue;
        const progress = answer.body.details?.readModels?.rebuild;
        if (!progress) {
          switchedAt = Date.now();
          break;
        }
        startedAt ??= Date.parse(progress.startedAt);
        healthAnswersDuringRebuild += 1;
        lastProgress = progress;
        if (progress.percent >= printedPercent + 10) {
          printedPercent = progress.percent;
          step(`health: ${progress.percent}% at ${progress.eventsPerSecond} events/s, ETA ${progress.etaSeconds} s`);
        }
        await pause(HEALTH_POLL_MS);
      }
    })();
    await Promise.all([readPoll, healthPoll]);
  } finally {
    client.close();
    await service.stop();
  }
  const done = /rebuilt to position \d+ \((\d+) events in ([\d.]+) s\)/.exec(service.output());
  if (!done) throw new Error(`the service did not report a rebuild:\n${service.output()}`);
  const rebuildSeconds = Number(done[2]);
  // Over before the service listened: it answered nothing for the whole rebuild.
  const overBeforeListening = startedAt === null || switchedAt === null;
  return {
    secondsNotAnswering: overBeforeListening ? rebuildSeconds : longestGap(listening, switchedAt ?? listening, answeredAt) / 1000,
    startToFirstAnswer: startedAt === null || answeredAt.length === 0 ? rebuildSeconds : (answeredAt[0] - startedAt) / 1000,
    rebuildSeconds,
    answers: answeredAt.length,
    lastProgress,
    healthAnswersDuringRebuild,
    rebuiltEvents: Number(done[1]),
  };
}

/** The file as an older service left it: another projection set recorded, so the service rebuilds. */
function markAsPreviousVersion(readModelFile: string): void {
  const db = openReadModelDatabase(readModelFile);
  try {
    db.prepare("UPDATE projection_set SET signature = 'previous-version,' || signature").run();
  } finally {
    db.close();
  }
}

/** The longest stretch of [from, to] with no answer in it. */
function longestGap(from: number, to: number, answeredAt: readonly number[]): number {
  let longest = 0;
  let previous = from;
  for (const at of answeredAt.filter((time) => time > from && time < to)) {
    longest = Math.max(longest, at - previous);
    previous = at;
  }
  return Math.max(longest, to - previous);
}

function rate(events: number, ms: number): Rate {
  return { events, ms, eventsPerSecond: (events * 1000) / ms };
}

function report(
  settings: { journeys: number },
  portRead: Rate,
  rebuild: Rate & { foldedOnWorkers: number },
  oneThread: Rate,
  service: ServiceRun,
): BenchReport {
  const serviceRate = service.rebuiltEvents / service.rebuildSeconds;
  return {
    bench: 'rebuild',
    settings: {
      journeys: settings.journeys,
      eventsPerJourney: portRead.events / settings.journeys,
      events: portRead.events,
      batch: CATCH_UP_BATCH,
    },
    figures: {
      'port read': { value: portRead.eventsPerSecond, unit: 'events/s' },
      rebuild: { value: rebuild.eventsPerSecond, unit: 'events/s' },
      'rebuild, events folded on workers': { value: rebuild.foldedOnWorkers, unit: 'events' },
      'rebuild on this thread alone': { value: oneThread.eventsPerSecond, unit: 'events/s' },
      'rebuild in the service, answering': { value: serviceRate, unit: 'events/s' },
      'service rebuild, start to switch': { value: service.rebuildSeconds, unit: 's' },
      'rebuild start to first answer (start-up)': { value: service.startToFirstAnswer, unit: 's' },
      'read answers during the rebuild': { value: service.answers, unit: 'answers' },
      '/health answers showing progress': { value: service.healthAnswersDuringRebuild, unit: 'answers' },
      'last ETA /health showed': { value: service.lastProgress?.etaSeconds ?? Number.NaN, unit: 's' },
      secondsNotAnswering: { value: service.secondsNotAnswering, unit: 's' },
    },
    ratios: {
      // Issue 16's fixed key: the rebuild against the port's own read of the same pages.
      'rebuild/portRead': ratio(rebuild.eventsPerSecond, portRead.eventsPerSecond),
      'rebuildOneThread/portRead': ratio(oneThread.eventsPerSecond, portRead.eventsPerSecond),
      'serviceRebuild/portRead': ratio(serviceRate, portRead.eventsPerSecond),
    },
    notes: [
      'port read and rebuild run in this process, one after the other; the service rebuild shares the two cores with the polling clients',
      'rebuild: the journeys folded on worker threads once they have loaded (under ts-node, seconds: the first pages are folded on this thread); the one-thread figure follows it',
      'secondsNotAnswering: the longest stretch, from the service listening to the switch, with no 200 from GET /journeys?limit=1 (one request at a time); the whole rebuild if it was over before the service listened',
      `each rebuild transaction carries ${CATCH_UP_BATCH} events; the read-model file syncs as WAL with synchronous=NORMAL`,
    ],
  };
}
