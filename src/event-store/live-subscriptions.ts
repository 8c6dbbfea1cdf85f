/**
 * The subscriptions a store has running: each leaves the set when it stops, and closing the
 * store closes whatever is left. One place for what every adapter needs to keep track of them.
 */
import type { Subscription } from './event-store';

export class LiveSubscriptions<T extends Subscription> {
  private readonly live = new Set<T>();

  /** Starts a subscription, handing it the callback it must call once it has stopped. */
  start(create: (onStop: () => void) => T): T {
    let stopped = false;
    // Assigned after it is declared: `create` may call onStop before it returns, and the callback
    // must then see "not yet assigned" rather than a temporal dead zone.
    let subscription: T | undefined;
    // eslint-disable-next-line prefer-const -- see above: declared before, assigned here
    subscription = create(() => {
      stopped = true;
      if (subscription) this.live.delete(subscription);
    });
    if (!stopped) this.live.add(subscription);
    return subscription;
  }

  forEach(visit: (subscription: T) => void): void {
    this.live.forEach(visit);
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.live].map((subscription) => subscription.close()));
  }
}
