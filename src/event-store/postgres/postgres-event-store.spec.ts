/**
 * What the PostgreSQL adapter promises beyond the shared contract (test/contract): versioned
 * migrations, immutability by grants and by triggers, commit-ordered positions that a follower
 * never skips with several instances appending at once, group commit, and LISTEN/NOTIFY.
 * Runs against a real server (test/support/postgres.ts); never skipped.
 */
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { freshSchema, usePostgres } from '../../../test/support/postgres';
import { NewEvent, StoredEvent, StoreUnavailableError, Subscription } from '../event-store';
import { PostgresEventStore, PostgresEventStoreOptions } from './postgres-event-store';
import { SCHEMA_VERSION } from './schema';

const postgres = usePostgres();
const opened: Array<PostgresEventStore | Client | Subscription> = [];

afterEach(async () => {
  for (const resource of opened.splice(0).reverse()) {
    if (resource instanceof Client) await resource.end();
    else await resource.close();
  }
});

function openStore(schema: string, options: Partial<PostgresEventStoreOptions> = {}): PostgresEventStore {
  const { url, migrationUrl } = postgres();
  const store = new PostgresEventStore({ url, migrationUrl, schema, ...options });
  opened.push(store);
  return store;
}

async function connect(url: string): Promise<Client> {
  const client = new Client({ connectionString: url });
  await client.connect();
  opened.push(client);
  return client;
}

