/** Latency and rate figures from what a bench measured. */

export interface LatencySummary {
  count: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

/** Nearest-rank percentile of an ascending list (p in 0..100); 0 for an empty list. */
export function percentile(ascending: readonly number[], p: number): number {
  if (ascending.length === 0) return 0;
  const rank = Math.ceil((p / 100) * ascending.length);
  return ascending[Math.min(ascending.length - 1, Math.max(0, rank - 1))];
}

/** Count, rate over the wall-clock time of the whole run, p50 and p99 of the single latencies. */
export function summarise(latenciesMs: readonly number[], elapsedMs: number): LatencySummary {
  const ascending = [...latenciesMs].sort((a, b) => a - b);
  return {
    count: ascending.length,
    perSecond: elapsedMs > 0 ? (ascending.length * 1000) / elapsedMs : 0,
    p50Ms: percentile(ascending, 50),
    p99Ms: percentile(ascending, 99),
  };
}

/** Milliseconds since `startNs` (from process.hrtime.bigint()). */
export function msSince(startNs: bigint): number {
  return Number(process.hrtime.bigint() - startNs) / 1e6;
}

export function ratio(numerator: number, denominator: number): number {
  return denominator > 0 ? numerator / denominator : Number.NaN;
}
