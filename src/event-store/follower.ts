/**
 * The subscription loop shared by the embedded adapters (memory, SQLite).
 *
 * One loop per subscription keeps a cursor (the last position it has looked at) and reads pages
 * after it, so catch-up and live delivery are the same code path: there is no hand-over between
 * "reading history" and "listening", which is where gaps and repeats usually creep in. Between
 * pages it sleeps until the store says something was committed (`notify`) or, when a poll
 * interval is set, until the interval passes (to see writes made by another process).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { EventHandler, StoredEvent, Subscription } from './event-store';

export interface FollowPage {
  /** Matching events after the cursor, in global order. */
  events: StoredEvent[];
  /** How far the read looked (>= the last event's position), so filtered-out events are not rescanned. */
  scannedTo: bigint;
}

export interface FollowerOptions {
  /** Exclusive start; -1n is before every position. */
  after: bigint;
  pageSize: number;
  readPage: (after: bigint, limit: number) => FollowPage | Promise<FollowPage>;
  /** Also look for new events this often (ms); omit when every write is notified in-process. */
  pollIntervalMs?: number;
  /** Called once when the loop has stopped for any reason. */
  onStop: () => void;
}

/** Which follower's handler is running, so that close() called from inside it does not wait on itself. */
const runningHandler = new AsyncLocalStorage<Follower>();

export class Follower implements Subscription {
  private closed = false;
  /** Set by notify(); cleared before each read, so a commit during a read or delivery is never missed. */
  private dirty = true;
  private wake?: () => void;
  private readonly stopped: Promise<void>;

  constructor(
    private readonly options: FollowerOptions,
    private readonly handler: EventHandler,
    private readonly onError: (error: unknown) => void = reportUnhandled,
  ) {
    this.stopped = this.run().finally(options.onStop);
  }

  /** Tells the loop that new events may have been committed. */
  notify(): void {
    this.dirty = true;
    this.wake?.();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    // From inside our own handler the loop stops as soon as the handler returns; waiting here would deadlock.
    if (runningHandler.getStore() === this) return;
    await this.stopped;
  }

  private async run(): Promise<void> {
    let cursor = this.options.after;
    try {
      while (!this.closed) {
        this.dirty = false;
        const page = await this.options.readPage(cursor, this.options.pageSize);
        for (const event of page.events) {
          if (this.closed) return;
          await runningHandler.run(this, () => this.handler(event));
          cursor = event.position;
        }
        cursor = page.scannedTo > cursor ? page.scannedTo : cursor;
        const mayHaveMore = page.events.length >= this.options.pageSize;
        if (!mayHaveMore) await this.idle();
      }
    } catch (error) {
      this.closed = true;
      this.report(error);
    }
  }

  /** Resolves on notify, close, or the poll interval, whichever comes first. */
  private idle(): Promise<void> {
    if (this.dirty || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const wakeUp = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      if (this.options.pollIntervalMs !== undefined) timer = setTimeout(wakeUp, this.options.pollIntervalMs);
      this.wake = wakeUp;
    });
  }

  private report(error: unknown): void {
    try {
      this.onError(error);
    } catch {
      // An onError that throws has nowhere left to report to; the subscription is stopped either way.
    }
  }
}

function reportUnhandled(error: unknown): void {
  console.error('event store subscription stopped by an error and no onError was given:', error);
}
