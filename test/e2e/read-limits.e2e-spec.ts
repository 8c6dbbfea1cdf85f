/**
 * Reads cannot starve the service: reads are limited per caller (429 with Retry-After, a budget of
 * its own apart from writes), history comes in pages, and whole-journey exports are bounded (past
 * the bound, 503 SERVICE.BUSY with Retry-After while everything else keeps answering).
 */
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { AppModule } from '../../src/app.module';
import { NEST_APP_OPTIONS, configureApp, httpAdapter, readyForRequests } from '../../src/app-setup';
import { EXPORT_LIMITS } from '../../src/audit/http/audit.controller';
import { AuditedJourneys } from '../../src/audit/audited-journeys';
import { ExportBuilder } from '../../src/audit/export/export-builder';
import { Clock, ManualClock } from '../../src/common/clock';
import { EventStore } from '../../src/event-store/event-store';
import { fact } from '../../workflows/testing/facts';
import { TEST_SECRET, bearer, startApp, tempDataDir, type TestApp } from '../support/test-app';

const NOW = new Date('2026-01-05T10:00:00Z');

async function openWithPreferences(t: TestApp, auth: string, preferences: number): Promise<string> {
  const opened = await t
    .http()
    .post('/journeys')
    .set('Authorization', auth)
    .send({ data: fact('ReferralReceived').data })
    .expect(201);
  const id = opened.body.id as string;
  for (let n = 0; n < preferences; n += 1) {
    const data = { ...fact('PreferenceRecorded').data, topic: `topic-${n}`, value: `value-${n}` };
    await t.http().post(`/journeys/${id}/events`).set('Authorization', auth).send({ type: 'PreferenceRecorded', data }).expect(201);
  }
  return id;
}

describe('reads are limited per caller', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({ clock: new ManualClock(NOW), env: { RATE_LIMIT_READS_PER_MINUTE: '5', RATE_LIMIT_WRITES_PER_MINUTE: '5' } });
  });
  afterAll(() => t.close());

  it('answers 429 with Retry-After past the read budget, for that caller only, and leaves writes their own budget', async () => {
    const alice = await bearer('case-worker-1', 'case-worker');
    const bob = await bearer('case-worker-2', 'case-worker');
    const id = await openWithPreferences(t, alice, 0);
    for (let n = 0; n < 5; n += 1) await t.http().get(`/journeys/${id}`).set('Authorization', alice).expect(200);
    const refused = await t.http().get(`/journeys/${id}/history`).set('Authorization', alice).expect(429);
    expect(refused.body).toMatchObject({ error: 'REQUEST.RATE_LIMITED', limitPerMinute: 5, counts: 'reads' });
    expect(refused.body.message).toMatch(/^too many reads/);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // A HEAD is a read too.
    await t.http().head(`/journeys/${id}`).set('Authorization', alice).expect(429);
    // Another caller has a budget of their own; the same caller's writes are counted apart.
    await t.http().get('/auth/whoami').set('Authorization', bob).expect(200);
    const data = { ...fact('PreferenceRecorded').data, topic: 'after-reads' };
    await t.http().post(`/journeys/${id}/events`).set('Authorization', alice).send({ type: 'PreferenceRecorded', data }).expect(201);
    // Liveness has no caller and no limit.
    await t.http().get('/health/live').expect(200);
  });
});

describe('history in pages', () => {
  let t: TestApp;
  let auth: string;
  let id: string;

  beforeAll(async () => {
    t = await startApp({ clock: new ManualClock(NOW) });
    auth = await bearer('case-worker-1', 'case-worker');
    id = await openWithPreferences(t, auth, 6);
  });
  afterAll(() => t.close());

  it('walks the facts page by page with `limit` and `after`, each with the state after it', async () => {
    const revisions: number[] = [];
    let after: number | null = null;
    let pages = 0;
    do {
      const query: string = after === null ? 'limit=3' : `limit=3&after=${after}`;
      const page = await t.http().get(`/journeys/${id}/history?${query}`).set('Authorization', auth).expect(200);
      expect(page.body.events.length).toBeLessThanOrEqual(3);
      revisions.push(...(page.body.events as Array<{ revision: number; stateAfter: string }>).map((event) => event.revision));
      expect((page.body.events as Array<{ stateAfter: string }>).every((event) => typeof event.stateAfter === 'string')).toBe(true);
      after = page.body.next as number | null;
      pages += 1;
    } while (after !== null);
    expect(revisions).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(pages).toBe(3);
  });

  it('answers the whole of a short journey in one page, with no next', async () => {
    const whole = await t.http().get(`/journeys/${id}/history`).set('Authorization', auth).expect(200);
    expect([whole.body.events.length, whole.body.next]).toEqual([7, null]);
    const past = await t.http().get(`/journeys/${id}/history?after=6`).set('Authorization', auth).expect(200);
    expect([past.body.events, past.body.next]).toEqual([[], null]);
  });

  it.each(['limit=0', 'limit=1001', 'limit=many', 'after=-1', 'after=1.5', 'after=1e29'])('refuses %s naming the field', async (query) => {
    const response = await t.http().get(`/journeys/${id}/history?${query}`).set('Authorization', auth).expect(400);
    expect(response.body.details[0].field).toBe(query.split('=')[0]);
  });
});

