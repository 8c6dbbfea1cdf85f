/**
 * Exponential backoff, the one formula for every "try again later" in the service: the pause
 * after the nth failure in a row is `initialMs × factor^(n−1)`, never more than `maxMs`.
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
