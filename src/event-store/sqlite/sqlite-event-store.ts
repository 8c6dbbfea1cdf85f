/**
 * SQLite adapter: the embedded default. One file, nothing to install.
 *
 * Durability: WAL journal with `synchronous = FULL`, so a promise that resolved means the commit
 * was fsynced and survives a process or machine crash.
 *
 * - Schema and connection settings: schema.ts. Statements and rows: statements.ts.
 * - Throughput comes from GROUP COMMIT (group-commit.ts): appends queued in one event-loop turn
 *   share one transaction and one fsync, each checked in its own savepoint.
 * - SQLite failures that mean "the store cannot be used now" become StoreUnavailableError (errors.ts).
 *
 * Several processes may share the file: a busy timeout makes writers wait for each other, and
 * subscriptions poll (besides being woken by this process's own commits) to see other writers.
 * The wait is synchronous (it blocks this event loop), so keep the timeout short: a few seconds.
 */
import type Database from 'better-sqlite3';
import { assertValidAppend } from '../append-rules';
import {
  AppendResult,
  EventHandler,
  EventStore,
  ExpectedRevision,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  StoredEvent,
  StoreUnavailableError,
  SubscribeOptions,
  Subscription,
} from '../event-store';
import { Follower, FollowPage } from '../follower';
import { LiveSubscriptions } from '../live-subscriptions';
import { encodeEvent } from '../pending-append';
import { toStoreError } from './errors';
import { GroupCommit, SqliteEventStoreStats } from './group-commit';
import { openDatabase } from './schema';
import { prepareStatements, Statements, toStoredEvent } from './statements';

export interface SqliteEventStoreOptions {
  /** How long a writer waits for another connection's lock before failing (ms). Default 5000. */
  busyTimeoutMs?: number;
  /** How often subscriptions look for events written by other processes (ms). Default 200. */
  pollIntervalMs?: number;
  /** Default readAll page size and subscription read size. Default 500. */
  pageSize?: number;
  /** Open the file read-only: every append fails with StoreUnavailableError. The file must exist. */
  readonly?: boolean;
  /** Cap the file at this many pages (PRAGMA max_page_count); writes beyond it fail as on a full disk. */
  maxPageCount?: number;
}

/** The connection settings actually in force, read back from SQLite. */
export interface SqliteSettings {
  journalMode: string;
  /** 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA. */
  synchronous: number;
  busyTimeoutMs: number;
  schemaVersion: number;
}

const DEFAULTS = { busyTimeoutMs: 5000, pollIntervalMs: 200, pageSize: 500 };

export class SqliteEventStore extends EventStore {
  private readonly db: Database.Database;
  private readonly config: Required<Omit<SqliteEventStoreOptions, 'readonly' | 'maxPageCount'>>;
  private readonly sql: Statements;
  private readonly writer: GroupCommit;
  private readonly snapshot: <T>(read: () => T) => T;

  private readonly followers = new LiveSubscriptions<Follower>();
  private closed = false;

  constructor(
    readonly path: string,
    options: SqliteEventStoreOptions = {},
  ) {
    super();
    this.config = {
      busyTimeoutMs: options.busyTimeoutMs ?? DEFAULTS.busyTimeoutMs,
      pollIntervalMs: options.pollIntervalMs ?? DEFAULTS.pollIntervalMs,
      pageSize: options.pageSize ?? DEFAULTS.pageSize,
    };
    this.db = openDatabase(path, options, this.config.busyTimeoutMs);
    this.sql = prepareStatements(this.db);
    this.writer = new GroupCommit(this.db, this.sql, () => this.followers.forEach((follower) => follower.notify()));
    const readTransaction = this.db.transaction((read: () => unknown) => read());
    this.snapshot = <T>(read: () => T) => readTransaction.deferred(read) as T;
  }

  appendToStream(streamId: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      this.assertOpen();
      assertValidAppend(streamId, events, expected);
      this.writer.enqueue({ streamId, events: events.map(encodeEvent), expected, resolve, reject });
    });
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    const fromRevision = options.fromRevision ?? 0;
    const toRevision = options.toRevision ?? Number.MAX_SAFE_INTEGER;
    return this.guard('reading a stream', () => this.sql.readStream.all(streamId, fromRevision, toRevision).map(toStoredEvent));
  }

  async readAll(options: ReadAllOptions = {}): Promise<StoredEvent[]> {
    const after = options.after ?? -1n;
    const limit = options.maxCount ?? this.config.pageSize;
    return this.guard('reading all events', () => this.selectAll(after, limit, options.streamPrefix));
  }

  subscribe(options: SubscribeOptions, handler: EventHandler, onError?: (error: unknown) => void): Subscription {
    this.assertOpen();
    return this.followers.start(
      (onStop) =>
        new Follower(
          {
            after: options.after ?? -1n,
            pageSize: this.config.pageSize,
            pollIntervalMs: this.config.pollIntervalMs,
            readPage: (after, limit) => this.readFollowPage(after, limit, options.streamPrefix),
            onStop,
          },
          handler,
          onError,
        ),
    );
  }

  async headPosition(): Promise<bigint> {
    return this.guard('reading the head position', () => this.head());
  }

  async ping(): Promise<void> {
    this.guard('checking readiness', () => this.sql.ping.get());
  }

  /** Commits what was already accepted, stops subscriptions, then closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.writer.flush();
    await this.followers.closeAll();
    this.db.close();
  }

  stats(): SqliteEventStoreStats {
    return this.writer.stats();
  }

  settings(): SqliteSettings {
    return this.guard('reading settings', () => ({
      journalMode: String(this.db.pragma('journal_mode', { simple: true })),
      synchronous: Number(this.db.pragma('synchronous', { simple: true })),
      busyTimeoutMs: Number(this.db.pragma('busy_timeout', { simple: true })),
      schemaVersion: Number(this.db.pragma('user_version', { simple: true })),
    }));
  }

  private selectAll(after: bigint, limit: number, prefix?: string): StoredEvent[] {
    if (limit <= 0) return [];
    const rows = prefix === undefined ? this.sql.readAll.all(after, limit) : this.sql.readAllWithPrefix.all(after, prefix, prefix, limit);
    return rows.map(toStoredEvent);
  }

  /**
   * A page for a follower, read in one snapshot so that `scannedTo` (the head when the page is
   * not full) cannot pass an event the page did not see.
   */
  private readFollowPage(after: bigint, limit: number, prefix?: string): FollowPage {
    return this.guard('following events', () =>
      this.snapshot(() => {
        const events = this.selectAll(after, limit, prefix);
        const scannedTo = events.length >= limit ? events[events.length - 1].position : this.head();
        return { events, scannedTo: scannedTo > after ? scannedTo : after };
      }),
    );
  }

  private head(): bigint {
    const row = this.sql.head.get();
    return row?.position == null ? -1n : BigInt(row.position);
  }

  /** Runs a read with SQLite failures mapped to StoreUnavailableError. */
  private guard<T>(action: string, read: () => T): T {
    this.assertOpen();
    try {
      return read();
    } catch (error) {
      throw toStoreError(error, action);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreUnavailableError(`the SQLite event store at ${this.path} is closed`);
  }
}
