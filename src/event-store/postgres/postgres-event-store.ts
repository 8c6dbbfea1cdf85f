/**
 * PostgreSQL adapter: a production store that councils and NHS bodies already run (managed, highly
 * available, backed up), shared by several engine instances.
 *
 * - Schema: created and migrated on start (schema.ts), optionally as a separate owner role so that
 *   the engine's everyday role can only SELECT and INSERT events (docs/postgres.md).
 * - Appends: group commit (append.ts), checked with the same rules as every adapter.
 * - Global order: positions commit in order under an advisory lock (commit-order.ts), so a
 *   follower never skips a committed event.
 * - Following: the same cursor loop as the embedded adapters (follower.ts), woken by LISTEN/NOTIFY
 *   from any instance (append-listener.ts) and by this process's own commits, polling slowly as a
 *   fallback.
 *
 * Durability is PostgreSQL's: a resolved append was committed (synchronous_commit as the server is
 * configured; `on`, the default, means flushed to the WAL, and with synchronous standbys, to them).
 */
import { Pool, PoolConfig } from 'pg';
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
import { Follower } from '../follower';
import { LiveSubscriptions } from '../live-subscriptions';
import { GroupCommitStats, GroupCommitWriter } from './append';
import { AppendListener } from './append-listener';
import { toPostgresStoreError } from './errors';
import { assertPlainIdentifier } from './identifiers';
import { PostgresReads } from './reads';
import { notifyChannel, prepareSchema, SchemaPreparation } from './schema';

export interface PostgresEventStoreOptions {
  /** The engine's everyday connection, e.g. postgres://engine@db.example:5432/support. */
  url: string;
  /**
   * A role that owns the schema and runs the migrations (then grants the everyday role SELECT and
   * INSERT only). Omit to migrate as the everyday role, which then owns the table: the triggers
   * still refuse UPDATE and DELETE, but an owner could drop them.
   */
  migrationUrl?: string;
  /** Read an existing schema only: never create or migrate it (a store:copy source). Default false. */
  mustExist?: boolean;
  /** The PostgreSQL schema holding the events. Default `engine`. */
  schema?: string;
  /** Connections this instance opens for appends and reads (one more is used to LISTEN). Default 10. */
  poolSize?: number;
  /** Default readAll page size and subscription read size. Default 500. */
  pageSize?: number;
  /** How often followers look even without a notification (ms). Default 2000. */
  pollIntervalMs?: number;
}

export const DEFAULT_POSTGRES_SCHEMA = 'engine';
const DEFAULTS = { poolSize: 10, pageSize: 500, pollIntervalMs: 2000 };

export class PostgresEventStore extends EventStore {
  readonly schema: string;
  private readonly pool: Pool;
  private readonly reads: PostgresReads;
  private readonly writer: GroupCommitWriter;
  private readonly listener: AppendListener;
  private readonly followers = new LiveSubscriptions<Follower>();
  private readonly pageSize: number;
  private readonly pollIntervalMs: number;
  /** Migrations (and grants); every operation waits for them, so the constructor stays synchronous. */
  private readonly preparation: SchemaPreparation;
  private listening: Promise<void> | undefined;
  /** Set when close() starts: no new appends or subscriptions. */
  private closing = false;
  /** Set once followers have stopped: nothing may use the pool. */
  private closed = false;

  constructor(private readonly options: PostgresEventStoreOptions) {
    super();
    this.schema = assertPlainIdentifier(options.schema ?? DEFAULT_POSTGRES_SCHEMA, 'PostgreSQL schema');
    this.pageSize = options.pageSize ?? DEFAULTS.pageSize;
    this.pollIntervalMs = options.pollIntervalMs ?? DEFAULTS.pollIntervalMs;
    this.pool = new Pool(poolConfig(options.url, options.poolSize ?? DEFAULTS.poolSize));
    // An idle pooled connection that drops (server restart) must not crash the process; the next
    // query gets a fresh connection or a StoreUnavailableError.
    this.pool.on('error', () => undefined);
    this.reads = new PostgresReads(this.pool, this.schema);
    this.writer = new GroupCommitWriter(this.pool, this.schema, () => this.wakeFollowers());
    this.listener = new AppendListener(poolConfig(options.url, 1), notifyChannel(this.schema), () => this.wakeFollowers());
    this.preparation = new SchemaPreparation(() => prepareSchema(this.pool, this.schema, options.migrationUrl, options.mustExist));
  }

