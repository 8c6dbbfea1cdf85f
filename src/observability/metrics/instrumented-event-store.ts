/**
 * The EventStore port, measured: wraps whichever adapter EVENT_STORE chose (SQLite, KurrentDB,
 * PostgreSQL, memory) without knowing which. Every call through the port is timed by operation and
 * outcome; inside a traced request each append and read is a span of its own.
 *
 * Only the calls a request makes for itself (append, readStream) are spans: the bulk reads of the
 * read models following the store would otherwise land in the trace of whichever request's
 * commit woke them.
 *
 * Group commit is the adapter's business, so its sizes come from the adapter if it reports them
 * (`stats(): { commits, appends }`, as SqliteEventStore does); adapters that commit one append at
 * a time simply have no such histogram.
 */
import { trace } from '@opentelemetry/api';
import {
  EventStore,
  StoreUnavailableError,
  StreamConflictError,
  type AppendResult,
  type EventHandler,
  type ExpectedRevision,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type StoredEvent,
  type SubscribeOptions,
  type Subscription,
} from '../../event-store/event-store';
import { withSpan } from '../tracing/with-span';
import type { Metrics, StoreOperation, StoreOutcome } from './metrics';

/** What an adapter that groups appends into commits may report. */
export interface GroupCommitStats {
  /** Write transactions committed. */
  commits: number;
  /** Append calls those commits settled. */
  appends: number;
}

interface ReportsGroupCommits {
  stats(): GroupCommitStats;
}

function reportsGroupCommits(store: EventStore): store is EventStore & ReportsGroupCommits {
  return typeof (store as Partial<ReportsGroupCommits>).stats === 'function';
}

export function outcomeOf(error: unknown): StoreOutcome {
  if (error instanceof StreamConflictError) return 'conflict';
  if (error instanceof StoreUnavailableError) return 'unavailable';
  return 'error';
}

export class InstrumentedEventStore extends EventStore {
  private seen: GroupCommitStats = { commits: 0, appends: 0 };

  constructor(
    /** The adapter itself, for what only it knows (tests, diagnostics). */
    readonly inner: EventStore,
    private readonly metrics: Metrics,
  ) {
    super();
    if (reportsGroupCommits(inner)) this.seen = { ...inner.stats() };
  }

  override adapter(): EventStore {
    return this.inner.adapter();
  }

  async appendToStream(streamId: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    const result = await this.measure('append', () => this.inner.appendToStream(streamId, events, expected), { events: events.length });
    this.noteGroupCommits();
    return result;
  }

  readStream(streamId: string, options?: ReadStreamOptions): Promise<StoredEvent[]> {
    return this.measure('readStream', () => this.inner.readStream(streamId, options));
  }

  readAll(options?: ReadAllOptions): Promise<StoredEvent[]> {
    return this.measure('readAll', () => this.inner.readAll(options), { traced: false });
  }

  headPosition(): Promise<bigint> {
    return this.measure('headPosition', () => this.inner.headPosition(), { traced: false });
  }

  subscribe(options: SubscribeOptions, handler: EventHandler, onError?: (error: unknown) => void): Subscription {
    return this.inner.subscribe(options, handler, onError);
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /**
   * Times the call; inside a traced request, also a span. Outside one (the scheduler, say) no span
   * is started: each call would be a trace of its own.
   */
  private async measure<T>(
    operation: StoreOperation,
    call: () => Promise<T>,
    span: { traced?: boolean; events?: number } = {},
  ): Promise<T> {
    const started = process.hrtime.bigint();
    const observe = (outcome: StoreOutcome) =>
      this.metrics.storeDuration.observe({ operation, outcome }, Number(process.hrtime.bigint() - started) / 1e9);
    const traced = span.traced !== false && trace.getActiveSpan() !== undefined;
    const attributes = span.events === undefined ? undefined : { 'event_store.events': span.events };
    try {
      const result = await (traced ? withSpan(`event-store ${operation}`, call, attributes) : call());
      observe('ok');
      return result;
    } catch (error) {
      observe(outcomeOf(error));
      throw error;
    }
  }

  /**
   * The adapter settles every append of a commit at once, after the commit; so when the first of
   * them gets here, the counters already hold the whole commit and the next cannot have begun.
   */
  private noteGroupCommits(): void {
    if (!reportsGroupCommits(this.inner)) return;
    const now = this.inner.stats();
    const commits = now.commits - this.seen.commits;
    if (commits > 0) {
      const perCommit = (now.appends - this.seen.appends) / commits;
      for (let i = 0; i < commits; i += 1) this.metrics.groupCommitSize.observe(perCommit);
    }
    this.seen = { commits: now.commits, appends: now.appends };
  }
}
