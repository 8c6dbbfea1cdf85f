/**
 * Who looked: one entry per read of a journey's data (who, their role, which route, which
 * journey, when), kept in a store of its own. Not in the journey's stream: reading is not a fact
 * of the person's journey, a read must not move the journey's revision (nor invalidate an
 * If-Match), and this log grows with every page view, at another rate than the record.
 *
 * The port is an abstract class (the Nest token); SQLite is the one adapter, in its own file
 * beside the event file, append-only like the events (triggers refuse UPDATE and DELETE).
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Actor } from '../auth/actor';
import type { AppConfig } from '../config/app-config';

export interface AccessEntry {
  id: number;
  at: string;
  actor: { id: string; role: string; organisation?: string; onBehalfOf?: string };
  /** The route read, e.g. `GET /journeys/:id/history`. */
  route: string;
  /** What of it: the query that shaped the answer (`revision=5`), never free text. */
  detail: string | null;
  journeyId: string;
}

export type NewAccessEntry = Omit<AccessEntry, 'id' | 'at' | 'actor'> & { at: Date; actor: Actor };

export interface AccessQuery {
  journeyId?: string;
  actorId?: string;
  /** Entries with an id above this (the `next` of the previous page). */
  after?: number;
  limit: number;
}

export interface AccessPage {
  entries: AccessEntry[];
  /** Pass as `after` for the next page; null when this page is the last. */
  next: number | null;
}

/** A restart on a new, empty log although journeys existed: every read before `at` is unknown. */
export interface AccessLogReset {
  at: string;
  reason: string;
}

export abstract class AccessLog {
  /** Records the entries together: all of them, or none. */
  abstract record(entries: readonly NewAccessEntry[]): Promise<void>;
  abstract list(query: AccessQuery): Promise<AccessPage>;
  /** Records that the log starts over here (see openAccessLog); kept for good like the entries. */
  abstract recordReset(at: Date, reason: string): Promise<void>;
  /** Every reset, oldest first. */
  abstract resets(): Promise<AccessLogReset[]>;
  abstract close(): Promise<void>;
}

/** Beside the event file, whatever the store; in memory when the events are. */
export function accessLogFile(config: Pick<AppConfig, 'eventStore' | 'sqliteFile'>): string {
  if (config.eventStore === 'memory') return ':memory:';
  return join(dirname(config.sqliteFile), 'access-log.db');
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS access_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    actor_organisation TEXT,
    on_behalf_of TEXT,
    route TEXT NOT NULL,
    detail TEXT,
    journey_id TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS access_log_by_journey ON access_log (journey_id, id);
  CREATE INDEX IF NOT EXISTS access_log_by_actor ON access_log (actor_id, id);
  CREATE TABLE IF NOT EXISTS access_log_resets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    reason TEXT NOT NULL
  );
  CREATE TRIGGER IF NOT EXISTS access_log_resets_refuse_change BEFORE UPDATE ON access_log_resets
  BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
  CREATE TRIGGER IF NOT EXISTS access_log_resets_refuse_delete BEFORE DELETE ON access_log_resets
  BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
  CREATE TRIGGER IF NOT EXISTS access_log_refuse_update BEFORE UPDATE ON access_log
  BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
  CREATE TRIGGER IF NOT EXISTS access_log_refuse_delete BEFORE DELETE ON access_log
  BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
`;

/** A row of the log's table, as both adapters (SQLite, PostgreSQL) store it. */
export interface AccessLogRow {
  id: number;
  at: string;
  actor_id: string;
  actor_role: string;
  actor_organisation: string | null;
  on_behalf_of: string | null;
  route: string;
  detail: string | null;
  journey_id: string;
}

type Filter = { journeyId: string | null; actorId: string | null; after: number; limit: number };

export class SqliteAccessLog extends AccessLog {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement<[string, string, string, string | null, string | null, string, string | null, string]>;
  private readonly select: Database.Statement<Filter, AccessLogRow>;

  constructor(file: string) {
    super();
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    if (file !== ':memory:') this.db.pragma('journal_mode = WAL');
    // Every read answered is logged first: the log is as durable as the answer is visible.
    this.db.pragma('synchronous = FULL');
    this.db.exec(SCHEMA);
    this.insert = this.db.prepare(
      'INSERT INTO access_log (at, actor_id, actor_role, actor_organisation, on_behalf_of, route, detail, journey_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.select = this.db.prepare(
      `SELECT * FROM access_log
       WHERE (@journeyId IS NULL OR journey_id = @journeyId) AND (@actorId IS NULL OR actor_id = @actorId) AND id > @after
       ORDER BY id LIMIT @limit`,
    );
  }

  async record(entries: readonly NewAccessEntry[]): Promise<void> {
    this.db.transaction(() => {
      for (const { actor, ...entry } of entries) {
        this.insert.run(
          entry.at.toISOString(),
          actor.id,
          actor.role,
          actor.organisation ?? null,
          actor.onBehalfOf ?? null,
          entry.route,
          entry.detail,
          entry.journeyId,
        );
      }
    })();
  }

  async list(query: AccessQuery): Promise<AccessPage> {
    // One more than asked, to know whether another page follows.
    const rows = this.select.all({
      journeyId: query.journeyId ?? null,
      actorId: query.actorId ?? null,
      after: query.after ?? 0,
      limit: query.limit + 1,
    });
    const entries = rows.slice(0, query.limit).map(toAccessEntry);
    return { entries, next: rows.length > query.limit ? entries[entries.length - 1].id : null };
  }

  async recordReset(at: Date, reason: string): Promise<void> {
    this.db.prepare('INSERT INTO access_log_resets (at, reason) VALUES (?, ?)').run(at.toISOString(), reason);
  }

  async resets(): Promise<AccessLogReset[]> {
    return this.db.prepare<[], AccessLogReset>('SELECT at, reason FROM access_log_resets ORDER BY id').all();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

export function toAccessEntry(row: AccessLogRow): AccessEntry {
  return {
    id: row.id,
    at: row.at,
    actor: {
      id: row.actor_id,
      role: row.actor_role,
      ...(row.actor_organisation !== null ? { organisation: row.actor_organisation } : {}),
      ...(row.on_behalf_of !== null ? { onBehalfOf: row.on_behalf_of } : {}),
    },
    route: row.route,
    detail: row.detail,
    journeyId: row.journey_id,
  };
}
