/**
 * The access log in PostgreSQL (EVENT_STORE=postgres): the same answers as the SQLite log, one log
 * for every instance, append-only by grants and by triggers. Against a real server; never skipped.
 */
import { Client } from 'pg';
import { freshSchema, usePostgres } from '../../test/support/postgres';
import type { Actor } from '../auth/actor';
import type { NewAccessEntry } from './access-log';
import { PostgresAccessLog } from './postgres-access-log';

const JOURNEY = '6f1c2b8e-0d7a-4c1e-9d3e-5b0a1f2e3d4c';
const OTHER_JOURNEY = '11111111-1111-4111-8111-111111111111';
const AT = new Date('2026-03-02T18:00:00Z');
const advocate: Actor = { id: 'advocate-1', role: 'advocate' };
const caseWorker: Actor = { id: 'case-worker-1', role: 'case-worker', organisation: 'council-a', onBehalfOf: 'person-1' };
const entry = (actor: Actor, journeyId = JOURNEY): NewAccessEntry => ({
  at: AT,
  actor,
  route: 'GET /journeys/:id',
  detail: null,
  journeyId,
});

describe('PostgresAccessLog', () => {
  const postgres = usePostgres();
  let schema: string;
  const logs: PostgresAccessLog[] = [];

  /** A log as one engine instance opens it. */
  function open(): PostgresAccessLog {
    const log = new PostgresAccessLog({ url: postgres().url, migrationUrl: postgres().migrationUrl, schema });
    logs.push(log);
    return log;
  }

  async function asRole(url: string, sql: string): Promise<unknown> {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      return await client.query(sql);
    } finally {
      await client.end();
    }
  }

  beforeEach(() => {
    schema = freshSchema('access');
  });
  afterEach(async () => {
    await Promise.all(logs.splice(0).map((log) => log.close()));
  });

  it('lists by journey and by actor, in the order read, page by page, whichever instance wrote', async () => {
    const [first, second] = [open(), open()];
    await first.record([entry(advocate)]);
    await second.record([entry(caseWorker)]);
    await first.record([entry(advocate, OTHER_JOURNEY), entry(advocate)]);

    const byJourney = await second.list({ journeyId: JOURNEY, limit: 2 });
    expect(byJourney.entries.map((e) => e.actor)).toEqual([advocate, caseWorker]);
    expect(byJourney.next).toBe(byJourney.entries[1].id);
    const rest = await first.list({ journeyId: JOURNEY, limit: 2, after: byJourney.next as number });
    expect([rest.entries.map((e) => e.id), rest.next]).toEqual([[4], null]);
    const byActor = await first.list({ actorId: 'advocate-1', limit: 10 });
    expect(byActor.entries.map((e) => e.journeyId)).toEqual([JOURNEY, OTHER_JOURNEY, JOURNEY]);
    expect(byActor.entries[0]).toEqual({
      id: 1,
      at: AT.toISOString(),
      actor: advocate,
      route: 'GET /journeys/:id',
      detail: null,
      journeyId: JOURNEY,
    });
  });

  it("is append-only: the engine's role may not change or remove an entry, and the owner is refused by the triggers", async () => {
    await open().record([entry(advocate)]);
    const table = `${schema}.access_log`;

    for (const statement of [`UPDATE ${table} SET actor_id = 'someone-else'`, `DELETE FROM ${table}`, `TRUNCATE ${table}`]) {
      await expect(asRole(postgres().url, statement)).rejects.toMatchObject({ code: '42501' });
      await expect(asRole(postgres().migrationUrl, statement)).rejects.toThrow('the access log is append-only');
    }
    expect((await open().list({ limit: 10 })).entries).toHaveLength(1);
  });
});
