/**
 * GET /metrics through the real app: closed unless configured, behind its own token or on its own
 * port, and counting what an operations team alerts on, from real requests on a real SQLite store.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import request from 'supertest';
import { DeadlineScheduler } from '../../src/clocks/deadline-scheduler';
import { ManualClock } from '../../src/common/clock';
import { EventStore } from '../../src/event-store/event-store';
import { ReadModels } from '../../src/projections/read-models.service';
import { fact } from '../../workflows/testing/facts';
import { bearer, startApp, type TestApp } from '../support/test-app';
import { valueOf } from './prometheus-text';

const METRICS_TOKEN = 'metrics-token-that-is-long-enough-0123';

describe('GET /metrics', () => {
  it('is not served unless METRICS_TOKEN or METRICS_PORT is set', async () => {
    const t = await startApp();
    try {
      await t.http().get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(404);
    } finally {
      await t.close();
    }
  });

  describe('with METRICS_TOKEN', () => {
    const clock = new ManualClock(new Date('2026-03-02T09:00:00Z'));
    let t: TestApp;
    let caseWorker: string;
    let journeyId: string;
    const scrape = async () => (await t.http().get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(200)).text;

    beforeAll(async () => {
      t = await startApp({ clock, env: { METRICS_TOKEN, RATE_LIMIT_WRITES_PER_MINUTE: '5' } });
      caseWorker = await bearer('case-worker-1', 'case-worker', { organisation: 'council-a' });
      const approver = await bearer('approver-1', 'approver', { organisation: 'council-a' });
      const record = (auth: string, body: object, ifMatch?: string) => {
        const post = t.http().post(`/journeys/${journeyId}/events`).set('Authorization', auth);
        return (ifMatch ? post.set('If-Match', ifMatch) : post).send(body);
      };
      journeyId = (
        await t
          .http()
          .post('/journeys')
          .set('Authorization', caseWorker)
          .send({ data: fact('ReferralReceived').data })
          .expect(201)
      ).body.id;
      await record(caseWorker, { type: 'AssessmentStarted', data: fact('AssessmentStarted').data }).expect(201);
      await record(approver, { type: 'AssessmentCompleted', data: fact('AssessmentCompleted').data }).expect(403);
      await record(caseWorker, { type: 'SupportStarted', data: { startDate: '2026-03-02' } }).expect(409);
      await record(caseWorker, { type: 'PreferenceRecorded', data: fact('PreferenceRecorded').data }, '"0"').expect(412);
      await t.http().get(`/journeys/${journeyId}`).set('Authorization', caseWorker).expect(200);
    });
    afterAll(() => t.close());

    it('refuses a missing or wrong token, and a user token, with 401', async () => {
      await t.http().get('/metrics').expect(401);
      await t.http().get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}x`).expect(401);
      const answer = await t.http().get('/metrics').set('Authorization', caseWorker).expect(401);
      expect(answer.body).toMatchObject({ error: 'AUTH.UNAUTHENTICATED' });
    });

    it('answers in the Prometheus text format, with the Node process metrics', async () => {
      const answer = await t.http().get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(200);
      expect(answer.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(valueOf(answer.text, 'spe_process_cpu_user_seconds_total')).toBeGreaterThan(0);
      expect(valueOf(answer.text, 'spe_nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    });

    it('has every metric the Grafana dashboard and the docs use', async () => {
      const exposed = new Set([...(await scrape()).matchAll(/^# TYPE (\S+)/gm)].map((match) => match[1]));
      const named = (file: string) =>
        new Set(
          [...readFileSync(join(__dirname, '..', '..', 'docs', file), 'utf8').matchAll(/spe_[a-z0-9_]*[a-z0-9](?![a-z0-9_]*\*)/g)].map(
            (m) => m[0],
          ),
        );
      const used = [...named('grafana-dashboard.json'), ...named('operating.md')].map((name) => name.replace(/_(bucket|sum|count)$/, ''));
      expect(used.length).toBeGreaterThan(15);
      expect(used.filter((name) => !exposed.has(name))).toEqual([]);
    });

    it('counts commands recorded by event type and refused by the rule that refused them', async () => {
      const text = await scrape();
      expect(valueOf(text, 'spe_commands_recorded_total', { event_type: 'ReferralReceived' })).toBe(1);
      expect(valueOf(text, 'spe_commands_recorded_total', { event_type: 'AssessmentStarted' })).toBe(1);
      expect(valueOf(text, 'spe_commands_refused_total', { event_type: 'AssessmentCompleted', rule: 'actorMayRecord' })).toBe(1);
      expect(valueOf(text, 'spe_commands_refused_total', { event_type: 'SupportStarted', rule: 'wrong-state' })).toBe(1);
      expect(valueOf(text, 'spe_commands_refused_total', { event_type: 'PreferenceRecorded', rule: 'staleRevision' })).toBe(1);
    });

    it('times requests by route template, never by URL', async () => {
      const text = await scrape();
      const count = (route: string, status: string) =>
        valueOf(text, 'spe_http_request_duration_seconds_count', { method: 'POST', route, status });
      expect(count('/journeys', '201')).toBe(1);
      expect(count('/journeys/:id/events', '409')).toBe(1);
      expect(valueOf(text, 'spe_http_request_duration_seconds_count', { method: 'GET', route: '/journeys/:id', status: '200' })).toBe(1);
      expect(text).not.toContain(journeyId);
    });

    it('times the store port by operation and sees group commits', async () => {
      const text = await scrape();
      expect(
        valueOf(text, 'spe_event_store_operation_duration_seconds_count', { operation: 'append', outcome: 'ok' }),
      ).toBeGreaterThanOrEqual(2);
      expect(
        valueOf(text, 'spe_event_store_operation_duration_seconds_count', { operation: 'readStream', outcome: 'ok' }),
      ).toBeGreaterThanOrEqual(1);
      expect(valueOf(text, 'spe_event_store_group_commit_size_count')).toBeGreaterThanOrEqual(2);
      expect(valueOf(text, 'spe_event_store_group_commit_size_sum')).toBeGreaterThanOrEqual(2);
      expect(valueOf(text, 'spe_event_store_up')).toBe(1);
    });

    it('counts the access log entries written', async () => {
      expect(valueOf(await scrape(), 'spe_access_log_entries_total', { outcome: 'written' })).toBe(1);
    });

    it('shows open clocks by clock, and a missed one once the scheduler records it', async () => {
      expect(valueOf(await scrape(), 'spe_clocks', { clock: 'assessment-completed', status: 'running' })).toBe(1);
      clock.set('2026-04-15T09:00:00Z');
      await t.app.get(DeadlineScheduler).tick();
      await t.app.get(ReadModels).ensureCaughtUp(await t.app.get(EventStore).headPosition(), 5000);
      const text = await scrape();
      expect(valueOf(text, 'spe_clocks', { clock: 'assessment-completed', status: 'missed' })).toBe(1);
      expect(valueOf(text, 'spe_clocks', { clock: 'assessment-completed', status: 'running' })).toBeUndefined();
    });

    it('counts rate-limit refusals by route', async () => {
      const busy = await bearer('busy-worker', 'case-worker');
      const statuses: number[] = [];
      for (let n = 0; n < 6; n += 1) statuses.push((await t.http().post('/journeys').set('Authorization', busy).send({})).status);
      expect(statuses).toEqual([400, 400, 400, 400, 400, 429]);
      expect(valueOf(await scrape(), 'spe_rate_limit_refusals_total', { route: '/journeys' })).toBe(1);
    });

    it('shows how far behind the read models are, in events and in seconds', async () => {
      const readModels = t.app.get(ReadModels);
      expect(valueOf(await scrape(), 'spe_read_model_lag_events')).toBe(0);
      expect(valueOf(await scrape(), 'spe_read_model_lag_seconds')).toBe(0);
      await readModels.stopFollowing();
      const writer = await bearer('case-worker-2', 'case-worker', { organisation: 'council-a' });
      await t
        .http()
        .post('/journeys')
        .set('Authorization', writer)
        .send({ data: fact('ReferralReceived').data })
        .expect(201);
      clock.set(new Date(clock.now().getTime() + 90_000));
      const text = await scrape();
      expect(valueOf(text, 'spe_read_model_lag_events')).toBe(1);
      expect(valueOf(text, 'spe_read_model_lag_seconds')).toBe(90);
      expect(valueOf(text, 'spe_read_models_up')).toBe(1);
    });
  });

  describe('with METRICS_PORT', () => {
    let t: TestApp;
    let port: number;

    beforeAll(async () => {
      port = await freePort();
      t = await startApp({ env: { METRICS_PORT: String(port) } });
    });
    afterAll(() => t.close());

    it('serves the metrics on that port only, without a token', async () => {
      const own = request(`http://127.0.0.1:${port}`);
      const answer = await own.get('/metrics').expect(200);
      expect(valueOf(answer.text, 'spe_event_store_up')).toBe(1);
      await own.get('/journeys').expect(404);
      await t.http().get('/metrics').expect(404);
    });
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject).listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
