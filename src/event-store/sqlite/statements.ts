/**
 * The prepared statements, prepared once per connection, and the row they read back.
 */
import type Database from 'better-sqlite3';
import type { StoredEvent } from '../event-store';

/** A row of the events table, as SQLite returns it (also read directly by the soak's store audit). */
export interface EventRow {
  position: number;
  stream_id: string;
  revision: number;
  event_id: string;
  type: string;
  data: string;
  metadata: string;
}

const COLUMNS = 'position, stream_id, revision, event_id, type, data, metadata';

export type Statements = ReturnType<typeof prepareStatements>;

export function prepareStatements(db: Database.Database) {
  return {
    currentRevision: db.prepare<[string], { revision: number }>(
      'SELECT revision FROM events WHERE stream_id = ? ORDER BY revision DESC LIMIT 1',
    ),
    findEvent: db.prepare<[string, string], { revision: number; position: number }>(
      'SELECT revision, position FROM events WHERE stream_id = ? AND event_id = ?',
    ),
    insert: db.prepare<[string, number, string, string, string, string]>(
      'INSERT INTO events (stream_id, revision, event_id, type, data, metadata) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    readStream: db.prepare<[string, number, number], EventRow>(
      `SELECT ${COLUMNS} FROM events WHERE stream_id = ? AND revision >= ? AND revision <= ? ORDER BY revision`,
    ),
    readAll: db.prepare<[bigint, number], EventRow>(`SELECT ${COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`),
    // substr rather than LIKE: a prefix may contain % or _, which LIKE would treat as wildcards.
    readAllWithPrefix: db.prepare<[bigint, string, string, number], EventRow>(
      `SELECT ${COLUMNS} FROM events WHERE position > ? AND substr(stream_id, 1, length(?)) = ?
       ORDER BY position LIMIT ?`,
    ),
    head: db.prepare<[], { position: number | null }>('SELECT MAX(position) AS position FROM events'),
    ping: db.prepare<[], { ok: number }>('SELECT 1 AS ok'),
  };
}

export function toStoredEvent(row: EventRow): StoredEvent {
  return {
    id: row.event_id,
    type: row.type,
    data: JSON.parse(row.data) as Record<string, unknown>,
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    streamId: row.stream_id,
    revision: row.revision,
    position: BigInt(row.position),
  };
}
