/**
 * The audit CLI reads an SQLite event file directly, not through the service: an auditor must be
 * able to check the record with the service stopped, or suspect. Streams are read through the
 * SQLite adapter itself (opened read-only), so the events are decoded exactly as the engine
 * decodes them (and a row that is not JSON any more is located as the service locates it, see
 * journey-read.ts). The list of every journey stream, which the port does not offer, comes from
 * a second read-only connection.
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { SqliteEventStore } from '../event-store/sqlite/sqlite-event-store';
import { STREAM_PREFIX } from '../journeys/journey-records';
import { readJourney, type JourneyRead } from './journey-read';

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

  read(streamId: string): Promise<JourneyRead> {
    return readJourney(this.store, streamId);
  }

  async close(): Promise<void> {
    this.raw.close();
    await this.store.close();
  }
}