function newEvent(type: string): NewEvent {
  return { id: randomUUID(), type, data: { type }, metadata: { correlationId: randomUUID() } };
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('PostgreSQL event store: migrations', () => {
  it('creates the schema on start and records each version once, however many instances start together', async () => {
    const schema = freshSchema('migrate');
    const stores = [openStore(schema), openStore(schema), openStore(schema)];

    await Promise.all(stores.map((store) => store.whenReady()));

    const admin = await connect(postgres().adminUrl);
    const versions = await admin.query(`SELECT version FROM ${schema}.schema_migrations ORDER BY version`);
    expect(versions.rows.map((row) => row.version)).toEqual(Array.from({ length: SCHEMA_VERSION }, (_, index) => index + 1));
    const owner = await admin.query(`SELECT tableowner FROM pg_tables WHERE schemaname = $1 AND tablename = 'events'`, [schema]);
    expect(owner.rows).toEqual([{ tableowner: 'engine_owner' }]);
  });

  it('starts as the everyday role alone once the schema is migrated (it has no CREATE privilege)', async () => {
    const schema = freshSchema('runtime');
    await openStore(schema).whenReady();

    const store = openStore(schema, { migrationUrl: undefined });

    await expect(store.appendToStream(`journey-${randomUUID()}`, [newEvent('A')], 'no-stream')).resolves.toMatchObject({
      nextRevision: 0,
    });
  });

  it('refuses a schema migrated by a newer build, naming both versions', async () => {
    const schema = freshSchema('newer');
    await openStore(schema).whenReady();
    const owner = await connect(postgres().migrationUrl);
    await owner.query(`INSERT INTO ${schema}.schema_migrations (version, name) VALUES (999, 'from the future')`);

    const attempt = openStore(schema).appendToStream(`journey-${randomUUID()}`, [newEvent('A')], 'no-stream');

    await expect(attempt).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(attempt).rejects.toThrow(`version 999; this build knows up to ${SCHEMA_VERSION}`);
  });

  it('prepares the schema again once the database is there, after a start that found none', async () => {
    const database = freshSchema('late_db');
    const withDatabase = (url: string) => url.replace(/\/support$/, `/${database}`);
    const store = openStore(freshSchema('late'), {
      url: withDatabase(postgres().url),
      migrationUrl: withDatabase(postgres().migrationUrl),
    });
    await expect(store.ping()).rejects.toThrow('the database does not exist');

    const admin = await connect(postgres().adminUrl);
    await admin.query(`CREATE DATABASE ${database} OWNER engine_owner`);
    await admin.query(`GRANT CONNECT ON DATABASE ${database} TO engine`);

    await expect(store.appendToStream(`journey-${randomUUID()}`, [newEvent('A')], 'no-stream')).resolves.toMatchObject({
      nextRevision: 0,
    });
  });

  it('reports an unreachable server as StoreUnavailableError', async () => {
    const store = openStore('unreachable', { url: 'postgres://engine@127.0.0.1:1/support', migrationUrl: undefined });

    await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.appendToStream(`journey-${randomUUID()}`, [newEvent('A')], 'any')).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});

describe('PostgreSQL event store: immutability', () => {
  let schema: string;
  let stream: string;

  beforeEach(async () => {
    schema = freshSchema('immutable');
    stream = `journey-${randomUUID()}`;
    await openStore(schema).appendToStream(stream, [newEvent('ReferralReceived')], 'no-stream');
  });

  it("grants the engine's role SELECT and INSERT on events, and nothing else", async () => {
    const admin = await connect(postgres().adminUrl);

    const grants = await admin.query(
      `SELECT privilege_type FROM information_schema.role_table_grants
       WHERE grantee = 'engine' AND table_schema = $1 AND table_name = 'events' ORDER BY privilege_type`,
      [schema],
    );

    expect(grants.rows.map((row) => row.privilege_type)).toEqual(['INSERT', 'SELECT']);
  });

  it.each([
    ['UPDATE', (table: string) => `UPDATE ${table} SET type = 'Rewritten'`],
    ['DELETE', (table: string) => `DELETE FROM ${table}`],
    ['TRUNCATE', (table: string) => `TRUNCATE ${table}`],
  ])("refuses %s to the engine's role (no privilege)", async (_, statement) => {
    const engine = await connect(postgres().url);

    await expect(engine.query(statement(`${schema}.events`))).rejects.toMatchObject({ code: '42501' });
  });

  it.each([
    ['UPDATE', (table: string) => `UPDATE ${table} SET type = 'Rewritten'`, 'never updated'],
    ['DELETE', (table: string) => `DELETE FROM ${table}`, 'never deleted'],
    ['TRUNCATE', (table: string) => `TRUNCATE ${table}`, 'never truncated'],
  ])('refuses %s even to the table owner (trigger)', async (_, statement, message) => {
    const owner = await connect(postgres().migrationUrl);

    await expect(owner.query(statement(`${schema}.events`))).rejects.toThrow(message);
    const still = await owner.query(`SELECT type FROM ${schema}.events`);
    expect(still.rows).toEqual([{ type: 'ReferralReceived' }]);
  });
});

describe('PostgreSQL event store: global order with several instances', () => {
  it('holds back a later position until an earlier transaction commits, then delivers both in order', async () => {
    const schema = freshSchema('order');
    const writer = openStore(schema);
    const watcher = openStore(schema);
    await Promise.all([writer.whenReady(), watcher.whenReady()]);
    const received: StoredEvent[] = [];
    opened.push(watcher.subscribe({}, (event) => void received.push(event)));

    // A transaction from outside the engine draws a position and stays open...
    const slow = await connect(postgres().url);
    await slow.query('BEGIN');
    await slow.query(
      `INSERT INTO ${schema}.events (stream_id, revision, event_id, type, data, metadata)
       VALUES ($1, 0, $2, 'Slow', '{}', '{}')`,
      [`journey-${randomUUID()}`, randomUUID()],
    );
    // ...so an append from another instance waits for it rather than committing a later position first.
    let appended = false;
    const fast = writer.appendToStream(`journey-${randomUUID()}`, [newEvent('Fast')], 'no-stream').then((result) => {
      appended = true;
      return result;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(appended).toBe(false);
    expect(received).toEqual([]);

    await slow.query('COMMIT');
    const result = await fast;
    await waitFor(() => received.length === 2, 'both events');

    expect(received.map((event) => event.type)).toEqual(['Slow', 'Fast']);
    expect(received[1].position).toBe(result.position);
    expect(received[1].position).toBeGreaterThan(received[0].position);
  });

  it('never skips or repeats an event while four instances append at once and others follow', async () => {
    const schema = freshSchema('concurrent');
    const instances = Array.from({ length: 4 }, () => openStore(schema));
    // A long poll interval: the followers below only learn of other instances' commits by NOTIFY.
    const followerStore = openStore(schema, { pollIntervalMs: 600_000 });
    await Promise.all([...instances, followerStore].map((store) => store.whenReady()));
    const live: StoredEvent[] = [];
    opened.push(followerStore.subscribe({ streamPrefix: 'journey-' }, (event) => void live.push(event)));

    const streams = Array.from({ length: 8 }, () => `journey-${randomUUID()}`);
    const written: string[] = [];
    const writersPerInstance = 8;
    const appendsPerWriter = 12;
    await Promise.all(
      instances.flatMap((store) =>
        Array.from({ length: writersPerInstance }, async (_, writer) => {
          for (let index = 0; index < appendsPerWriter; index++) {
            const batch = [newEvent(`W${writer}-${index}`), ...(index % 3 === 0 ? [newEvent('Second')] : [])];
            await store.appendToStream(streams[(writer + index) % streams.length], batch, 'any');
            written.push(...batch.map((event) => event.id));
          }
        }),
      ),
    );
    await waitFor(() => live.length === written.length, `all ${written.length} events followed`);

    const stored = await instances[0].readAll({ maxCount: 10_000 });
    expect(stored).toHaveLength(written.length);
    expect(live.map((event) => event.id)).toEqual(stored.map((event) => event.id));
    expect(new Set(live.map((event) => event.id))).toEqual(new Set(written));
    live.slice(1).forEach((event, index) => expect(event.position).toBeGreaterThan(live[index].position));
    for (const stream of streams) {
      const revisions = (await instances[1].readStream(stream)).map((event) => event.revision);
      expect(revisions).toEqual(revisions.map((_, index) => index));
    }

    // A follower resuming from a checkpoint in the middle gets exactly the rest.
    const checkpoint = live[Math.floor(live.length / 2)].position;
    const resumed: StoredEvent[] = [];
    opened.push(instances[2].subscribe({ after: checkpoint }, (event) => void resumed.push(event)));
    await waitFor(() => resumed.length === live.filter((event) => event.position > checkpoint).length, 'the rest');
    expect(resumed.map((event) => event.id)).toEqual(live.filter((event) => event.position > checkpoint).map((event) => event.id));
  }, 120_000);

  it('fails only the append PostgreSQL refuses to store, writing the rest of its batch', async () => {
    const store = openStore(freshSchema('refused'));
    await store.whenReady();
    const streams = Array.from({ length: 6 }, () => `journey-${randomUUID()}`);
    // A NUL character cannot be stored in a PostgreSQL text column: the server refuses that row.
    const refused = { ...newEvent('A'), type: 'Bad\u0000Type' };

    const outcomes = await Promise.allSettled(
      streams.map((stream, index) => store.appendToStream(stream, [index === 3 ? refused : newEvent('Fine')], 'no-stream')),
    );

    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    expect(outcomes[3]).toMatchObject({ status: 'rejected', reason: { code: '22021' } });
    expect(store.stats().largestBatch).toBeGreaterThan(1);
    const written = await Promise.all(streams.map((stream) => store.readStream(stream)));
    expect(written.map((events) => events.length)).toEqual([1, 1, 1, 0, 1, 1]);
  });

  it('keeps following after its LISTEN connection is cut (a failover), catching up from its checkpoint', async () => {
    const schema = freshSchema('relisten');
    const writer = openStore(schema);
    // Polling effectively off: only a notification, or the listener's reconnection, delivers.
    const follower = openStore(schema, { pollIntervalMs: 600_000 });
    await Promise.all([writer.whenReady(), follower.whenReady()]);
    const received: string[] = [];
    opened.push(follower.subscribe({}, (event) => void received.push(event.type)));
    await writer.appendToStream(`journey-${randomUUID()}`, [newEvent('BeforeCut')], 'no-stream');
    await waitFor(() => received.length === 1, 'the first event');

    const admin = await connect(postgres().adminUrl);
    const cut = await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query ILIKE 'LISTEN%' AND query LIKE $1`, [
      `%${schema}%`,
    ]);
    expect(cut.rowCount).toBe(1);
    await writer.appendToStream(`journey-${randomUUID()}`, [newEvent('AfterCut')], 'no-stream');

    await waitFor(() => received.length === 2, 'the event appended while the listener was cut');
    expect(received).toEqual(['BeforeCut', 'AfterCut']);
  });

  it('writes appends that arrive together in one transaction (group commit), each checked on its own', async () => {
    const store = openStore(freshSchema('group'));
    await store.whenReady();
    const stream = `journey-${randomUUID()}`;
    await store.appendToStream(stream, [newEvent('Start')], 'no-stream');
    const before = store.stats();

    const outcomes = await Promise.allSettled([
      ...Array.from({ length: 30 }, () => store.appendToStream(`journey-${randomUUID()}`, [newEvent('A')], 'no-stream')),
      store.appendToStream(stream, [newEvent('Stale')], 5),
    ]);

    const after = store.stats();
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(30);
    expect(outcomes[30]).toMatchObject({ status: 'rejected', reason: { name: 'StreamConflictError', actual: 0 } });
    expect(after.appends - before.appends).toBe(31);
    expect(after.commits - before.commits).toBeLessThan(31);
  });
});
