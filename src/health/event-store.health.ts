import { Injectable, Logger } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { EventStore } from '../event-store/event-store';

/** A ping that hangs (a KurrentDB node gone quiet) must not hang the health check with it. */
export const PING_TIMEOUT_MS = 2000;

/**
 * Readiness of the event store: up when `EventStore.ping()` answers in time. The reason for a
 * failure is logged, not returned: /health is public and the error may name files or hosts.
 */
@Injectable()
export class EventStoreHealthIndicator {
  private readonly logger = new Logger('Health');

  constructor(
    private readonly store: EventStore,
    private readonly indicators: HealthIndicatorService,
  ) {}

  async isReady(key = 'eventStore', timeoutMs = PING_TIMEOUT_MS): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check(key);
    try {
      await withTimeout(this.store.ping(), timeoutMs);
      return indicator.up();
    } catch (error) {
      this.logger.warn(`event store not ready: ${error instanceof Error ? error.message : String(error)}`);
      return indicator.down({ message: 'the event store did not answer' });
    }
  }
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`ping timed out after ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
