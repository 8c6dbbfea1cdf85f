import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { EventStore } from '../event-store/event-store';
import { SqliteEventStore } from '../event-store/sqlite/sqlite-event-store';
import { quickCheck } from './quick-check';

/** How often the event file is checked again while the service runs. */
export const QUICK_CHECK_INTERVAL_MS = 15 * 60_000;

/**
 * Whether the SQLite event file is whole, by SQLite's own `quick_check`: once before the service
 * answers (start-up waits for it) and every QUICK_CHECK_INTERVAL_MS after. A damaged page makes
 * /health report the store `degraded` with what SQLite found, instead of `ok` while reads of the
 * journeys on that page fail. Other stores check themselves: nothing to do here.
 */
@Injectable()
export class StoreFileHealthIndicator implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Health');
  private problems: readonly string[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: EventStore,
    private readonly indicators: HealthIndicatorService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const adapter = this.store.adapter();
    if (!(adapter instanceof SqliteEventStore) || adapter.path === ':memory:') return;
    await this.check();
    this.timer = setInterval(() => void this.check(), QUICK_CHECK_INTERVAL_MS);
    // The check must not keep a process alive that is otherwise done.
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Runs the check now; what it finds stands until the next one. */
  async check(): Promise<readonly string[]> {
    const adapter = this.store.adapter();
    if (!(adapter instanceof SqliteEventStore)) return [];
    try {
      this.problems = await quickCheck(adapter.path);
    } catch (error) {
      this.problems = [`the check could not run (${(error as Error).message})`];
    }
    if (this.problems.length > 0) this.logger.error(`event store file failed SQLite quick_check: ${this.problems.join(' | ')}`);
    return this.problems;
  }

  isWhole(key = 'storeFile'): HealthIndicatorResult {
    const indicator = this.indicators.check(key);
    if (this.problems.length === 0) return indicator.up();
    return indicator.down({
      degraded: true,
      message: 'the event store file is damaged: SQLite quick_check found problems; restore it from a copy',
      // SQLite names pages, tables and indexes here, never paths.
      found: this.problems.slice(0, 3).map((problem) => problem.slice(0, 200)),
    });
  }
}
