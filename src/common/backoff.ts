/**
 * Exponential backoff, the one formula for every "try again later" in the service: the pause
 * after the nth failure in a row is `initialMs × factor^(n−1)`, never more than `maxMs`. And the one
 * retry loop built on it, for the requests that are tried again in place (store reads and appends,
 * a command that lost a race).
 */
export interface Backoff {
  initialMs: number;
  /** Growth per failure in a row; 2 (doubling) unless said. */
  factor?: number;
  /** The longest pause, however many failures. */
  maxMs?: number;
}

export function backoffDelay(backoff: Backoff, failuresInARow: number): number {
  const { initialMs, factor = 2, maxMs = Number.POSITIVE_INFINITY } = backoff;
  return Math.min(initialMs * factor ** Math.max(failuresInARow - 1, 0), maxMs);
}

export type Sleep = (ms: number) => Promise<void>;

/** Bounded retries: `attempts` tries in all, the first included, pausing by the backoff between them. */
export interface RetryPolicy extends Backoff {
  attempts: number;
}

export interface Retrying extends RetryPolicy {
  /** Whether another try may succeed after this error; any other error is thrown at once. */
  retryable: (error: unknown) => boolean;
  /** What to throw when the last try failed with a retryable error; that error itself unless given. */
  exhausted?: (error: unknown, failures: number) => unknown;
  /**
   * A draw in [0, 1) that scales each pause ("full jitter"), so that writers who collided do not
   * collide again in step. No jitter unless given.
   */
  jitter?: () => number;
  /** Injected by tests to see the pauses without waiting for them. */
  sleep?: Sleep;
}

export async function withRetries<T>(attempt: () => Promise<T>, retrying: Retrying): Promise<T> {
  for (let failures = 1; ; failures += 1) {
    try {
      return await attempt();
    } catch (error) {
      if (!retrying.retryable(error)) throw error;
      if (failures >= retrying.attempts) throw retrying.exhausted ? retrying.exhausted(error, failures) : error;
      await (retrying.sleep ?? pause)(pauseAfter(retrying, failures));
    }
  }
}

function pauseAfter(retrying: Retrying, failures: number): number {
  const full = backoffDelay(retrying, failures);
  return retrying.jitter ? full * retrying.jitter() : full;
}

export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
