/**
 * Opening the file: WAL and `synchronous = FULL`, then the schema, created on a new file and
 * checked on an existing one. History is immutable: triggers refuse UPDATE and DELETE.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { StoreUnavailableError } from '../event-store';
import { toStoreError } from './errors';

export const SCHEMA_VERSION = 1;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS events (
    position INTEGER PRIMARY KEY AUTOINCREMENT,
    stream_id TEXT NOT NULL,
    revision INTEGER NOT NULL CHECK (revision >= 0),
    event_id TEXT NOT NULL,
    type TEXT NOT NULL,
    data TEXT NOT NULL,
    metadata TEXT NOT NULL,
    UNIQUE (stream_id, revision),
    UNIQUE (stream_id, event_id)
  );
  CREATE TRIGGER IF NOT EXISTS events_refuse_update BEFORE UPDATE ON events
  BEGIN SELECT RAISE(ABORT, 'events are immutable: history is never updated'); END;
  CREATE TRIGGER IF NOT EXISTS events_refuse_delete BEFORE DELETE ON events
  BEGIN SELECT RAISE(ABORT, 'events are immutable: history is never deleted'); END;
`;

/** The options of SqliteEventStoreOptions that decide how the file is opened. */
export interface OpenOptions {
  readonly?: boolean;
  maxPageCount?: number;
}

export function openDatabase(path: string, options: OpenOptions, busyTimeoutMs: number): Database.Database {
  let db: Database.Database | undefined;
  try {
    const readonly = options.readonly ?? false;
    if (!readonly) mkdirSync(dirname(path), { recursive: true });
    db = new Database(path, { readonly, fileMustExist: readonly, timeout: busyTimeoutMs });
    configure(db, options);
    migrate(db, readonly);
    return db;
  } catch (error) {
    db?.close();
    throw toStoreError(error, `opening ${path}`);
  }
}

function configure(db: Database.Database, options: OpenOptions): void {
  if (!options.readonly) {
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') throw new StoreUnavailableError(`SQLite refused WAL mode for ${db.name} (got ${String(mode)})`);
  }
  // FULL: WAL commits are fsynced, so an acknowledged append survives a power loss, not only a crash.
  db.pragma('synchronous = FULL');
  if (options.maxPageCount !== undefined) db.pragma(`max_page_count = ${Math.floor(options.maxPageCount)}`);
}

/** Creates the schema on a new file; refuses a file written by a newer schema. */
function migrate(db: Database.Database, readonly: boolean): void {
  const version = Number(db.pragma('user_version', { simple: true }));
  if (version > SCHEMA_VERSION) {
    throw new StoreUnavailableError(`${db.name} has event store schema ${version}; this build knows up to ${SCHEMA_VERSION}`);
  }
  if (version === SCHEMA_VERSION) return;
  if (readonly) throw new StoreUnavailableError(`${db.name} has no event store schema and is opened read-only`);
  // IF NOT EXISTS: two processes opening a new file at once both get here; the second is a no-op.
  db.transaction(() => {
    db.exec(SCHEMA);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}
