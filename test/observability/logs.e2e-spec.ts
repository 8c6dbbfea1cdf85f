/**
 * The request log, through the production logger: one JSON line per request with method, route
 * template (never the raw URL), status, duration, who asked and the correlation id; and every
 * other line the request caused carries the same correlation id.
 */
import { fact } from '../../workflows/testing/facts';
import { CapturedLogger, type LogRecord } from '../support/captured-logger';
import { bearer, startApp, type TestApp } from '../support/test-app';

describe('request logs', () => {
  const logger = new CapturedLogger();
  let t: TestApp;
  let caseWorker: string;

  beforeAll(async () => {
    t = await startApp({ logger, env: { LOG_LEVEL: 'trace' } });
    caseWorker = await bearer('case-worker-1', 'case-worker', { organisation: 'council-a' });
  });
  afterAll(() => t.close());

  const requestLines = (correlationId: string) =>
    logger.records.filter((record) => record.correlationId === correlationId && record.route !== undefined);
  const linesOf = (correlationId: string) => logger.records.filter((record) => record.correlationId === correlationId);

  it('writes one line per request: method, route template, status, duration, actor, correlation id', async () => {
    const opened = await t
      .http()
      .post('/journeys')
      .set('Authorization', caseWorker)
      .set('X-Correlation-Id', 'open-1')
      .send({ data: fact('ReferralReceived').data })
      .expect(201);
    const id = opened.body.id as string;
    await t.http().get(`/journeys/${id}/state?revision=0`).set('Authorization', caseWorker).set('X-Correlation-Id', 'read-1').expect(200);

    expect(requestLines('open-1')).toEqual([
      expect.objectContaining({
        level: 30,
        msg: 'POST /journeys 201',
        method: 'POST',
        route: '/journeys',
        status: 201,
        durationMs: expect.any(Number),
        actor: { id: 'case-worker-1', role: 'case-worker' },
        correlationId: 'open-1',
      }),
    ]);
    const [read] = requestLines('read-1');
    expect(read).toMatchObject({ route: '/journeys/:id/state', status: 200, msg: 'GET /journeys/:id/state 200' });
    // The template, never the URL: no journey id, no query string anywhere in the line.
    expect(JSON.stringify(read)).not.toContain(id);
    expect(JSON.stringify(read)).not.toContain('revision=0');
  });

  it('gives every line of a request its correlation id, and answers with it', async () => {
    const refused = await t
      .http()
      .get('/auth/whoami')
      .set('Authorization', 'Bearer not-a-token')
      .set('X-Correlation-Id', 'refused-7')
      .expect(401);
    expect(refused.headers['x-correlation-id']).toBe('refused-7');
    const lines = linesOf('refused-7');
    // The guard's own line and the request line, both carrying the id.
    expect(lines.map((line: LogRecord) => line.msg)).toEqual([
      expect.stringMatching(/^refused GET \/auth\/whoami: /),
      'GET /auth/whoami 401',
    ]);
    expect(lines.map((line) => line.level)).toEqual([40, 40]);
  });

  it('makes one up when the caller sends none (or an unsafe one), and records the same id on the event', async () => {
    const opened = await t
      .http()
      .post('/journeys')
      .set('Authorization', caseWorker)
      .set('X-Correlation-Id', 'not safe: <script>')
      .send({ data: fact('ReferralReceived').data })
      .expect(201);
    const correlationId = opened.headers['x-correlation-id'] as string;
    expect(correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestLines(correlationId)).toHaveLength(1);
    const history = await t
      .http()
      .get(`/journeys/${opened.body.id as string}/history`)
      .set('Authorization', caseWorker)
      .expect(200);
    expect(history.body.events[0]).toMatchObject({ type: 'ReferralReceived', correlationId });
    expect(logger.text).not.toContain('<script>');
  });

  it('names a request no route matched as unmatched, not by its URL', async () => {
    await t.http().get('/no/such/route?person=someone').set('X-Correlation-Id', 'lost-1').expect(404);
    expect(requestLines('lost-1')).toEqual([expect.objectContaining({ route: 'unmatched', status: 404, msg: 'GET unmatched 404' })]);
    expect(logger.text).not.toContain('/no/such/route');
  });

  it('writes a request line for a body refused before any route (415), with its correlation id', async () => {
    await t
      .http()
      .post('/journeys')
      .set('Authorization', caseWorker)
      .set('X-Correlation-Id', 'not-json-1')
      .set('Content-Type', 'text/plain')
      .send('hello')
      .expect(415);
    expect(requestLines('not-json-1')).toEqual([expect.objectContaining({ method: 'POST', status: 415 })]);
  });
});
