/**
 * SQLite adapter: the embedded default. One file, nothing to install.
 *
 * Durability: WAL journal with `synchronous = FULL`, so a promise that resolved means the commit
 * was fsynced and survives a process or machine crash.
 *
 * Throughput comes from GROUP COMMIT. better-sqlite3 is synchronous and every commit pays one
 * fsync, so appends are not written when called: they are queued, and everything queued in the
 * same event-loop turn is flushed on `setImmediate` in ONE immediate transaction with one fsync.
 * Each append runs inside its own SAVEPOINT and is checked against its own expected revision, so
 * a conflict (or any failure of that append alone) rolls back that append only; appends to the same stream apply in call order. Every
 * promise of the batch settles only after the shared COMMIT.
 *
 * Several processes may share the file: a busy timeout makes writers wait for each other, and
 * subscriptions poll (besides being woken by this process's own commits) to see other writers.
 * The wait is synchronous (it blocks this event loop), so keep the timeout short: a few seconds.
 */
import { encodeEvent, settle, type EncodedEvent, type Outcome, type PendingAppend } from '../pending-append';
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { assertValidAppend, decideAppend, ExistingEvent } from '../append-rules';
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

/** Counters for tests and diagnostics: how well group commit is batching. */
export interface SqliteEventStoreStats {
  /** Write transactions committed. */
  commits: number;
  /** Append calls settled by those commits (written, repeated or refused as conflicts). */
  appends: number;
  /** The most append calls one commit has carried. */
  largestBatch: number;
}

/** The connection settings actually in force, read back from SQLite. */
export interface SqliteSettings {
  journalMode: string;
  /** 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA. */
  synchronous: number;
  busyTimeoutMs: number;
  schemaVersion: number;
}

const SCHEMA_VERSION = 1;

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

const DEFAULTS = { busyTimeoutMs: 5000, pollIntervalMs: 200, pageSize: 500 };




interface EventRow {
  position: number;
  stream_id: string;
  revision: number;
  event_id: string;
  type: string;
  data: string;
  metadata: string;
}

const COLUMNS = 'position, stream_id, revision, event_id, type, data, metadata';

export class SqliteEventStore extends EventStore {
  private readonly db: Database.Database;
  private readonly config: Required<Omit<SqliteEventStoreOptions, 'readonly' | 'maxPageCount'>>;
  private readonly sql: ReturnType<typeof prepareStatements>;
  private readonly commitBatch: (batch: PendingAppend[]) => Outcome[];
  private readonly appendInSavepoint: (pending: PendingAppend) => AppendResult;
  private readonly snapshot: <T>(read: () => T) => T;

