/**
 * The PostgreSQL schema and its versioned migrations, run by the engine on start.
 *
 * Migrations are numbered and applied in order inside one transaction holding an advisory lock,
 * so several instances starting at once apply each exactly once. A database already at a higher
 * version than this build knows is refused (an older build must not write to a newer schema).
 *
 * Immutability is enforced twice: triggers refuse UPDATE, DELETE and TRUNCATE for every role,
 * and the engine's everyday role is only granted SELECT and INSERT (see grantRuntimeRole).
 *
 * The global position is assigned by a BEFORE INSERT trigger that first takes the commit-order
 * lock (see commit-order.ts): it lives in the schema so that no writer, not even one that bypasses
 * the engine, can commit positions out of order.
 */
import { Pool, type ClientBase } from 'pg';
import { StoreUnavailableError } from '../event-store';
import { commitOrderLockKey } from './commit-order';
import { quoteIdentifier } from './identifiers';

export interface Migration {
  version: number;
  name: string;
  sql: (schema: string) => string;
}

/** The NOTIFY channel an append's commit signals on (one per schema, so tests and tenants stay apart). */
export function notifyChannel(schema: string): string {
  return `${schema}_events_appended`;
}

const EVENTS_TABLE: Migration = {
  version: 1,
  name: 'events table, commit-ordered positions, immutability triggers, append notifications',
  sql: (schema) => {
    const s = quoteIdentifier(schema);
    return `
      CREATE SEQUENCE ${s}.events_position_seq AS bigint;
      CREATE TABLE ${s}.events (
        position bigint PRIMARY KEY,
        stream_id text NOT NULL,
        revision integer NOT NULL CHECK (revision >= 0),
        event_id text NOT NULL,
        type text NOT NULL,
        -- json, not jsonb: the text is kept exactly as the engine wrote it (key order included).
        data json NOT NULL,
        metadata json NOT NULL,
        UNIQUE (stream_id, revision),
        UNIQUE (stream_id, event_id)
      );
      ALTER SEQUENCE ${s}.events_position_seq OWNED BY ${s}.events.position;

      CREATE FUNCTION ${s}.events_assign_position() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        -- Held until COMMIT: positions are drawn and committed in one order (commit-order.ts).
        PERFORM pg_advisory_xact_lock(${commitOrderLockKey(schema)});
        NEW.position := nextval('${s}.events_position_seq');
        RETURN NEW;
      END $fn$;
      CREATE TRIGGER events_assign_position BEFORE INSERT ON ${s}.events
        FOR EACH ROW EXECUTE FUNCTION ${s}.events_assign_position();

      CREATE FUNCTION ${s}.events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        RAISE EXCEPTION 'events are immutable: history is never %d', lower(TG_OP)
          USING ERRCODE = 'restrict_violation';
      END $fn$;
      CREATE TRIGGER events_refuse_update_delete BEFORE UPDATE OR DELETE ON ${s}.events
        FOR EACH ROW EXECUTE FUNCTION ${s}.events_refuse_change();
      CREATE TRIGGER events_refuse_truncate BEFORE TRUNCATE ON ${s}.events
        FOR EACH STATEMENT EXECUTE FUNCTION ${s}.events_refuse_change();

      CREATE FUNCTION ${s}.events_notify() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        -- Delivered at COMMIT, once per transaction (identical notifications are merged).
        PERFORM pg_notify('${notifyChannel(schema)}', '');
        RETURN NULL;
      END $fn$;
      CREATE TRIGGER events_notify AFTER INSERT ON ${s}.events
        FOR EACH STATEMENT EXECUTE FUNCTION ${s}.events_notify();
    `;
  },
};

const ACCESS_LOG_TABLE: Migration = {
  version: 2,
  name: 'access log: who read which journey, append-only, shared by every instance',
  sql: (schema) => {
    const s = quoteIdentifier(schema);
    return `
      CREATE TABLE ${s}.access_log (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        -- ISO-8601 text as the engine wrote it, like the SQLite log: given back unchanged.
        at text NOT NULL,
        actor_id text NOT NULL,
        actor_role text NOT NULL,
        actor_organisation text,
        on_behalf_of text,
        route text NOT NULL,
        detail text,
        journey_id text NOT NULL
      );
      CREATE INDEX access_log_by_journey ON ${s}.access_log (journey_id, id);
      CREATE INDEX access_log_by_actor ON ${s}.access_log (actor_id, id);
      CREATE FUNCTION ${s}.access_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        RAISE EXCEPTION 'the access log is append-only' USING ERRCODE = 'restrict_violation';
      END $fn$;
      CREATE TRIGGER access_log_refuse_update_delete BEFORE UPDATE OR DELETE ON ${s}.access_log
        FOR EACH ROW EXECUTE FUNCTION ${s}.access_log_refuse_change();
      CREATE TRIGGER access_log_refuse_truncate BEFORE TRUNCATE ON ${s}.access_log
        FOR EACH STATEMENT EXECUTE FUNCTION ${s}.access_log_refuse_change();
    `;
  },
};

/** In order; never edit one that has shipped: add the next. */
export const MIGRATIONS: readonly Migration[] = [EVENTS_TABLE, ACCESS_LOG_TABLE];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

/**
 * Brings the schema up to this build's version and, when `grantTo` names the everyday role, grants
 * it what it needs, all under one lock (concurrent GRANTs on one object fail in PostgreSQL).
 * Returns the versions it applied.
 */
