/**
 * A new read-model version is built beside the serving one, on the real app over a real SQLite
 * file: the service answers from the previous version all along, /health shows the rebuild's
 * progress (and stays ready), no request ever sees a half-built version, and the switch leaves a
 * file equal to one built from scratch.
 *
 * The store is the SQLite adapter with one seam: reading a page of the global order waits for a
 * permit the test hands out, so the rebuild can be held between two of its pages (a few thousand events
 * each) while the test looks at the service. Nothing is timed.
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { fact } from '../../workflows/testing/facts';
import { WorkflowRegistry } from '../../workflows';
import { SqliteAccessLog, accessLogFile } from '../../src/access-log/access-log';
import { AppModule } from '../../src/app.module';
import { Clock, ManualClock } from '../../src/common/clock';
import { NEST_APP_OPTIONS, configureApp, httpAdapter, readyForRequests } from '../../src/app-setup';
import { EventStore, type ReadAllOptions, type StoredEvent } from '../../src/event-store/event-store';
import { SqliteEventStore } from '../../src/event-store/sqlite/sqlite-event-store';
import { ProjectionRunner } from '../../src/projections/projection-runner';
import { createProjections, nextReadModelFile, openReadModelDatabase } from '../../src/projections/read-models.service';
import { bearer, tempDataDir, TEST_SECRET, type TestApp } from '../support/test-app';
import { appendWhole, plannedJourneys } from './journey-fixtures';
import { dumpReadModels, rowCounts } from './read-model-dump';
import { buildPreviousVersion } from './previous-version';

jest.setTimeout(180_000);

/** Journeys in the previous version, and journeys appended after it was built: two rebuild pages in all. */
const BEFORE = 450;
const AFTER = 150;

/** The SQLite adapter whose catch-up pages (reads of many events of the global order) each wait for a permit. */
class GatedStore extends SqliteEventStore {
  private permits = 0;
  private open = false;
  private waiting: Array<() => void> = [];
  reads = 0;

  override async readAll(options?: ReadAllOptions): Promise<StoredEvent[]> {
    // Single-event reads (whether the access log has begun, the metrics' lag) go straight through.
    if ((options?.maxCount ?? 0) <= 1) return super.readAll(options);
    if (!this.open) {
      if (this.permits === 0) await new Promise<void>((resolveWait) => this.waiting.push(resolveWait));
      else this.permits -= 1;
    }
    this.reads += 1;
    return super.readAll(options);
  }

  /** Lets `count` more reads through. */
  allow(count: number): void {
    for (let n = 0; n < count; n += 1) {
      const next = this.waiting.shift();
      if (next) next();
      else this.permits += 1;
    }
  }

  /** Every read from now on goes through. */
  openUp(): void {
    this.open = true;
    this.waiting.splice(0).forEach((next) => next());
  }

  get blocked(): number {
    return this.waiting.length;
  }
}

async function startGatedApp(file: string, store: GatedStore): Promise<TestApp> {
  Object.assign(process.env, { EVENT_STORE: 'sqlite', SQLITE_FILE: file, AUTH_SECRET: TEST_SECRET, NODE_ENV: 'test' });
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
    .overrideProvider(EventStore)
    .useValue(store)
    // Before any clock of the fixtures falls due: the scheduler writes nothing while the test compares.
    .overrideProvider(Clock)
    .useValue(new ManualClock(new Date('2026-01-01T00:00:00Z')))
    .compile();
  const app = moduleRef.createNestApplication(httpAdapter(), { ...NEST_APP_OPTIONS, logger: false });
  await configureApp(app);
  await app.init();
  await readyForRequests(app);
  return { app, http: () => request(app.getHttpServer()), close: () => app.close() };
}

/** Yields to the event loop until `condition` holds (bounded by the test's timeout, not timed). */
async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolveTurn) => setImmediate(resolveTurn));
}

