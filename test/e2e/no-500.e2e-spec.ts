/**
 * Inputs that used to answer 500 (or a 503 no wait could cure): unknown workflows, JSON nested
 * thousands deep, a body that is not the gzip its Content-Encoding says, and a position past any
 * store's range. Each is a 4xx naming what is wrong. The property suites generate these classes
 * (bad-input.property, bad-query.property); here each is pinned with its exact answer.
 */
import { gzipSync } from 'node:zlib';
import { ManualClock } from '../../src/common/clock';
import { fact } from '../../workflows/testing/facts';
import { bearer, startApp, type TestApp } from '../support/test-app';

describe('no input gives a 500', () => {
  let t: TestApp;
  let caseWorker: string;
  let id: string;

  beforeAll(async () => {
    t = await startApp({ clock: new ManualClock(new Date('2026-01-05T10:00:00Z')) });
    caseWorker = await bearer('case-worker-1', 'case-worker');
    const opened = await t
      .http()
      .post('/journeys')
      .set('Authorization', caseWorker)
      .send({ data: fact('ReferralReceived').data })
      .expect(201);
    id = opened.body.id as string;
  });
  afterAll(() => t.close());

  it.each([
    ['/workflows/support-planning/999', 'support-planning', 999],
    ['/workflows/__proto__/1', '__proto__', 1],
    ['/workflows/constructor/1', 'constructor', 1],
    ['/workflows/toString/0', 'toString', 0],
  ])('GET %s is a 404 naming the workflow', async (path, workflowId, version) => {
    const response = await t.http().get(path).set('Authorization', caseWorker).expect(404);
    expect(response.body).toMatchObject({ error: 'WORKFLOW.NOT_FOUND', workflowId, version });
  });

  it('a version that is not a whole number is a 400 naming `version`', async () => {
    const response = await t.http().get('/workflows/support-planning/1e3').set('Authorization', caseWorker).expect(400);
    expect(response.body).toMatchObject({ error: 'REQUEST.INVALID_INPUT', details: [{ field: 'version', rule: 'isInt' }] });
  });

  it.each([
    ['arrays', (depth: number) => '['.repeat(depth) + ']'.repeat(depth)],
    ['objects', (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)],
  ])('JSON %s nested 8,000 deep are a 400 (depth limit), on every write route', async (_kind, nest) => {
    const body = `{"type":"PreferenceRecorded","data":${nest(8_000)}}`;
    for (const path of ['/journeys', `/journeys/${id}/events`]) {
      const response = await t
        .http()
        .post(path)
        .set('Authorization', caseWorker)
        .set('Content-Type', 'application/json')
        .send(body)
        .expect(400);
      expect(response.body).toMatchObject({ error: 'REQUEST.TOO_DEEP', maxDepth: 64 });
    }
  });

  it('JSON nested 65 deep is refused and 60 deep reaches validation', async () => {
    const nest = (depth: number) => `{"type":"PreferenceRecorded","data":{"topic":${'['.repeat(depth - 2)}${']'.repeat(depth - 2)}}}`;
    const tooDeep = await t
      .http()
      .post(`/journeys/${id}/events`)
      .set('Authorization', caseWorker)
      .set('Content-Type', 'application/json')
      .send(nest(65));
    expect([tooDeep.status, tooDeep.body.error]).toEqual([400, 'REQUEST.TOO_DEEP']);
    const deepEnough = await t
      .http()
      .post(`/journeys/${id}/events`)
      .set('Authorization', caseWorker)
      .set('Content-Type', 'application/json')
      .send(nest(60));
    expect([deepEnough.status, deepEnough.body.error]).toEqual([400, 'REQUEST.INVALID_INPUT']);
  });

  it.each(['gzip', 'deflate', 'br'])('Content-Encoding: %s with a body that is not so encoded is a 400', async (encoding) => {
    const response = await t
      .http()
      .post(`/journeys/${id}/events`)
      .set('Authorization', caseWorker)
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', encoding)
      .send('{"type":"PreferenceRecorded","data":{}}')
      .expect(400);
    expect(response.body).toMatchObject({ error: 'REQUEST.MALFORMED_BODY' });
    expect(response.body.message).toMatch(/Content-Encoding/);
  });

  it('a gzip body that is gzip is read (the encoding itself is supported)', async () => {
    const body = gzipSync(JSON.stringify({ type: 'PreferenceRecorded', data: fact('PreferenceRecorded').data }));
    const response = await t
      .http()
      .post(`/journeys/${id}/events`)
      .set('Authorization', caseWorker)
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', 'gzip')
      // As bytes: superagent would otherwise serialise a Buffer as JSON for a JSON content type.
      .serialize((bytes: Buffer) => bytes as unknown as string)
      .send(body);
    expect([response.status, response.body]).toEqual([201, expect.anything()]);
  });

  it.each(['/journeys', '/decisions'])('%s?after= past any position is a 400 naming `after`, not a 503 after a wait', async (path) => {
    for (const after of ['1e29', '100000000000000000000000000000', '18446744073709551616', '-1', '1.5', '0x10']) {
      const response = await t.http().get(`${path}?after=${after}&waitMs=0`).set('Authorization', caseWorker);
      expect([after, response.status, response.body.details?.[0]?.field, response.body.details?.[0]?.rule]).toEqual([
        after,
        400,
        'after',
        'isPosition',
      ]);
    }
    // The largest position a store can give is accepted (and waited for, as documented).
    const largest = await t.http().get(`${path}?after=18446744073709551615&waitMs=0`).set('Authorization', caseWorker);
    expect([largest.status, largest.body.error]).toEqual([503, 'READ_MODEL.LAGGING']);
  });
});
