import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { WorkflowRegistry } from '../../workflows';
import { AppConfig } from '../config';
import { ReadModelLagError } from '../errors';
import { EventStore } from '../event-store/event-store';
import { DEFAULT_POSTGRES_SCHEMA } from '../event-store/postgres/postgres-event-store';
import { CaseloadProjection, type CaseloadFilter, type CaseloadRow } from './caseload.projection';
import { DeadlinesProjection, type ClockCount, type ClockListFilter, type LateEntryRow, type OpenClockRow, type OverdueFilter } from './deadlines.projection';
import { DecisionsProjection, type DecisionFilter, type DecisionRow } from './decisions.projection';
import { ProjectionRunner } from './projection-runner';

/** Where the read models live: a local SQLite file beside the event file, whatever the store. */
export function readModelFile(config: AppConfig): string {
  if (config.eventStore === 'memory') return ':memory:';
  return join(dirname(config.sqliteFile), 'read-models.db');
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
  return connection.replace(/^[^:]*:\/\//, '').replace(/^[^@/]*@/, '').replace(/[/?].*$/, '');
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

/** The service's read models. The caseload comes first: the others filter by its organisation column. */
export function createProjections(registry: WorkflowRegistry) {
  return {
    caseload: new CaseloadProjection(registry),
    deadlines: new DeadlinesProjection(registry),
    decisions: new DecisionsProjection(),
  };
}

const RETRY_MS = 5_000;

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
  /** The global position the read model is up to. */
  position: string;
}

/** The read models of this instance and the runner that keeps them following the store. */
@Injectable()
export class ReadModels implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ReadModels.name);
  private readonly db: Database.Database;
  private readonly caseload: CaseloadProjection;
  private readonly deadlines: DeadlinesProjection;
  private readonly decisions: DecisionsProjection;
  private started: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  readonly runner: ProjectionRunner;

  constructor(config: AppConfig, store: EventStore, registry: WorkflowRegistry) {
    this.db = openReadModelDatabase(readModelFile(config));
    const projections = createProjections(registry);
    this.caseload = projections.caseload;
    this.deadlines = projections.deadlines;
    this.decisions = projections.decisions;
    this.runner = new ProjectionRunner(store, this.db, [this.caseload, this.deadlines, this.decisions], { source: readModelSource(config) });
  }

  /**
   * Catch up before the service takes requests, so lists and clocks are current from the first
   * answer. A store that cannot be read does not stop the service (health says so): catching up
   * is retried in the background.
   */
  async onApplicationBootstrap(): Promise<void> {
    try {
      await this.ready();
      this.logger.log(`read models caught up to position ${this.runner.position}`);
    } catch (error) {
      this.logger.error(`read models could not catch up (${(error as Error).message}); retrying in ${RETRY_MS / 1000} s`);
      this.retryTimer = setTimeout(() => void this.onApplicationBootstrap(), RETRY_MS);
      this.retryTimer.unref();
    }
  }

  /** Resolves once the read models have caught up with the store at start-up. */
  ready(): Promise<void> {
    this.started ??= this.runner.start().catch((error: unknown) => {
      this.started = null;
      throw error;
    });
    return this.started;
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.runner.stop();
    this.db.close();
  }

  /** Wait (bounded) until the read models include `after`; 503 naming the lag if they do not. */
  async ensureCaughtUp(after: bigint | undefined, waitMs: number, readModel = 'caseload'): Promise<void> {
    if (after === undefined) return;
    if (await this.runner.waitFor(after, waitMs)) return;
    throw new ReadModelLagError(readModel, (after - this.runner.position).toString());
  }

  /** The earliest time a running clock may be recorded missed, or the earliest after `after`. */
  nextDue(after?: Date): string | null {
    return this.deadlines.nextDue(this.db, after?.toISOString());
  }

  dueClocks(now: Date, limit: number): OpenClockRow[] {
    return this.deadlines.due(this.db, now.toISOString(), limit);
  }

  overdueClocks(filter: OverdueFilter): { items: OpenClockRow[]; position: string } {
    return { items: this.deadlines.overdue(this.db, filter), position: this.runner.position.toString() };
  }

  lateEntries(filter: ClockListFilter): { items: LateEntryRow[]; position: string } {
    return { items: this.deadlines.lateEntries(this.db, filter), position: this.runner.position.toString() };
  }

  /** Open clocks by clock and status, for the metrics. */
  clockCounts(): ClockCount[] {
    return this.deadlines.counts(this.db);
  }

  listCaseload(filter: CaseloadFilter, page: { limit: number; offset: number }): Page<CaseloadRow> {
    const { total, items } = this.caseload.list(this.db, filter, page);
    return { items, total, ...page, position: this.runner.position.toString() };
  }

  listDecisions(filter: DecisionFilter, page: { limit: number; offset: number }): Page<DecisionRow> {
    const { total, items } = this.decisions.list(this.db, filter, page);
    return { items, total, ...page, position: this.runner.position.toString() };
  }
}
