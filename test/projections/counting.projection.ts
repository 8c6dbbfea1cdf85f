/**
 * A projection that only counts: one row per journey with how many of its events were applied,
 * and the last revision seen. Applying an event twice (or skipping one) makes `events` differ from
 * `last_revision + 1` and from the stream's length, which the service's own read models, being
 * upserts of a fold, could hide.
 */
import type Database from 'better-sqlite3';
import type { StoredEvent } from '../../src/event-store/event-store';
import type { Projection } from '../../src/projections/projection';

export class CountingProjection implements Projection {
  readonly name = 'counting';

  /** `onApply` runs after the count is written, inside the runner's transaction (crash tests use it). */
  constructor(private readonly onApply: (event: StoredEvent) => void = () => undefined) {}

  setup(db: Database.Database): void {
    db.exec(
      'CREATE TABLE IF NOT EXISTS event_counts (journey_id TEXT PRIMARY KEY, events INTEGER NOT NULL, last_revision INTEGER NOT NULL)',
    );
  }

  drop(db: Database.Database): void {
    db.exec('DROP TABLE IF EXISTS event_counts');
  }

  apply(db: Database.Database, event: StoredEvent): void {
    db.prepare(
      `INSERT INTO event_counts (journey_id, events, last_revision) VALUES (?, 1, ?)
       ON CONFLICT(journey_id) DO UPDATE SET events = events + 1, last_revision = excluded.last_revision`,
    ).run(event.streamId, event.revision);
    this.onApply(event);
  }
}

export interface CountRow {
  journey_id: string;
  events: number;
  last_revision: number;
}

export function countsOf(db: Database.Database): CountRow[] {
  return db.prepare('SELECT * FROM event_counts ORDER BY journey_id').all() as CountRow[];
}
