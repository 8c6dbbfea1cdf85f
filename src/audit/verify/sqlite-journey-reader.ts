/**
 * The audit CLI reads an SQLite event file directly, not through the service: an auditor must be
 * able to check the record with the service stopped, or suspect. The file is opened read-only and
 * each stream's rows are decoded as the SQLite adapter decodes them (JSON.parse of data and
 * metadata; sqlite-journey-reader.spec.ts holds the two to the same events), keeping the stored
 * text beside the parsed values: the hash chain is checked over the bytes as stored
 * (integrity/hash-chain.ts, `hashStoredText`) instead of re-encoding what was parsed. A row that
 * is not JSON any more is located as the service locates it (see journey-read.ts): the first
 * such revision, and the events before it.
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import type { StoredEvent } from '../../event-store/event-store';
import { SqliteEventStore } from '../../event-store/sqlite/sqlite-event-store';
import type { StoredText } from '../../integrity/hash-chain';
import { STREAM_PREFIX } from '../../journeys/journey-records';
import type { JourneyRead } from './journey-read';

export class EventFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EventFileError';
  }
}

/** A stored event with the text it was parsed from. */
export type StoredEventWithText = StoredEvent & { stored: StoredText };

/** A row as the raw statement gives it (an array, not an object with named keys: cheaper to build for every event). */
type Row = [position: number, revision: number, eventId: string, type: string, data: string, metadata: string];

export class SqliteJourneyReader {
  private readonly selectStream: Database.Statement<[string], Row>;

  private constructor(
    private readonly store: SqliteEventStore,
    private readonly db: Database.Database,
  ) {
    this.selectStream = db
      .prepare<[string], Row>('SELECT position, revision, event_id, type, data, metadata FROM events WHERE stream_id = ? ORDER BY revision')
      .raw(true);
  }

  /** Opens an existing event file read-only; never creates one (a mistyped path must not look like an empty store). */
  static open(file: string): SqliteJourneyReader {
    if (!existsSync(file)) throw new EventFileError(`no event store at ${file} (set SQLITE_FILE or pass --file)`);
    // Opened through the adapter too, which refuses a file that is no event store of a schema this build knows.
    const store = new SqliteEventStore(file, { readonly: true });
    return new SqliteJourneyReader(store, new Database(file, { readonly: true, fileMustExist: true }));
  }

  /**
   * Every journey stream, in the order journeys were opened. DISTINCT over all rows rather than
   * the rows at revision 0: a stream whose first event was deleted must still be listed.
   */
  streamIds(): string[] {
    const rows = this.db
      .prepare<[string, string], { stream_id: string }>(
        'SELECT stream_id FROM events WHERE substr(stream_id, 1, length(?)) = ? GROUP BY stream_id ORDER BY MIN(position)',
      )
      .all(STREAM_PREFIX, STREAM_PREFIX);
    return rows.map((row) => row.stream_id);
  }

  /** The whole stream with its stored text, or where it stops being JSON. */
  async read(streamId: string): Promise<JourneyRead<StoredEventWithText>> {
    const events: StoredEventWithText[] = [];
    for (const row of this.selectStream.all(streamId)) {
      const event = decoded(streamId, row);
      if (event === null) return { kind: 'unreadable', revision: row[1], readable: events };
      events.push(event);
    }
    return { kind: 'events', events };
  }

  async close(): Promise<void> {
    this.db.close();
    await this.store.close();
  }
}

/** The row as the adapter gives it back, with its text; null when data or metadata is not JSON (the adapter's SyntaxError). */
function decoded(streamId: string, [position, revision, id, type, data, metadata]: Row): StoredEventWithText | null {
  try {
    return {
      id,
      type,
      data: JSON.parse(data) as Record<string, unknown>,
      metadata: JSON.parse(metadata) as Record<string, unknown>,
      streamId,
      revision,
      position: BigInt(position),
      stored: { data, metadata },
    };
  } catch (error) {
    if (error instanceof SyntaxError) return null;
    throw error;
  }
}
