import { nextTurn } from './next-turn';

/**
 * At most `running` tasks at once, up to `waiting` more queued in arrival order, and anything
 * beyond that refused at once (the caller answers 503 with Retry-After). For heavy reads whose work
 * is CPU on the request thread (a whole-journey export): with a bound, a burst of them takes its
 * turn instead of holding the event loop, and every other request, liveness included, keeps being
 * answered between them.
 */
export class ConcurrencyLimit {
  private running = 0;
  private readonly queue: Array<() => void> = [];

  constructor(
    private readonly limits: { running: number; waiting: number },
    /** Builds the error thrown when the queue is full. */
    private readonly refuse: () => Error,
  ) {}

  async run<T>(task: () => Promise<T> | T): Promise<T> {
    await this.turn();
    try {
      // One event-loop turn before the work: requests that arrived meanwhile are answered first.
      await nextTurn();
      return await task();
    } finally {
      this.release();
    }
  }

  /** Tasks running and queued now (for tests and diagnostics). */
  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.queue.length };
  }

  private async turn(): Promise<void> {
    if (this.running < this.limits.running) {
      this.running += 1;
      return;
    }
    if (this.queue.length >= this.limits.waiting) throw this.refuse();
    // The slot is handed over by release(): `running` does not drop and rise again in between.
    await new Promise<void>((resolve) => this.queue.push(resolve));
  }

  private release(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.running -= 1;
  }
}
