/**
 * The access log in PostgreSQL, beside the events (EVENT_STORE=postgres), so that every instance
 * writes to and answers from ONE log: a person sees every read of their journey, whichever
 * instance served it. Append-only as in SQLite: the table's triggers refuse UPDATE, DELETE and
 * TRUNCATE, and the engine's role is granted SELECT and INSERT only (schema.ts, migration 2).
 */
import { Pool } from 'pg';
import { poolConfig } from '../event-store/postgres/postgres-event-store';
import { quoteIdentifier } from '../event-store/postgres/identifiers';
import { prepareSchema, SchemaPreparation } from '../event-store/postgres/schema';
import {
  AccessLog,
  toAccessEntry,
  type AccessLogReset,
  type AccessLogRow,
  type AccessPage,
  type AccessQuery,
  type NewAccessEntry,
} from './access-log';

export interface PostgresAccessLogOptions {
  url: string;
  migrationUrl?: string;
  schema: string;
}

/** bigint ids come back as strings; the port's ids are numbers (exact up to 2^53 entries). */
type Row = Omit<AccessLogRow, 'id'> & { id: string };

/** A few connections: a log entry is one small INSERT per read. */
const POOL_SIZE = 4;

export class PostgresAccessLog extends AccessLog {
  private readonly pool: Pool;
  private readonly table: string;
  private readonly preparation: SchemaPreparation;

  constructor(options: PostgresAccessLogOptions) {
    super();
    this.pool = new Pool(poolConfig(options.url, POOL_SIZE));
    this.pool.on('error', () => undefined);
    this.table = `${quoteIdentifier(options.schema)}.access_log`;
    this.preparation = new SchemaPreparation(() => prepareSchema(this.pool, options.schema, options.migrationUrl));
  }

  /** One INSERT of every entry: all of them, or none. */
  async record(entries: readonly NewAccessEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.preparation.ready();
    const column = <T>(pick: (entry: NewAccessEntry) => T) => entries.map(pick);
    await this.pool.query(
      `INSERT INTO ${this.table} (at, actor_id, actor_role, actor_organisation, on_behalf_of, route, detail, journey_id)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])`,
      [
        column((entry) => entry.at.toISOString()),
        column((entry) => entry.actor.id),
        column((entry) => entry.actor.role),
        column((entry) => entry.actor.organisation ?? null),
        column((entry) => entry.actor.onBehalfOf ?? null),
        column((entry) => entry.route),
        column((entry) => entry.detail),
        column((entry) => entry.journeyId),
      ],
    );
  }

  async list(query: AccessQuery): Promise<AccessPage> {
    await this.preparation.ready();
    // One more than asked, to know whether another page follows.
    const { rows } = await this.pool.query<Row>(
      `SELECT * FROM ${this.table}
       WHERE ($1::text IS NULL OR journey_id = $1) AND ($2::text IS NULL OR actor_id = $2) AND id > $3
       ORDER BY id LIMIT $4`,
      [query.journeyId ?? null, query.actorId ?? null, query.after ?? 0, query.limit + 1],
    );
    const entries = rows.slice(0, query.limit).map((row) => toAccessEntry({ ...row, id: Number(row.id) }));
    return { entries, next: rows.length > query.limit ? entries[entries.length - 1].id : null };
  }

  /**
   * The PostgreSQL log lives in the database beside the events and cannot go missing the way a
   * file beside them can (dropping its table takes the owner's grants), so the engine never starts
   * one over: there is no reset to record, and none to show.
   */
  recordReset(): Promise<void> {
    return Promise.reject(new Error('the PostgreSQL access log is never reset by the engine'));
  }

  resets(): Promise<AccessLogReset[]> {
    return Promise.resolve([]);
  }

  async close(): Promise<void> {
    await this.preparation.settled();
    await this.pool.end();
  }
}