export async function migrate(client: ClientBase, schema: string, grantTo?: string): Promise<number[]> {
  const s = quoteIdentifier(schema);
  // Up to date and nothing to grant: touch nothing. The everyday role has no CREATE privilege, and
  // PostgreSQL checks it even for CREATE ... IF NOT EXISTS, so instances started without a
  // migration role start here.
  const found = await schemaVersion(client, schema);
  assertKnownVersion(schema, found);
  if (found === SCHEMA_VERSION && grantTo === undefined) return [];
  await client.query('BEGIN');
  try {
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('${schema}.migrations'))`);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const current = await schemaVersion(client, schema);
    assertKnownVersion(schema, current);
    const pending = MIGRATIONS.filter((migration) => migration.version > current);
    for (const migration of pending) {
      await client.query(migration.sql(schema));
      await client.query(`INSERT INTO ${s}.schema_migrations (version, name) VALUES ($1, $2)`, [migration.version, migration.name]);
    }
    if (grantTo !== undefined) await grantRuntimeRole(client, schema, grantTo);
    await client.query('COMMIT');
    return pending.map((migration) => migration.version);
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** An older build must not write to a schema a newer build has migrated. */
function assertKnownVersion(schema: string, version: number): void {
  if (version > SCHEMA_VERSION) {
    throw new StoreUnavailableError(
      `PostgreSQL schema ${schema} is at event store version ${version}; this build knows up to ${SCHEMA_VERSION}`,
    );
  }
}

/** The highest migration applied, 0 when none (or when the table is not there yet). */
export async function schemaVersion(client: ClientBase, schema: string): Promise<number> {
  const exists = await client.query<{ found: string | null }>('SELECT to_regclass($1) AS found', [
    `${quoteIdentifier(schema)}.schema_migrations`,
  ]);
  if (exists.rows[0].found === null) return 0;
  const result = await client.query<{ version: number | null }>(
    `SELECT max(version) AS version FROM ${quoteIdentifier(schema)}.schema_migrations`,
  );
  return result.rows[0].version ?? 0;
}

/**
 * What the engine's everyday role needs, and nothing more: read and append events (USAGE on the
 * sequence lets the position trigger, which runs as the inserting role, draw the next value), read
 * and append access-log entries (its identity column needs no grant), and read the migration table
 * to check the schema version. Never UPDATE, DELETE or TRUNCATE.
 */
async function grantRuntimeRole(client: ClientBase, schema: string, role: string): Promise<void> {
  const s = quoteIdentifier(schema);
  const r = quoteIdentifier(role);
  await client.query(`GRANT USAGE ON SCHEMA ${s} TO ${r}`);
  await client.query(`GRANT SELECT, INSERT ON ${s}.events TO ${r}`);
  await client.query(`GRANT USAGE ON SEQUENCE ${s}.events_position_seq TO ${r}`);
  await client.query(`GRANT SELECT ON ${s}.schema_migrations TO ${r}`);
  await client.query(`GRANT SELECT, INSERT ON ${s}.access_log TO ${r}`);
}

/**
 * What every user of the schema (the event store, the access log) does on start: migrate as the
 * owner when a migration URL is given, granting the everyday role behind `pool` what it needs;
 * otherwise migrate (or find the schema up to date) as that role itself. With `mustExist` (a store
 * only read from, such as a store:copy source) nothing is created: a missing schema is refused.
 */
export async function prepareSchema(pool: Pool, schema: string, migrationUrl?: string, mustExist = false): Promise<void> {
  if (mustExist) return assertSchemaExists(pool, schema);
  if (migrationUrl === undefined) {
    const client = await pool.connect();
    try {
      await migrate(client, schema);
    } finally {
      client.release();
    }
    return;
  }
  const runtimeRole = (await pool.query<{ role: string }>('SELECT current_user AS role')).rows[0].role;
  const owner = new Pool({ connectionString: migrationUrl, max: 1, connectionTimeoutMillis: 10_000 });
  owner.on('error', () => undefined);
  try {
    const client = await owner.connect();
    try {
      await migrate(client, schema, runtimeRole);
    } finally {
      client.release();
    }
  } finally {
    await owner.end();
  }
}

async function assertSchemaExists(pool: Pool, schema: string): Promise<void> {
  const client = await pool.connect();
  try {
    const version = await schemaVersion(client, schema);
    if (version === 0) throw new StoreUnavailableError(`PostgreSQL has no event store schema ${schema}`);
    assertKnownVersion(schema, version);
  } finally {
    client.release();
  }
}

/**
 * The schema preparation of one store or log: started at once, shared by every caller while it
 * runs, and started again by the next caller after a failure, so an engine that started before
 * its database (a failover, containers starting together) recovers when the database is back.
 */
export class SchemaPreparation {
  private attempt: Promise<void> | undefined;

  constructor(private readonly prepare: () => Promise<void>) {
    // Failures surface on the first operation; this only keeps an early one from being "unhandled".
    this.ready().catch(() => undefined);
  }

  ready(): Promise<void> {
    this.attempt ??= this.prepare().catch((error: unknown) => {
      this.attempt = undefined;
      throw error;
    });
    return this.attempt;
  }

  /** Waits for an attempt in progress to finish, whatever its outcome (before closing). */
  async settled(): Promise<void> {
    await this.attempt?.catch(() => undefined);
  }
}
