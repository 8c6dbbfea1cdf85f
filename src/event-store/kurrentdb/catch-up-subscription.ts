/**
 * Following `$all`: a catch-up subscription that survives drops.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { AllStreamResolvedEvent } from '@kurrent/kurrentdb-client';
import { backoffDelay, RetryPolicy, Sleep } from '../../common/backoff';
import { EventHandler, StoredEvent, StoreUnavailableError, Subscription } from '../event-store';
import type { KurrentSubscription } from './client';
import { describeError, isTransient, SubscriptionDroppedError } from './errors';

export function reportUnhandled(error: unknown): void {
  console.error('KurrentDB subscription stopped by an error and no onError was given:', error);
}

export interface CatchUpOptions {
  /** Exclusive start; undefined is before everything. */
  after: bigint | undefined;
  open: (after: bigint | undefined) => KurrentSubscription;
  /** The engine event inside what the server sent, or undefined for anything else. */
  select: (resolved: AllStreamResolvedEvent) => StoredEvent | undefined;
  retry: RetryPolicy;
  sleep: Sleep;
  onStop: () => void;
}

/** Marks an error thrown by the caller's handler, which stops the subscription (never retried). */
class HandlerFailure extends Error {
  constructor(readonly error: unknown) {
    super('the subscription handler failed');
    this.name = 'HandlerFailure';
  }
}

/** Which subscription's handler is running, so that close() from inside it does not wait on itself. */
const deliveringFor = new AsyncLocalStorage<CatchUpSubscription>();

/**
 * A catch-up subscription to `$all` that survives drops. It remembers the position of the last event
 * it delivered and, after a transient failure, subscribes again from there (the server's subscription
 * start is exclusive, and anything at or before the cursor is skipped anyway), so a reconnect neither
 * repeats nor skips an event. Consecutive failures without progress are bounded by the retry policy.
 * Events are handed over one at a time: the next is not read before the handler's promise settles.
 */
export class CatchUpSubscription implements Subscription {
  private closed = false;
  private live?: KurrentSubscription;
  private cursor: bigint | undefined;
  private readonly stopped: Promise<void>;

  constructor(
    private readonly options: CatchUpOptions,
    private readonly handler: EventHandler,
    private readonly onError: (error: unknown) => void,
  ) {
    this.cursor = options.after;
    this.stopped = this.run().finally(options.onStop);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.stopLive();
    if (deliveringFor.getStore() === this) return;
    await this.stopped;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.closed) {
      const before = this.cursor;
      try {
        await this.followUntilDropped();
        if (this.closed) return;
        throw new SubscriptionDroppedError();
      } catch (error) {
        if (this.closed) return;
        if (error instanceof HandlerFailure) return this.report(error.error);
        if (!isTransient(error)) return this.report(error);
        failures = this.cursor === before ? failures + 1 : 1;
        if (failures >= this.options.retry.attempts) {
          return this.report(new StoreUnavailableError(`subscription to $all failed ${failures} times: ${describeError(error)}`, error));
        }
        await this.options.sleep(backoffDelay(this.options.retry, failures));
      }
    }
  }

  private async followUntilDropped(): Promise<void> {
    const live = this.options.open(this.cursor);
    this.live = live;
    if (this.closed) return this.stopLive();
    for await (const resolved of live) {
      if (this.closed) return;
      const event = this.options.select(resolved);
      if (!event || (this.cursor !== undefined && event.position <= this.cursor)) continue;
      await this.deliver(event);
      this.cursor = event.position;
    }
  }

  private async deliver(event: StoredEvent): Promise<void> {
    try {
      await deliveringFor.run(this, () => this.handler(event));
    } catch (error) {
      throw new HandlerFailure(error);
    }
  }

  /** Unsubscribing ends the iteration; destroying as well makes sure a stuck stream lets go too. */
  private async stopLive(): Promise<void> {
    const live = this.live;
    if (!live) return;
    try {
      await live.unsubscribe();
    } catch {
      // Already gone: nothing left to stop.
    }
    live.destroy?.();
  }

  private report(error: unknown): void {
    try {
      this.onError(error);
    } catch {
      // An onError that throws has nowhere left to report to; the subscription is stopped either way.
    }
  }
}
