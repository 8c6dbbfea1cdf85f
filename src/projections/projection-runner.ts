/**
 * Keeps the read models up to date with whichever store holds the events.
 *
 * It reads the global order from its checkpoint in pages and applies each page to every
 * projection in ONE SQLite transaction together with the new checkpoint: a crash between two
 * pages loses nothing and applies nothing twice. Then it follows new events, buffering what
 * arrives in one event-loop turn into one transaction the same way.
 */
import { Logger } from '@nestjs/common';
import type Database from 'better-sqlite3';
import { backoffDelay } from '../common/backoff';
import type { EventStore, StoredEvent, Subscription } from '../event-store/event-store';
import { FoldPool } from './fold-pool';
import { prepared } from './prepared';
import { foldsJourneys, type JourneyFoldProjection, type Projection } from './projection';

const CHECKPOINT_NAME = 'read-models';
const PROGRESS_EVERY_MS = 5_000;
/**
 * Events per catch-up transaction: a few thousand, so that the commit, the page read and the
 * event-loop turn between pages cost little next to applying the events.
 */
export const CATCH_UP_BATCH = 5_000;
/** Events applied between two turns of the event loop when a page is applied in turns (tens of ms). */
const EVENTS_PER_TURN = 200;
/** Pause before following again after a failure; doubles per failure in a row, up to the max. */
const RESTART_AFTER_MS = 200;
const RESTART_AFTER_MAX_MS = 30_000;

export interface ProjectionRunnerOptions {
  /** Events a catch-up transaction carries. */
  batchSize?: number;
  streamPrefix?: string;
  /**
   * Which store the read models are built from (e.g. `sqlite:/data/events.db`). Positions mean
   * nothing across stores, so read models pointed at another store (after store:copy moved the
   * journeys) are rebuilt from its first event rather than resumed at a foreign checkpoint.
   */
  source?: string;
  /**
   * Apply each catch-up page in slices with a turn of the event loop between them, inside its one
   * transaction: for a new version built beside the serving one, on a connection of its own.
   */
  applyInTurns?: boolean;
  /**
   * Worker threads folding the journeys (caseload, clocks) of a catch-up's full pages with this
   * thread, which writes what they fold: for a rebuild, whose time is the folding. Only for the service's own
   * projections (the workers build them with the engine's workflows) on a read-model file (the
   * workers read it). Until they have loaded, this thread folds. 0 or absent: this thread only.
   */
  foldWorkers?: number;
  /** Tests: wait for the fold workers to load and fold every full page on them. */
  awaitFoldWorkers?: boolean;
}

interface Waiter {
  position: bigint;
  resolve: (caughtUp: boolean) => void;
  timer: NodeJS.Timeout;
}

export class ProjectionRunner {
  private readonly logger = new Logger(ProjectionRunner.name);
  private subscription: Subscription | null = null;
  private pending: StoredEvent[] = [];
  private flushScheduled = false;
  private waiters: Waiter[] = [];
  private checkpoint: bigint;
  private failure: unknown = null;
  private restartTimer: NodeJS.Timeout | null = null;
  private failuresInARow = 0;
  private generation = 0;
  private stopping = false;
  private eventsApplied = 0;
  private eventsFoldedOnWorkers = 0;
  private readonly listeners: Array<() => void> = [];

  constructor(
    private readonly store: EventStore,
    private readonly db: Database.Database,
    private readonly projections: readonly Projection[],
    private readonly options: ProjectionRunnerOptions = {},
  ) {
    createBookkeeping(db);
    this.resetIfSourceOrProjectionsChanged();
    projections.forEach((projection) => projection.setup(db));
    this.checkpoint = recordedCheckpoint(db);
  }

  /** The last global position applied to the read models (-1 before any). */
  get position(): bigint {
    return this.checkpoint;
  }

  /** Events applied by this runner since it was created (rebuild progress). */
  get applied(): number {
    return this.eventsApplied;
  }

  /** Events of those applied whose journeys were folded with worker threads. */
  get foldedOnWorkers(): number {
    return this.eventsFoldedOnWorkers;
  }

  /** Catch up from the checkpoint, then follow. Resolves once caught up. */
  async start(): Promise<void> {
    this.stopping = false;
    await this.catchUp();
    if (this.stopping) return;
    // Events still arriving from a subscription given up after a failure are not applied: they
    // could land past the events of the batch that failed.
    const generation = ++this.generation;
    this.subscription = this.store.subscribe(
      { after: this.checkpoint, streamPrefix: this.prefix },
      (event) => {
        if (generation === this.generation) this.enqueue(event);
      },
      (error) => {
        if (generation === this.generation) this.fail(error);
      },
    );
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    await this.subscription?.close();
    this.subscription = null;
    this.flush();
    this.waiters.forEach((waiter) => {
      clearTimeout(waiter.timer);
      waiter.resolve(false);
    });
    this.waiters = [];
  }

