/**
 * The audit CLI reads an SQLite event file directly, not through the service: an auditor must be
 * able to check the record with the service stopped, or suspect. Streams are read through the
 * SQLite adapter itself (opened read-only), so the events are decoded exactly as the engine
 * decodes them. Two things the port does not offer come from a second read-only connection:
 * the list of every journey stream, and, when a row is not even JSON any more, which revision.
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import type { StoredEvent } from '../event-store/event-store';
import { SqliteEventStore } from '../event-store/sqlite-event-store';
import { STREAM_PREFIX } from '../journeys/journey-records';

export type JourneyRead = { kind: 'events'; events: StoredEvent[] } | { kind: 'unreadable'; revision: number };

export class EventFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EventFileError';
  }
}

export class SqliteJourneyReader {
  private constructor(
    private readonly store: SqliteEventStore,
    private readonly raw: Database.Database,
  ) {}

  /** Opens an existing event file read-only; never creates one (a mistyped path must not look like an empty store). */
  static open(file: string): SqliteJourneyReader {
    if (!existsSync(file)) throw new EventFileError(`no event store at ${file} (set SQLITE_FILE or pass --file)`);
    const store = new SqliteEventStore(file, { readonly: true });
    return new SqliteJourneyReader(store, new Database(file, { readonly: true, fileMustExist: true }));
  }

  /**
   * Every journey stream, in the order journeys were opened. DISTINCT over all rows rather than
   * the rows at revision 0: a stream whose first event was deleted must still be listed.
   */
  streamIds(): string[] {
    const rows = this.raw
      .prepare<[string, string], { stream_id: string }>(
        'SELECT stream_id FROM events WHERE substr(stream_id, 1, length(?)) = ? GROUP BY stream_id ORDER BY MIN(position)',
      )
      .all(STREAM_PREFIX, STREAM_PREFIX);
    return rows.map((row) => row.stream_id);
  }

  async read(streamId: string): Promise<JourneyRead> {
    try {
      return { kind: 'events', events: await this.store.readStream(streamId) };
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
      return { kind: 'unreadable', revision: this.firstUnparsableRevision(streamId) };
    }
  }

  async close(): Promise<void> {
    this.raw.close();
    await this.store.close();
  }

  private firstUnparsableRevision(streamId: string): number {
    const rows = this.raw
      .prepare<[string], { revision: number; data: string; metadata: string }>(
        'SELECT revision, data, metadata FROM events WHERE stream_id = ? ORDER BY revision',
      )
      .all(streamId);
    const broken = rows.find((row) => !parses(row.data) || !parses(row.metadata));
    return broken?.revision ?? -1;
  }
}

function parses(json: string): boolean {
  try {
    JSON.parse(json);
    return true;
  } catch {
    return false;
  }
}
