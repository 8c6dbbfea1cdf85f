import type Database from 'better-sqlite3';
import type { StoredEvent } from '../event-store/event-store';

/**
 * A read model kept in the local SQLite read-model file. Read models are disposable: dropping
 * them and replaying the streams rebuilds them exactly, so they never hold anything the streams
 * do not.
 */
export interface Projection {
  readonly name: string;
  /**
   * Raise it when what `apply` writes changes: the runner then rebuilds the read models from the
   * first event, since rows written by the old code would otherwise stay as they were. Default 1.
   */
  readonly version?: number;
  /** Create its tables if missing (idempotent). */
  setup(db: Database.Database): void;
  /** Drop its tables, for a rebuild from scratch. */
  drop(db: Database.Database): void;
  /** Apply one event. Runs inside the runner's transaction, with the checkpoint. */
  apply(db: Database.Database, event: StoredEvent): void;
  /**
   * Write what `apply` kept in memory over the batch: a row rewritten for each of a journey's
   * events in a batch is written once, at its end. Runs inside the batch's transaction, after the
   * last `apply` and before the checkpoint.
   */
  flush?(db: Database.Database): void;
  /** Forget what `apply` kept for a batch that was rolled back. */
  discard?(): void;
}

/**
 * A projection whose rows are each journey's fold of its own events, so that journeys can be
 * folded apart (on worker threads, see fold-pool.ts) and written by the one writer: `apply` only
 * reads the file (a journey's last state, when it does not hold it) and keeps what it will write;
 * `takeWrites` hands that over as plain data (it crosses threads) and forgets it; `write` writes
 * it. Its `flush(db)` is `write(db, takeWrites())`, so one thread and several write the same rows.
 */
export interface JourneyFoldProjection<Writes = unknown> extends Projection {
  takeWrites(): Writes;
  write(db: Database.Database, writes: Writes): void;
}

export function foldsJourneys(projection: Projection): projection is JourneyFoldProjection {
  return typeof (projection as Partial<JourneyFoldProjection>).takeWrites === 'function';
}
