/**
 * The service itself on EVENT_STORE=postgres (AppModule and configureApp, as main.ts runs them):
 * commands, a stale If-Match, a retried Idempotency-Key, the caseload and the verify route over a
 * real PostgreSQL; the access log written to PostgreSQL; and a database that cannot be reached
 * answered as 503 STORE.UNAVAILABLE, never a 500. Never skipped (test/support/postgres.ts).
 */
import { Client } from 'pg';
import { expectStoreUnavailable, faultCaseWorker, openJourney } from '../faults/fault-requests';
import { freshSchema, usePostgres } from '../support/postgres';
import { bearer, startApp, type TestApp } from '../support/test-app';

describe('the service on PostgreSQL', () => {
  const postgres = usePostgres();
  let t: TestApp;
  let schema: string;

  beforeAll(async () => {
    schema = freshSchema('app');
    const { url, migrationUrl } = postgres();
    t = await startApp({
      env: { EVENT_STORE: 'postgres', POSTGRES_URL: url, POSTGRES_MIGRATION_URL: migrationUrl, POSTGRES_SCHEMA: schema },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('records facts, refuses a stale If-Match with 412, repeats a retried Idempotency-Key, and lists and verifies the journey', async () => {
    const caseWorker = await faultCaseWorker();
    const auditor = await bearer('auditor-1', 'auditor');
    const opened = await openJourney(t, caseWorker);
    expect(opened.status).toBe(201);
    const id: string = opened.body.id;
    const preference = (n: number) => ({
      type: 'PreferenceRecorded',
      data: { topic: `topic-${n}`, value: `value-${n}`, inTheirWords: `words ${n}` },
    });
    const record = (n: number, header: [string, string]) =>
      t
        .http()
        .post(`/journeys/${id}/events`)
        .set('Authorization', caseWorker)
        .set(...header)
        .send(preference(n));

    const first = await record(1, ['Idempotency-Key', 'pg-1']).expect(201);
    const retried = await record(1, ['Idempotency-Key', 'pg-1']).expect(201);
    expect(retried.body).toMatchObject({ eventId: first.body.eventId, revision: 1, repeated: true });
    await record(2, ['If-Match', '"0"']).expect(412);

    const caseload = await t.http().get(`/journeys?after=${first.body.position}`).set('Authorization', auditor).expect(200);
    expect(caseload.body.items).toEqual([expect.objectContaining({ id, revision: 1 })]);
    const verified = await t.http().get(`/journeys/${id}/verify`).set('Authorization', auditor).expect(200);
    expect(verified.body).toMatchObject({ events: 2, chain: { intact: true }, replay: { consistent: true } });

    const admin = new Client({ connectionString: postgres().adminUrl });
    await admin.connect();
    try {
      const events = await admin.query(`SELECT type FROM ${schema}.events WHERE stream_id = $1 ORDER BY revision`, [`journey-${id}`]);
      expect(events.rows.map((row) => row.type)).toEqual(['ReferralReceived', 'PreferenceRecorded']);
      const reads = await admin.query(`SELECT route FROM ${schema}.access_log WHERE journey_id = $1 ORDER BY id`, [id]);
      expect(reads.rows.map((row) => row.route)).toEqual(['GET /journeys', `GET /journeys/:id/verify`]);
    } finally {
      await admin.end();
    }
  });
});

describe('the service when PostgreSQL cannot be reached', () => {
  it('answers a command 503 STORE.UNAVAILABLE and says it is not ready', async () => {
    const unreachable = 'postgres://engine@127.0.0.1:1/support';
    const t = await startApp({ env: { EVENT_STORE: 'postgres', POSTGRES_URL: unreachable } });
    try {
      expectStoreUnavailable(await openJourney(t, await faultCaseWorker()));
      await t.http().get('/health').expect(503);
    } finally {
      await t.close();
    }
  });
});
