import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import Database from 'better-sqlite3';
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { WorkflowRegistry } from '../../workflows';
import { AppConfig } from '../config';
import { ReadModelLagError, ReadModelRebuildingError } from '../errors';
import { EventStore } from '../event-store/event-store';
import { DEFAULT_POSTGRES_SCHEMA } from '../event-store/postgres/postgres-event-store';
import { type CaseloadFilter, type CaseloadRow, type CaseloadProjection } from './caseload.projection';
import { createProjections } from './create-projections';
import {
  type DeadlinesProjection,
  type ClockCount,
  type ClockListFilter,
  type LateEntryRow,
  type OpenClockRow,
  type OverdueFilter,
} from './deadlines.projection';
import { type DecisionFilter, type DecisionRow, type DecisionsProjection } from './decisions.projection';
import type { Projection } from './projection';
import {
  ProjectionRunner,
  projectionSignature,
  type ProjectionRunnerOptions,
  recordedCheckpoint,
  recordedSignature,
} from './projection-runner';

/** Where the read models live: a local SQLite file beside the event file, whatever the store. */
export function readModelFile(config: AppConfig): string {
  if (config.eventStore === 'memory') return ':memory:';
  return join(dirname(config.sqliteFile), 'read-models.db');
}

/** Where a new version of the read models is built while the current file serves (blue/green). */
export function nextReadModelFile(file: string): string {
  return file.replace(/(\.db)?$/, '.next.db');
}

/**
 * The store the read models are built from, as the runner records it: a different one (after
 * store:copy moved the journeys to KurrentDB, say) makes it rebuild them rather than resume at a
 * checkpoint that is no position in the new store. Hosts only: no credentials in the file.
 */
export function readModelSource(config: AppConfig): string {
  switch (config.eventStore) {
    case 'sqlite':
      return `sqlite:${resolve(config.sqliteFile)}`;
    case 'kurrentdb':
      return `kurrentdb:${hostsOf(config.kurrentdbConnectionString ?? '')}`;
    case 'memory':
      return 'memory';
    case 'postgres':
      return `postgres:${postgresSource(config.postgresUrl ?? '', config.postgresSchema ?? DEFAULT_POSTGRES_SCHEMA)}`;
    default: {
      const unknown: never = config.eventStore;
      throw new Error(`unknown event store ${String(unknown)}`);
    }
  }
}

/** `postgres://user:pass@db:5432/support` and schema `engine` -> `db:5432/support/engine`. */
function postgresSource(url: string, schema: string): string {
  const { host, pathname } = new URL(url);
  return `${host}${pathname}/${schema}`;
}

/** `kurrentdb://user:pass@a:2113,b:2113/?tls=true` -> `a:2113,b:2113`. */
function hostsOf(connection: string): string {
  return connection
    .replace(/^[^:]*:\/\//, '')
    .replace(/^[^@/]*@/, '')
    .replace(/[/?].*$/, '');
}

/**
 * Opens (creating if needed) a read-model file. A read model can be rebuilt from the streams, so
 * it need not pay for a full fsync per batch: WAL with NORMAL sync still never tears a committed
 * batch-with-checkpoint apart on a process crash, which is what the runner relies on.
 */
export function openReadModelDatabase(file: string): Database.Database {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  return db;
}

export { createProjections } from './create-projections';

const RETRY_MS = 5_000;

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
  /** The global position the read model is up to. */
  position: string;
}

/** How far a rebuild beside the serving read models has come, for /health. */
export interface RebuildProgress {
  /** The projections being built, name@version. */
  building: string;
  startedAt: string;
  /** The position it started from: past -1 when it resumed a rebuild a previous life began. */
  resumedFrom: string;
  /** The global position the new version is up to, and the store's last one. */
  position: string;
  headPosition: string;
  eventsApplied: number;
  eventsPerSecond: number;
  percent: number;
  /** Seconds left at the rate so far; null until there is a rate. */
  etaSeconds: number | null;
}

/** A new version being built in its own file beside the serving one. */
interface Rebuild {
  runner: ProjectionRunner;
  db: Database.Database;
  startedAtMs: number;
  startPosition: bigint;
  /** Settles when the new version serves (true) or the service stops first (false). */
  switched: Promise<boolean>;
  settle: (switched: boolean) => void;
  /** The previous version was built from this same store, so its positions mean something here. */
  sameSource: boolean;
}