  /** Drop every read model and rebuild it from the first event. */
  async rebuild(): Promise<void> {
    await this.stop();
    this.db.transaction(() => {
      this.projections.forEach((projection) => {
        projection.drop(this.db);
        projection.setup(this.db);
      });
      this.db.prepare('DELETE FROM checkpoints WHERE name = ?').run(CHECKPOINT_NAME);
    })();
    this.checkpoint = -1n;
    await this.start();
  }

  /** Resolves true once the read models have applied `position`, false after `timeoutMs`. */
  waitFor(position: bigint, timeoutMs: number): Promise<boolean> {
    if (this.checkpoint >= position) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        position,
        resolve,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((other) => other !== waiter);
          resolve(this.checkpoint >= position);
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  /** Call `listener` after every batch applied (e.g. to re-plan the deadline timer). */
  onApplied(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** The error that stopped following, if any (reported by /health). */
  get error(): unknown {
    return this.failure;
  }

  private get prefix(): string {
    return this.options.streamPrefix ?? 'journey-';
  }

  /**
   * Apply everything after the checkpoint, page by page (one transaction each), saying how it goes
   * on a long rebuild. Resolves once a page comes back short, i.e. at the live position, or early
   * after stop().
   */
  async catchUp(): Promise<void> {
    this.stopping = false;
    const maxCount = this.options.batchSize ?? CATCH_UP_BATCH;
    const started = Date.now();
    let applied = 0;
    let lastReport = started;
    let pool: FoldPool | null = null;
    let prefetched: Promise<StoredEvent[]> | null = null;
    try {
      for (;;) {
        const page = await (prefetched ?? this.readPageAfter(this.checkpoint, maxCount));
        prefetched = null;
        // Stopped while reading: the owner may have closed the file since.
        if (this.stopping) return;
        const full = page.length === maxCount;
        // Workers only for a backlog: a page that comes back short is the live position.
        if (full && !pool) pool = await this.startFoldPool();
        if (page.length > 0) {
          if (pool && pool.ready > 0) {
            // The next page is read while the workers fold this one.
            const readNext = () => {
              if (!full) return;
              prefetched = this.readPageAfter(page[page.length - 1].position, maxCount);
              prefetched.catch(() => undefined); // awaited on the next pass, unless this page fails
            };
            if (!(await this.applyFolded(page, pool, readNext))) return;
          } else if (!this.options.applyInTurns) this.applyBatch(page);
          else if (!(await this.applyBatchInTurns(page))) return;
        }
        applied += page.length;
        if (Date.now() - lastReport >= PROGRESS_EVERY_MS) {
          lastReport = Date.now();
          this.logger.log(
            `catching up: ${applied} events applied (${Math.round(applied / ((lastReport - started) / 1000))}/s), at position ${this.checkpoint}`,
          );
        }
        if (!full) return;
        // A turn of the event loop between pages: an adapter that reads synchronously would
        // otherwise keep requests waiting until the whole catch-up is done.
        await nextTurn();
      }
    } finally {
      // Only when there is one: start() (which clears a failure once caught up) resolves no later than before.
      if (pool) await pool.close();
    }
  }

  private readPageAfter(after: bigint, maxCount: number): Promise<StoredEvent[]> {
    return this.store.readAll({ after, maxCount, streamPrefix: this.prefix });
  }

  /** The fold workers for a catch-up, or null when there are none to start (see foldWorkers). */
  private async startFoldPool(): Promise<FoldPool | null> {
    const workers = this.options.foldWorkers ?? 0;
    const folded = this.projections.filter(foldsJourneys);
    if (workers <= 0 || folded.length === 0 || this.db.memory) return null;
    const pool = new FoldPool(this.db.name, folded, workers, (error) =>
      this.logger.warn(`a fold worker stopped (${error.message}): the catch-up goes on without it`),
    );
    if (this.options.awaitFoldWorkers) await pool.whenStarted();
    return pool;
  }

  private enqueue(event: StoredEvent): void {
    if (event.position <= this.checkpoint) return;
    this.pending.push(event);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length > 0) {
      try {
        this.applyBatch(batch);
      } catch (error) {
        this.fail(error);
      }
    }
  }

  private applyBatch(events: readonly StoredEvent[]): void {
    const last = events[events.length - 1].position;
    const transaction = this.db.transaction(() => {
      this.applyEach(events);
      this.endBatch(last);
    });
    try {
      transaction();
    } catch (error) {
      // Rolled back: what the projections kept for it never reached the file.
      this.projections.forEach((projection) => projection.discard?.());
      throw error;
    }
    this.committed(last, events.length);
  }

  /**
   * One transaction over the page, applied EVENTS_PER_TURN events at a time with a turn of the
   * event loop between: requests are answered while a page of thousands is applied. Only for a
   * file nothing else reads from (a new version built beside the serving one): on the serving
   * connection, a request would read the page half applied. Returns false when stop() came first
   * (the page rolled back).
   */
  private async applyBatchInTurns(events: readonly StoredEvent[]): Promise<boolean> {
    const last = events[events.length - 1].position;
    this.db.exec('BEGIN');
    try {
      for (let start = 0; start < events.length; start += EVENTS_PER_TURN) {
        this.applyEach(events.slice(start, start + EVENTS_PER_TURN));
        await nextTurn();
        if (this.stopping) {
          this.rollBack();
          return false;
        }
      }
      this.endBatch(last);
      this.db.exec('COMMIT');
    } catch (error) {
      this.rollBack();
      throw error;
    }
    this.committed(last, events.length);
    return true;
  }

  /**
   * One page with its journeys folded on the workers and this thread: they fold it before the
   * transaction opens (each reads its journeys' last state as the previous page committed it),
   * this thread folds its share then runs `whileFolding`, then applies the other projections and
   * writes what was folded, in one transaction, in turns of the event loop when `applyInTurns`.
   * Returns false when stop() came first.
   */
  private async applyFolded(events: readonly StoredEvent[], pool: FoldPool, whileFolding: () => void): Promise<boolean> {
    const last = events[events.length - 1].position;
    const { here, workers } = pool.fold(events);
    const inTurns = this.options.applyInTurns === true;
    const foldedHere = await this.foldHere(here, pool.projections, inTurns);
    whileFolding();
    const shares = [foldedHere, ...(await workers)];
    if (this.stopping) return false;
    const others = this.projections.filter((projection) => !pool.projections.includes(projection as never));
    this.db.exec('BEGIN');
    try {
      for (let start = 0; start < events.length; start += EVENTS_PER_TURN) {
        for (const event of events.slice(start, start + EVENTS_PER_TURN)) {
          for (const projection of others) projection.apply(this.db, event);
        }
        if (inTurns && !(await this.turnUnlessStopping())) return false;
      }
      for (const writes of shares) {
        pool.projections.forEach((projection, index) => projection.write(this.db, writes[index]));
        if (inTurns && !(await this.turnUnlessStopping())) return false;
      }
      this.endBatch(last);
      this.db.exec('COMMIT');
    } catch (error) {
      this.rollBack();
      throw error;
    }
    this.eventsFoldedOnWorkers += events.length;
    this.committed(last, events.length);
    return true;
  }

  /**
   * This thread's share of a page, folded as a worker folds its own: the rows, one entry per
   * projection. In turns of the event loop when the service is answering beside the rebuild: half
   * a page folded in one go kept requests waiting half a second.
   */
  private async foldHere(
    events: readonly StoredEvent[],
    projections: readonly JourneyFoldProjection[],
    inTurns: boolean,
  ): Promise<unknown[]> {
    try {
      for (let start = 0; start < events.length; start += EVENTS_PER_TURN) {
        for (const event of events.slice(start, start + EVENTS_PER_TURN)) {
          for (const projection of projections) projection.apply(this.db, event);
        }
        if (inTurns) await nextTurn();
      }
      return projections.map((projection) => projection.takeWrites());
    } catch (error) {
      projections.forEach((projection) => projection.discard?.());
      throw error;
    }
  }

  /** A turn of the event loop inside an open transaction; rolls it back and says false if stop() came. */
  private async turnUnlessStopping(): Promise<boolean> {
    await nextTurn();
    if (!this.stopping) return true;
    this.rollBack();
    return false;
  }

  private applyEach(events: readonly StoredEvent[]): void {
    for (const event of events) {
      for (const projection of this.projections) projection.apply(this.db, event);
    }
  }

  /** What the projections kept over the batch, then the checkpoint: the last writes of its transaction. */
  private endBatch(last: bigint): void {
    for (const projection of this.projections) projection.flush?.(this.db);
    prepared(
      this.db,
      'INSERT INTO checkpoints (name, position) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET position = excluded.position',
    ).run(CHECKPOINT_NAME, last.toString());
  }

  private rollBack(): void {
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
    this.projections.forEach((projection) => projection.discard?.());
  }

  private committed(last: bigint, count: number): void {
    this.checkpoint = last;
    this.eventsApplied += count;
    this.releaseWaiters();
    this.listeners.forEach((listener) => listener());
  }

  private releaseWaiters(): void {
    const ready = this.waiters.filter((waiter) => waiter.position <= this.checkpoint);
    this.waiters = this.waiters.filter((waiter) => waiter.position > this.checkpoint);
    ready.forEach((waiter) => {
      clearTimeout(waiter.timer);
      waiter.resolve(true);
    });
  }

  /**
   * A batch that failed was rolled back whole and the checkpoint stayed where it was; a failed
   * subscription has stopped. Either way, following stops and starts again from the checkpoint
   * after a pause, so no event is skipped and none applied twice. /health reports the failure
   * until a restart has caught up.
   */
  private fail(error: unknown): void {
    this.failure = error;
    this.failuresInARow += 1;
    const pauseMs = backoffDelay({ initialMs: RESTART_AFTER_MS, maxMs: RESTART_AFTER_MAX_MS }, this.failuresInARow);
    this.logger.error(
      `read models stopped following the store at position ${this.checkpoint}: ${error instanceof Error ? error.message : String(error)}; ` +
        `following again in ${pauseMs} ms`,
    );
    if (this.restartTimer) return;
    this.generation += 1;
    this.pending = [];
    const subscription = this.subscription;
    this.subscription = null;
    void subscription?.close();
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      this.start().then(
        () => {
          this.failure = null;
          this.failuresInARow = 0;
        },
        (restartError: unknown) => this.fail(restartError),
      );
    }, pauseMs);
  }

  /**
   * The checkpoint is shared by every projection, so a projection added (or whose version was
   * raised) after the file was last written would otherwise start at that checkpoint and never see
   * the earlier events; and a checkpoint taken on another store is no position in this one. When
   * the set or the source differs from the one recorded, every read model is dropped and rebuilt
   * from the first event: the streams hold everything needed, the read model nothing more.
   */
  private resetIfSourceOrProjectionsChanged(): void {
    const signature = projectionSignature(this.projections, this.options.source);
    const recorded = recordedSignature(this.db);
    if (recorded === signature) return;
    // A file written before the set was recorded has no row but may have a checkpoint: reset it too.
    if (recordedCheckpoint(this.db) >= 0n) {
      this.logger.log(`read models change from [${recorded ?? 'unrecorded'}] to [${signature}]: rebuilding them from the first event`);
    }
    this.db.transaction(() => {
      this.projections.forEach((projection) => projection.drop(this.db));
      this.db.prepare('DELETE FROM checkpoints WHERE name = ?').run(CHECKPOINT_NAME);
      this.db
        .prepare('INSERT INTO projection_set (id, signature) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET signature = excluded.signature')
        .run(signature);
    })();
  }
}