  private queue: PendingAppend[] = [];
  private flushScheduled = false;
  private readonly followers = new LiveSubscriptions<Follower>();
  private readonly counters: SqliteEventStoreStats = { commits: 0, appends: 0, largestBatch: 0 };
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
    // better-sqlite3 runs a transaction function called inside another one as a SAVEPOINT:
    // a throw inside rolls back to that savepoint only, and the outer transaction goes on.
    this.appendInSavepoint = this.db.transaction((pending: PendingAppend) => this.applyAppend(pending));
    const batchTransaction = this.db.transaction((batch: PendingAppend[]) =>
      batch.map((pending) => this.tryAppend(pending)),
    );
    // IMMEDIATE takes the write lock up front (waiting up to the busy timeout), rather than
    // failing at the first write when another process wrote since our read.
    this.commitBatch = (batch) => batchTransaction.immediate(batch);
    const readTransaction = this.db.transaction((read: () => unknown) => read());
    this.snapshot = <T>(read: () => T) => readTransaction.deferred(read) as T;
  }

  appendToStream(streamId: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      this.assertOpen();
      assertValidAppend(streamId, events, expected);
      this.queue.push({ streamId, events: events.map(encodeEvent), expected, resolve, reject });
      this.scheduleFlush();
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
    this.flush();
    await this.followers.closeAll();
    this.db.close();
  }

  stats(): SqliteEventStoreStats {
    return { ...this.counters };
  }

  settings(): SqliteSettings {
    return this.guard('reading settings', () => ({
      journalMode: String(this.db.pragma('journal_mode', { simple: true })),
      synchronous: Number(this.db.pragma('synchronous', { simple: true })),
      busyTimeoutMs: Number(this.db.pragma('busy_timeout', { simple: true })),
      schemaVersion: Number(this.db.pragma('user_version', { simple: true })),
    }));
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  /** One group commit: every queued append in one transaction, then settle each promise. */
  private flush(): void {
    this.flushScheduled = false;
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];

    let outcomes: Outcome[];
    try {
      outcomes = this.commitBatch(batch);
    } catch (error) {
      // The whole transaction was rolled back: nothing of this batch is on disk.
      const failure = toStoreError(error, 'appending events');
      batch.forEach((pending) => pending.reject(failure));
      return;
    }
    this.recordCommit(batch.length);
    batch.forEach((pending, index) => settle(pending, outcomes[index]));
    if (outcomes.some((outcome) => 'result' in outcome)) this.followers.forEach((follower) => follower.notify());
  }

  /**
   * An append's own failure (a conflict, a constraint) is rolled back to its savepoint and fails that
   * append alone. A failure of the store itself (disk full, I/O, lock timeout) aborts the whole batch:
   * SQLite may already have rolled the transaction back.
   */
  private tryAppend(pending: PendingAppend): Outcome {
    try {
      return { result: this.appendInSavepoint(pending) };
    } catch (error) {
      if (toStoreError(error, 'appending events') instanceof StoreUnavailableError) throw error;
      return { failure: error };
    }
  }

  private applyAppend({ streamId, events, expected }: PendingAppend): AppendResult {
    const current = this.sql.currentRevision.get(streamId)?.revision ?? -1;
    const decision = decideAppend(streamId, events, expected, current, this.findIds(streamId, events));
    if (decision.kind === 'repeat') return decision.result;

    let position = 0n;
    events.forEach((event, index) => {
      const info = this.sql.insert.run(
        streamId,
        decision.firstRevision + index,
        event.id,
        event.type,
        event.data,
        event.metadata,
      );
      position = BigInt(info.lastInsertRowid);
    });
    return { nextRevision: decision.firstRevision + events.length - 1, position };
  }

  private findIds(streamId: string, events: EncodedEvent[]): Map<string, ExistingEvent> {
    const found = new Map<string, ExistingEvent>();
    for (const { id } of events) {
      const row = this.sql.findEvent.get(streamId, id);
      if (row) found.set(id, { revision: row.revision, position: BigInt(row.position) });
    }
    return found;
  }

  private selectAll(after: bigint, limit: number, prefix?: string): StoredEvent[] {
    if (limit <= 0) return [];
    const rows =
      prefix === undefined
        ? this.sql.readAll.all(after, limit)
        : this.sql.readAllWithPrefix.all(after, prefix, prefix, limit);
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

  private recordCommit(batchSize: number): void {
    this.counters.commits += 1;
    this.counters.appends += batchSize;
    this.counters.largestBatch = Math.max(this.counters.largestBatch, batchSize);
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

function openDatabase(path: string, options: SqliteEventStoreOptions, busyTimeoutMs: number): Database.Database {
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

function configure(db: Database.Database, options: SqliteEventStoreOptions): void {
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

function prepareStatements(db: Database.Database) {
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
    readAll: db.prepare<[bigint, number], EventRow>(
      `SELECT ${COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`,
    ),
    // substr rather than LIKE: a prefix may contain % or _, which LIKE would treat as wildcards.
    readAllWithPrefix: db.prepare<[bigint, string, string, number], EventRow>(
      `SELECT ${COLUMNS} FROM events WHERE position > ? AND substr(stream_id, 1, length(?)) = ?
       ORDER BY position LIMIT ?`,
    ),
    head: db.prepare<[], { position: number | null }>('SELECT MAX(position) AS position FROM events'),
    ping: db.prepare<[], { ok: number }>('SELECT 1 AS ok'),
  };
}

/** SQLite result codes that mean "the store cannot be used now", not "the request was wrong". */
const UNAVAILABLE_CODES: ReadonlyArray<[RegExp, string]> = [
  [/^SQLITE_FULL/, 'the disk (or the configured file size limit) is full'],
  [/^SQLITE_READONLY/, 'the database is read-only'],
  [/^SQLITE_IOERR/, 'a disk I/O error occurred'],
  [/^SQLITE_CANTOPEN/, 'the database file cannot be opened'],
  [/^SQLITE_(BUSY|LOCKED)/, 'another connection held the database lock past the busy timeout'],
  [/^SQLITE_(CORRUPT|NOTADB)/, 'the file is not a usable event store database'],
  [/^SQLITE_(PERM|AUTH)/, 'access to the database file was denied'],
  [/^SQLITE_NOMEM/, 'SQLite ran out of memory'],
];

/** Maps an SQLite failure to StoreUnavailableError with a readable message; other errors pass through. */
export function toStoreError(error: unknown, action: string): unknown {
  if (error instanceof StoreUnavailableError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return error;
  const known = UNAVAILABLE_CODES.find(([pattern]) => pattern.test(code));
  if (!known) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new StoreUnavailableError(`event store unavailable while ${action}: ${known[1]} (${code}: ${detail})`, error);
}


function toStoredEvent(row: EventRow): StoredEvent {
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

