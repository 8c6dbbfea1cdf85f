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
}