/** What a read-model file records about itself: its checkpoint and the set it was built by. */
function createBookkeeping(db: Database.Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS checkpoints (name TEXT PRIMARY KEY, position TEXT NOT NULL)');
  db.exec('CREATE TABLE IF NOT EXISTS projection_set (id INTEGER PRIMARY KEY CHECK (id = 1), signature TEXT NOT NULL)');
}

/** The projections (name@version) and the store they are built from, as a file records them. */
export function projectionSignature(projections: readonly Projection[], source?: string): string {
  const set = projections.map((projection) => `${projection.name}@${projection.version ?? 1}`).join(',');
  return source === undefined ? set : `${set} from ${source}`;
}

/** The signature a read-model file was built with; undefined when none is recorded. */
export function recordedSignature(db: Database.Database): string | undefined {
  createBookkeeping(db);
  const row = db.prepare('SELECT signature FROM projection_set WHERE id = 1').get() as { signature: string } | undefined;
  return row?.signature;
}

/** The last global position a read-model file holds (-1 before any). */
export function recordedCheckpoint(db: Database.Database): bigint {
  createBookkeeping(db);
  const row = db.prepare('SELECT position FROM checkpoints WHERE name = ?').get(CHECKPOINT_NAME) as { position: string } | undefined;
  return row ? BigInt(row.position) : -1n;
}

function nextTurn(): Promise<void> {
  return new Promise((resolveTurn) => setImmediate(resolveTurn));
}