/**
 * The read models of this instance and the runner that keeps them following the store.
 *
 * Blue/green: when the file on disk was built by another set of projections (a version raised, a
 * projection added) or from another store, the new version is built in a file of its own beside
 * it, while the service listens and answers from the file it has. The previous version does not
 * follow the store meanwhile (the code that wrote it is gone): it answers as it stands, or with a
 * 503 naming the rebuild for a query its tables cannot answer. Once the new version has caught up
 * with the store, it replaces the old file in one synchronous step, so each request reads one
 * version or the other, never a mix; then it follows the store as usual. The new file keeps its
 * own checkpoint, so a crash mid-rebuild resumes where it stopped.
 */
@Injectable()
export class ReadModels implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ReadModels.name);
  private readonly file: string;
  private readonly source: string;
  private readonly projections: readonly Projection[];
  private readonly caseload: CaseloadProjection;
  private readonly deadlines: DeadlinesProjection;
  private readonly decisions: DecisionsProjection;
  /** The file requests read from. */
  private db: Database.Database;
  /** Follows the store for `db`; null while a previous version serves during a rebuild. */
  private live: ProjectionRunner | null = null;
  /** The checkpoint of the previous version serving during a rebuild. */
  private frozenPosition = -1n;
  private rebuild: Rebuild | null = null;
  private rebuilding: Promise<void> | null = null;
  private started: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly listeners: Array<() => void> = [];
  private readonly foldWorkers: number;

  constructor(
    config: AppConfig,
    private readonly store: EventStore,
    registry: WorkflowRegistry,
  ) {
    this.file = readModelFile(config);
    this.source = readModelSource(config);
    const projections = createProjections(registry);
    this.caseload = projections.caseload;
    this.deadlines = projections.deadlines;
    this.decisions = projections.decisions;
    this.projections = [this.caseload, this.deadlines, this.decisions];
    this.foldWorkers = foldWorkerCount(registry);
    this.db = openReadModelDatabase(this.file);
    if (this.needsRebuildBeside()) this.prepareRebuild();
    else this.followInPlace();
  }

  /**
   * Catch up before the service takes requests, so lists and clocks are current from the first
   * answer. A store that cannot be read does not stop the service (health says so): catching up
   * is retried in the background. A rebuild beside the serving version runs in the background.
   */
  async onApplicationBootstrap(): Promise<void> {
    if (this.rebuild) {
      this.rebuilding ??= this.runRebuild();
      return;
    }
    try {
      await this.ready();
      this.logger.log(`read models caught up to position ${this.position}`);
    } catch (error) {
      this.logger.error(`read models could not catch up (${(error as Error).message}); retrying in ${RETRY_MS / 1000} s`);
      this.retryTimer = setTimeout(() => void this.onApplicationBootstrap(), RETRY_MS);
      this.retryTimer.unref();
    }
  }

  /**
   * Resolves once the read models can be served: caught up with the store at start-up, or, while a
   * new version is built beside it, at once (the previous version serves).
   */
  ready(): Promise<void> {
    if (!this.live) return Promise.resolve();
    const live = this.live;
    this.started ??= live.start().catch((error: unknown) => {
      this.started = null;
      throw error;
    });
    return this.started;
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.stopFollowing();
    const rebuild = this.rebuild;
    if (rebuild) {
      await rebuild.runner.stop();
      await this.rebuilding;
      rebuild.db.close();
      rebuild.settle(false);
    }
    this.db.close();
  }

  /** Stop following the store (shutdown; tests that need the read models to lag). */
  async stopFollowing(): Promise<void> {
    await this.live?.stop();
  }

  /** The last global position the serving read models hold (-1 before any). */
  get position(): bigint {
    return this.live?.position ?? this.frozenPosition;
  }

  /** The error that stopped following the store, if any. */
  get error(): unknown {
    return this.live?.error ?? null;
  }

  /** Call `listener` after every batch applied, and when a new version takes over. */
  onApplied(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Progress of the rebuild beside the serving version, or null when none runs. */
  async rebuildProgress(): Promise<RebuildProgress | null> {
    const rebuild = this.rebuild;
    if (!rebuild) return null;
    const head = await this.store.headPosition();
    const position = rebuild.runner.position;
    const seconds = (Date.now() - rebuild.startedAtMs) / 1000;
    const positionsPerSecond = seconds > 0 ? Number(position - rebuild.startPosition) / seconds : 0;
    const left = Number(head - position);
    return {
      building: projectionSignature(this.projections),
      startedAt: new Date(rebuild.startedAtMs).toISOString(),
      resumedFrom: rebuild.startPosition.toString(),
      position: position.toString(),
      headPosition: head.toString(),
      eventsApplied: rebuild.runner.applied,
      eventsPerSecond: seconds > 0 ? Math.round(rebuild.runner.applied / seconds) : 0,
      percent: head >= 0n ? Math.floor((Number(position + 1n) / Number(head + 1n)) * 100) : 100,
      etaSeconds: positionsPerSecond > 0 ? Math.ceil(Math.max(0, left) / positionsPerSecond) : null,
    };
  }

  /**
   * Wait (bounded) until the read models include `after`; 503 naming the lag if they do not.
   * During a rebuild the previous version does not follow the store: a position past it is only
   * reached when the new version takes over.
   */
  async ensureCaughtUp(after: bigint | undefined, waitMs: number, readModel = 'caseload'): Promise<void> {
    if (after === undefined) return;
    const rebuild = this.rebuild;
    if (rebuild) {
      if (rebuild.sameSource && after <= this.frozenPosition) return;
      const started = Date.now();
      if (!(await withinMs(rebuild.switched, waitMs))) throw new ReadModelLagError(readModel, lagOf(after, rebuild.runner.position));
      waitMs = Math.max(0, waitMs - (Date.now() - started));
    }
    const live = this.live;
    if (live && (await live.waitFor(after, waitMs))) return;
    throw new ReadModelLagError(readModel, lagOf(after, this.position));
  }

  /** The earliest time a running clock may be recorded missed, or the earliest after `after`. */
  nextDue(after?: Date): string | null {
    // A previous version does not see the misses recorded since: the scheduler waits for the new one.
    if (this.rebuild) return null;
    return this.deadlines.nextDue(this.db, after?.toISOString());
  }

  dueClocks(now: Date, limit: number): OpenClockRow[] {
    if (this.rebuild) return [];
    return this.deadlines.due(this.db, now.toISOString(), limit);
  }

  overdueClocks(filter: OverdueFilter): { items: OpenClockRow[]; position: string } {
    return { items: this.serve('deadlines', () => this.deadlines.overdue(this.db, filter)), position: this.position.toString() };
  }

  lateEntries(filter: ClockListFilter): { items: LateEntryRow[]; position: string } {
    return { items: this.serve('deadlines', () => this.deadlines.lateEntries(this.db, filter)), position: this.position.toString() };
  }

  /** Open clocks by clock and status, for the metrics; none from a previous version that cannot count them. */
  clockCounts(): ClockCount[] {
    try {
      return this.serve('deadlines', () => this.deadlines.counts(this.db));
    } catch (error) {
      if (error instanceof ReadModelRebuildingError) return [];
      throw error;
    }
  }

  listCaseload(filter: CaseloadFilter, page: { limit: number; offset: number }): Page<CaseloadRow> {
    const { total, items } = this.serve('caseload', () => this.caseload.list(this.db, filter, page));
    return { items, total, ...page, position: this.position.toString() };
  }

  listDecisions(filter: DecisionFilter, page: { limit: number; offset: number }): Page<DecisionRow> {
    const { total, items } = this.serve('decisions', () => this.decisions.list(this.db, filter, page));
    return { items, total, ...page, position: this.position.toString() };
  }

  /**
   * Runs a query on the serving file. A previous version's tables may lack what this code asks
   * of them (a column added with the version): that is a 503 naming the rebuild, not a 500.
   */
  private serve<T>(readModel: string, query: () => T): T {
    if (!this.rebuild) return query();
    try {
      return query();
    } catch (error) {
      if (!isSqliteError(error)) throw error;
      this.logger.warn(
        `the previous version of ${readModel} cannot answer a query (${(error as Error).message}) while the new one is built`,
      );
      throw new ReadModelRebuildingError(readModel);
    }
  }

  /** The file holds read models of another projection set or store (and has something to serve). */
  private needsRebuildBeside(): boolean {
    if (this.file === ':memory:') return false;
    return recordedCheckpoint(this.db) >= 0n && recordedSignature(this.db) !== projectionSignature(this.projections, this.source);
  }

  private followInPlace(): void {
    this.live = this.runnerOn(this.db);
    // A rebuild abandoned for a version no longer wanted (the code was rolled back) is dropped.
    if (this.file !== ':memory:') removeDatabaseFiles(nextReadModelFile(this.file));
  }

  private prepareRebuild(): void {
    const recorded = recordedSignature(this.db);
    this.frozenPosition = recordedCheckpoint(this.db);
    // The next file resumes from its own checkpoint when a previous life started the same rebuild.
    const db = openReadModelDatabase(nextReadModelFile(this.file));
    const runner = this.runnerOn(db, { applyInTurns: true });
    let settle: (switched: boolean) => void = () => undefined;
    const switched = new Promise<boolean>((resolveSwitch) => (settle = resolveSwitch));
    this.rebuild = {
      runner,
      db,
      startedAtMs: Date.now(),
      startPosition: runner.position,
      switched,
      settle,
      sameSource: recorded?.endsWith(` from ${this.source}`) ?? false,
    };
    this.logger.log(
      `read models were built by [${recorded ?? 'unrecorded'}]; building [${projectionSignature(this.projections)}] beside them ` +
        `from position ${runner.position}, answering from the previous version (position ${this.frozenPosition}) until it has caught up`,
    );
  }

  private runnerOn(db: Database.Database, options: Pick<ProjectionRunnerOptions, 'applyInTurns'> = {}): ProjectionRunner {
    const runner = new ProjectionRunner(this.store, db, this.projections, {
      source: this.source,
      foldWorkers: this.foldWorkers,
      ...options,
    });
    runner.onApplied(() => this.listeners.forEach((listener) => listener()));
    return runner;
  }

  /** Build the new version to the live position, then switch to it; retried after a failure. */
  private async runRebuild(): Promise<void> {
    const rebuild = this.rebuild;
    if (!rebuild) return;
    try {
      await rebuild.runner.catchUp();
    } catch (error) {
      if (this.closed) return;
      this.logger.error(
        `rebuilding the read models failed at position ${rebuild.runner.position} (${(error as Error).message}); retrying in ${RETRY_MS / 1000} s`,
      );
      this.retryTimer = setTimeout(() => {
        this.rebuilding = this.runRebuild();
      }, RETRY_MS);
      this.retryTimer.unref();
      return;
    }
    if (this.closed) return;
    this.switchToRebuilt(rebuild);
    await this.onApplicationBootstrap();
  }

  /**
   * Replace the serving file with the new one. Synchronous from the first close to the new open,
   * so no request runs in between: each reads the old version or the new one. The old file's WAL
   * goes before the rename, so it cannot be replayed into the new file after a crash.
   */
  private switchToRebuilt(rebuild: Rebuild): void {
    const seconds = (Date.now() - rebuild.startedAtMs) / 1000;
    rebuild.db.pragma('wal_checkpoint(TRUNCATE)');
    rebuild.db.close();
    this.db.close();
    removeDatabaseFiles(this.file, { keepMain: true });
    renameSync(nextReadModelFile(this.file), this.file);
    this.db = openReadModelDatabase(this.file);
    this.live = this.runnerOn(this.db);
    this.rebuild = null;
    this.rebuilding = null;
    this.started = null;
    this.frozenPosition = -1n;
    rebuild.settle(true);
    this.logger.log(
      `read models rebuilt to position ${this.live.position} (${rebuild.runner.applied} events in ${seconds.toFixed(1)} s); the new version serves`,
    );
    this.listeners.forEach((listener) => listener());
  }
}

/**
 * Worker threads to fold journeys on when catching up a backlog (a rebuild): one a core beside
 * this thread's (which folds its share too), when the workflows are the engine's own (what the
 * workers build).
 */
export function foldWorkerCount(registry: WorkflowRegistry): number {
  const cores = availableParallelism();
  const own = new WorkflowRegistry().list();
  const registered = registry.list();
  const engines = registered.length === own.length && registered.every((definition, index) => definition === own[index]);
  return engines ? cores - 1 : 0;
}

/** `file` and its WAL and shared-memory files (only those with `keepMain`). */
function removeDatabaseFiles(file: string, { keepMain = false } = {}): void {
  for (const path of [...(keepMain ? [] : [file]), `${file}-wal`, `${file}-shm`]) rmSync(path, { force: true });
}

/**
 * By its code rather than `instanceof`: the native addon keeps the error class of the first copy
 * of the module loaded (and of its realm, under jest), which a later copy does not recognise.
 */
function isSqliteError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_');
}

function lagOf(after: bigint, position: bigint): string {
  return (after > position ? after - position : 0n).toString();
}

/** Whether `promise` resolves true within `ms`. */
function withinMs(promise: Promise<boolean>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolveTimeout) => (timer = setTimeout(() => resolveTimeout(false), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
