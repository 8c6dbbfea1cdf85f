/**
 * Hardening of the HTTP edge, on the real app: the write rate limit per token subject, CORS closed
 * by default and opened only to named origins, security headers, body limit, JSON only, and error
 * bodies without stack traces or SQL.
 */
import { ManualClock } from '../../src/common/clock';
import type { EventType } from '../../workflows';
import { fact } from '../../workflows/testing/facts';
import { bearer, startApp as startRealApp, type StartOptions, type TestApp } from '../support/test-app';

const startApp = (options: StartOptions = {}) => startRealApp({ clock: new ManualClock(new Date('2026-01-05T10:00:00Z')), ...options });
const dataOf = (type: EventType) => fact(type).data;

describe('rate limit on writes, per token subject', () => {
  let t: TestApp;
  let alice: string;
  let bob: string;
  beforeAll(async () => {
    t = await startApp({ env: { RATE_LIMIT_WRITES_PER_MINUTE: '3' } });
    alice = await bearer('alice', 'case-worker', { organisation: 'council-a' });
    bob = await bearer('bob', 'case-worker', { organisation: 'council-a' });
  });
  afterAll(() => t.close());

  const open = (auth: string) =>
    t
      .http()
      .post('/journeys')
      .set('Authorization', auth)
      .send({ data: dataOf('ReferralReceived') });

  it('answers 429 with Retry-After once a subject has used its writes for the minute, across routes', async () => {
    const first = await open(alice).expect(201);
    await t
      .http()
      .post(`/journeys/${first.body.id}/events`)
      .set('Authorization', alice)
      .send({ type: 'AssessmentStarted', data: dataOf('AssessmentStarted') })
      .expect(201);
    // A refused write counts too: the limit is on what reaches the engine, not on what succeeds.
    await t.http().post(`/journeys/${first.body.id}/events`).set('Authorization', alice).send({ type: 'Nonsense', data: {} }).expect(400);
    const limited = await open(alice).expect(429);
    expect(limited.body).toMatchObject({ statusCode: 429, error: 'REQUEST.RATE_LIMITED', limitPerMinute: 3 });
    expect(typeof limited.body.message).toBe('string');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it('keeps another subject’s budget separate, and leaves reads alone', async () => {
    await open(bob).expect(201);
    await t.http().get('/journeys').set('Authorization', alice).expect(200);
    await t.http().get('/auth/whoami').set('Authorization', alice).expect(200);
  });

  it('does not count requests without a valid token against anyone', async () => {
    for (let n = 0; n < 5; n += 1) await t.http().post('/journeys').set('Authorization', 'Bearer nope').send({}).expect(401);
    await open(bob).expect(201);
  });
});

describe('CORS', () => {
  const preflight = (t: TestApp, origin: string) =>
    t
      .http()
      .options('/journeys')
      .set('Origin', origin)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization,content-type');

  it('is closed by default: no Access-Control-Allow-Origin for any origin', async () => {
    const t = await startApp();
    try {
      const answer = await preflight(t, 'https://planner.council.example');
      expect(answer.headers['access-control-allow-origin']).toBeUndefined();
      const read = await t.http().get('/health/live').set('Origin', 'https://planner.council.example');
      expect(read.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await t.close();
    }
  });

  it('opens only to the origins CORS_ORIGINS names, without credentials', async () => {
    const t = await startApp({ env: { CORS_ORIGINS: 'https://planner.council.example' } });
    try {
      const allowed = await preflight(t, 'https://planner.council.example').expect(204);
      expect(allowed.headers['access-control-allow-origin']).toBe('https://planner.council.example');
      expect(allowed.headers['access-control-allow-headers']).toMatch(/Authorization/);
      expect(allowed.headers['access-control-allow-credentials']).toBeUndefined();
      const other = await preflight(t, 'https://evil.example');
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await t.close();
    }
  });
});

describe('the edge', () => {
  let t: TestApp;
  let caseWorker: string;
  beforeAll(async () => {
    t = await startApp();
    caseWorker = await bearer('case-worker-1', 'case-worker', { organisation: 'council-a' });
  });
  afterAll(() => t.close());

  it('sends security headers and no X-Powered-By', async () => {
    const response = await t.http().get('/health/live');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['strict-transport-security']).toBeDefined();
    expect(response.headers['content-security-policy']).toBeDefined();
    expect(response.headers['x-powered-by']).toBeUndefined();
  });

  it('refuses a body over the limit (413) and a body that is not JSON (415)', async () => {
    const big = { data: { ...dataOf('ReferralReceived'), summary: 'x'.repeat(300 * 1024) } };
    await t.http().post('/journeys').set('Authorization', caseWorker).send(big).expect(413);
    await t.http().post('/journeys').set('Authorization', caseWorker).set('Content-Type', 'text/plain').send('hello').expect(415);
  });

  it('never puts a stack trace or SQL in an error body', async () => {
    const answers = await Promise.all([
      t.http().post('/journeys').set('Authorization', caseWorker).set('Content-Type', 'application/json').send('{"data": '),
      t.http().post('/journeys/not-a-uuid/events').set('Authorization', caseWorker).send({ type: 'AssessmentStarted', data: {} }),
      t.http().post("/journeys/00000000-0000-4000-8000-000000000000'--/events").set('Authorization', caseWorker).send({}),
      t.http().get('/journeys?limit=1;DROP TABLE events').set('Authorization', caseWorker),
    ]);
    for (const answer of answers) {
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(answer.status).toBeLessThan(500);
      const body = JSON.stringify(answer.body);
      expect(body).not.toMatch(/\bat \S+ \(|\.ts:\d+|node_modules|SQLITE|SELECT |INSERT /i);
    }
  });
});
