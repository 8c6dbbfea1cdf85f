/**
 * Throttler storage that counts hits in fixed windows: O(1) a request and one small record per
 * subject. @nestjs/throttler's default storage keeps every hit's expiry and filters the list on
 * each request, which costs O(limit) per write: 3% of the service's time in a profile of the
 * append bench (a high limit), 0.3% with this storage. A fixed window can let through up to twice the
 * limit across a window's edge, which is fine for a guard against runaway clients.
 */
import type { ThrottlerStorage } from '@nestjs/throttler';

interface Window {
  hits: number;
  endsAt: number;
}

type StorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

export class FixedWindowThrottlerStorage implements ThrottlerStorage {
  private readonly windows = new Map<string, Window>();
  private nextSweepAt = 0;

  constructor(private readonly now: () => number = Date.now) {}

  async increment(key: string, ttl: number, limit: number, _blockDuration: number, throttlerName: string): Promise<StorageRecord> {
    const now = this.now();
    this.sweep(now, ttl);
    const id = `${throttlerName}\u0000${key}`;
    let window = this.windows.get(id);
    if (!window || window.endsAt <= now) {
      window = { hits: 0, endsAt: now + ttl };
      this.windows.set(id, window);
    }
    // Refused requests are not counted: a blocked client does not push its own window on.
    const isBlocked = window.hits >= limit;
    if (!isBlocked) window.hits += 1;
    const secondsLeft = Math.max(1, Math.ceil((window.endsAt - now) / 1000));
    return {
      totalHits: isBlocked ? limit + 1 : window.hits,
      timeToExpire: secondsLeft,
      isBlocked,
      timeToBlockExpire: isBlocked ? secondsLeft : 0,
    };
  }

  /** Forgets finished windows, at most once per window length, so idle subjects cost nothing. */
  private sweep(now: number, ttl: number): void {
    if (now < this.nextSweepAt) return;
    this.nextSweepAt = now + ttl;
    for (const [id, window] of this.windows) if (window.endsAt <= now) this.windows.delete(id);
  }

  /** Subjects with a window open (for tests). */
  get size(): number {
    return this.windows.size;
  }
}