describe('a read-model version rebuilt beside the serving one', () => {
  const data = tempDataDir();
  const readModelFile = join(data.dir, 'read-models.db');
  let store: GatedStore;
  let t: TestApp;
  let auditor: string;
  let previousPosition: string;
  /** The position of the journey opened during the rebuild. */
  let openedPosition: string;

  const caseload = () => t.http().get('/journeys?limit=1').set('Authorization', auditor);
  const health = () => t.http().get('/health');

  beforeAll(async () => {
    auditor = await bearer('auditor-1', 'auditor');
    // The access log a first start would have made: the service refuses journeys without one.
    await new SqliteAccessLog(accessLogFile({ eventStore: 'sqlite', sqliteFile: data.file })).close();
    const journeys = plannedJourneys(BEFORE + AFTER);
    const seeding = new SqliteEventStore(data.file);
    await appendWhole(seeding, journeys.slice(0, BEFORE));
    previousPosition = (await buildPreviousVersion(seeding, readModelFile, `sqlite:${resolve(data.file)}`)).toString();
    // The previous version's caseload predates a column this code filters on.
    const previous = new Database(readModelFile);
    previous.exec('ALTER TABLE caseload DROP COLUMN route');
    previous.close();
    await appendWhole(seeding, journeys.slice(BEFORE));
    await seeding.close();

    store = new GatedStore(data.file);
    t = await startGatedApp(data.file, store);
    // The first page is let through; the rebuild then waits for the second.
    store.allow(1);
    await until(() => store.reads === 1 && store.blocked === 1);
  });
  afterAll(async () => {
    store?.openUp();
    await t?.close();
    data.remove();
  });

  it('answers reads from the previous version while the new one is half built', async () => {
    for (let n = 0; n < 10; n += 1) {
      const response = await caseload().expect(200);
      expect(response.body).toMatchObject({ total: BEFORE, position: previousPosition });
    }
  });

  it('answers a query the previous version cannot (a column it lacks) 503 READ_MODEL.REBUILDING, not 500', async () => {
    const response = await t.http().get('/journeys?route=fast-track').set('Authorization', auditor).expect(503);
    expect(response.body).toMatchObject({ error: 'READ_MODEL.REBUILDING', readModel: 'caseload' });
    expect(response.headers['retry-after']).toBe('5');
  });

  it('is ready, and /health shows the rebuild’s progress and ETA', async () => {
    const response = await health().expect(200);
    expect(response.body.status).toBe('ok');
    const { rebuild } = response.body.details.readModels;
    expect(rebuild).toMatchObject({ building: 'caseload@1,deadlines@3,decisions@2', resumedFrom: '-1', eventsApplied: 5000 });
    expect(rebuild.percent).toBeGreaterThan(0);
    expect(rebuild.percent).toBeLessThan(100);
    expect(BigInt(rebuild.position)).toBeLessThan(BigInt(rebuild.headPosition));
    expect(rebuild.etaSeconds === null || rebuild.etaSeconds >= 0).toBe(true);
    expect(response.body.details.readModels.position).toBe(previousPosition);
  });

  it('takes writes meanwhile; a read waiting for one is told the read model lags, not given a half-built answer', async () => {
    const caseWorker = await bearer('case-worker-1', 'case-worker', { organisation: 'council-a' });
    const opened = await t
      .http()
      .post('/journeys')
      .set('Authorization', caseWorker)
      .send({ data: fact('ReferralReceived').data })
      .expect(201);
    openedPosition = opened.body.position as string;
    const response = await t.http().get(`/journeys?limit=1&after=${openedPosition}&waitMs=0`).set('Authorization', auditor).expect(503);
    expect(response.body.error).toBe('READ_MODEL.LAGGING');
  });

  it('switches at once when the new version has caught up: every answer is the old version or the new, never between', async () => {
    const totals = new Set<number>();
    store.openUp();
    let switched = false;
    while (!switched) {
      const [list, status] = await Promise.all([caseload().expect(200), health().expect(200)]);
      totals.add(list.body.total as number);
      switched = status.body.details.readModels.rebuild === undefined;
    }
    // The journey opened during the rebuild is in the new version, or follows it moments later.
    const caughtUp = await t.http().get(`/journeys?limit=1&after=${openedPosition}&waitMs=10000`).set('Authorization', auditor).expect(200);
    expect(caughtUp.body.total).toBe(BEFORE + AFTER + 1);
    totals.add(caughtUp.body.total as number);
    expect([...totals].every((total) => [BEFORE, BEFORE + AFTER, BEFORE + AFTER + 1].includes(total))).toBe(true);
    expect(existsSync(nextReadModelFile(readModelFile))).toBe(false);
  });

  it('leaves a read-model file equal to one built from scratch', async () => {
    const source = new SqliteEventStore(data.file, { readonly: true });
    const scratch = openReadModelDatabase(join(data.dir, 'scratch.db'));
    // The service still has its file open: a read-only connection sees what it committed.
    const rebuilt = new Database(readModelFile, { readonly: true });
    try {
      const runner = new ProjectionRunner(source, scratch, Object.values(createProjections(new WorkflowRegistry())));
      await runner.start();
      await runner.stop();
      expect(rowCounts(dumpReadModels(rebuilt)).caseload).toBe(BEFORE + AFTER + 1);
      expect(dumpReadModels(rebuilt)).toEqual(dumpReadModels(scratch));
    } finally {
      rebuilt.close();
      scratch.close();
      await source.close();
    }
  });
});