  /** Resolves once the schema is migrated; rejects with the reason when it cannot be. */
  async whenReady(): Promise<void> {
    await this.guard('preparing the schema', () => Promise.resolve());
  }

  async appendToStream(streamId: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    this.assertNotClosing();
    assertValidAppend(streamId, events, expected);
    await this.guard('preparing the schema', () => Promise.resolve());
    return this.writer.append(streamId, events, expected);
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    const fromRevision = options.fromRevision ?? 0;
    const toRevision = options.toRevision ?? Number.MAX_SAFE_INTEGER;
    return this.guard('reading a stream', () => this.reads.stream(streamId, fromRevision, toRevision));
  }

  async readAll(options: ReadAllOptions = {}): Promise<StoredEvent[]> {
    const after = options.after ?? -1n;
    const limit = options.maxCount ?? this.pageSize;
    return this.guard('reading all events', () => this.reads.page(after, limit, options.streamPrefix));
  }

  subscribe(options: SubscribeOptions, handler: EventHandler, onError?: (error: unknown) => void): Subscription {
    this.assertNotClosing();
    this.listening ??= this.listener.start();
    return this.followers.start(
      (onStop) =>
        new Follower(
          {
            after: options.after ?? -1n,
            pageSize: this.pageSize,
            pollIntervalMs: this.pollIntervalMs,
            readPage: (after, limit) => this.guard('following events', () => this.reads.followPage(after, limit, options.streamPrefix)),
            onStop,
          },
          handler,
          onError,
        ),
    );
  }

  async headPosition(): Promise<bigint> {
    return this.guard('reading the head position', () => this.reads.head());
  }

  async ping(): Promise<void> {
    await this.guard('checking readiness', async () => {
      await this.pool.query('SELECT 1');
    });
  }

  /** Commits what was already accepted, stops subscriptions and the listener, then closes the pool. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await this.writer.drain();
    await this.followers.closeAll();
    this.closed = true;
    await this.listener.stop();
    await this.preparation.settled();
    await this.pool.end();
  }

  stats(): GroupCommitStats {
    return this.writer.stats();
  }

  private wakeFollowers(): void {
    this.followers.forEach((follower) => follower.notify());
  }

  /** Waits for the schema, then runs the operation with PostgreSQL failures mapped to StoreUnavailableError. */
  private async guard<T>(action: string, operation: () => Promise<T>): Promise<T> {
    this.assertOpen();
    try {
      await this.preparation.ready();
    } catch (error) {
      const failure = toPostgresStoreError(error, 'preparing the schema');
      throw failure instanceof StoreUnavailableError
        ? failure
        : new StoreUnavailableError(`the PostgreSQL event store could not prepare its schema: ${String(error)}`, error);
    }
    try {
      return await operation();
    } catch (error) {
      throw toPostgresStoreError(error, action);
    }
  }

  private assertNotClosing(): void {
    if (this.closing) throw new StoreUnavailableError(`the PostgreSQL event store (schema ${this.schema}) is closed`);
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreUnavailableError(`the PostgreSQL event store (schema ${this.schema}) is closed`);
  }
}

export function poolConfig(url: string, max: number): PoolConfig {
  return {
    connectionString: url,
    max,
    // Fail a request rather than hang it when the server cannot be reached.
    connectionTimeoutMillis: 10_000,
    application_name: 'support-planning-engine',
  };
}