/**
 * Every export waits at a gate the test opens before it is built, so exports pile up exactly as
 * forty slow ones would on a busy machine, without depending on how fast this one is. Everything
 * else (the limit, the routes, the export worker, the store) is the real app.
 */
class GatedExports extends ExportBuilder {
  entered = 0;
  private open!: () => void;
  private readonly gate = new Promise<void>((resolve) => (this.open = resolve));

  override async build(...args: Parameters<ExportBuilder['build']>): ReturnType<ExportBuilder['build']> {
    this.entered += 1;
    await this.gate;
    return super.build(...args);
  }

  release(): void {
    this.open();
  }
}

async function until(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > 20_000) throw new Error('the condition never held');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('exports are bounded', () => {
  const data = tempDataDir();
  let t: TestApp;
  let gated: GatedExports;

  beforeAll(async () => {
    Object.assign(process.env, { EVENT_STORE: 'sqlite', SQLITE_FILE: data.file, AUTH_SECRET: TEST_SECRET, NODE_ENV: 'test' });
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
      .overrideProvider(Clock)
      .useValue(new ManualClock(NOW))
      .overrideProvider(ExportBuilder)
      .useFactory({
        factory: (store: EventStore, journeys: AuditedJourneys) => new GatedExports(store, journeys),
        inject: [EventStore, AuditedJourneys],
      })
      .compile();
    const app = moduleRef.createNestApplication(httpAdapter(), { ...NEST_APP_OPTIONS, logger: false });
    await configureApp(app);
    await app.init();
    await readyForRequests(app);
    t = { app, http: () => request(app.getHttpServer()), close: () => app.close() };
    gated = app.get(ExportBuilder) as GatedExports;
  });
  afterAll(async () => {
    await t.close();
    data.remove();
  });

  it('builds a few at once, queues a few, answers the rest 503 SERVICE.BUSY with Retry-After at once, and liveness keeps answering', async () => {
    const auth = await bearer('case-worker-1', 'case-worker');
    const id = await openWithPreferences(t, auth, 2);
    const extra = 5;
    const settled: request.Response[] = [];
    const exports = Array.from({ length: EXPORT_LIMITS.running + EXPORT_LIMITS.waiting + extra }, () =>
      t
        .http()
        .get(`/journeys/${id}/export?format=html`)
        .set('Authorization', auth)
        .then((response) => {
          settled.push(response);
          return response;
        }),
    );
    await until(() => gated.entered === EXPORT_LIMITS.running && settled.length === extra);
    for (const refused of settled) {
      expect([refused.status, refused.body.error, refused.body.retryAfterSeconds, refused.headers['retry-after']]).toEqual([
        503,
        'SERVICE.BUSY',
        2,
        '2',
      ]);
    }
    // With every export slot taken and the queue full, the rest of the service answers.
    await t.http().get('/health/live').expect(200);
    await t.http().get(`/journeys/${id}`).set('Authorization', auth).expect(200);
    gated.release();
    const answers = await Promise.all(exports);
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(EXPORT_LIMITS.running + EXPORT_LIMITS.waiting);
    expect(gated.entered).toBe(EXPORT_LIMITS.running + EXPORT_LIMITS.waiting);
    // Once the burst is over, exports are built again.
    await t.http().get(`/journeys/${id}/export?format=json`).set('Authorization', auth).expect(200);
  });
});
