/**
 * Retrying a request after a transient failure, with bounded exponential backoff.
 */
import { StoreUnavailableError } from '../event-store';
import { describeError, isTransient } from './errors';

/** Bounded exponential backoff: `attempts` tries in all, waiting initialDelayMs, x factor, ... between them. */
export interface RetryPolicy {
  attempts: number;
  initialDelayMs: number;
  factor: number;
}

export type Sleep = (ms: number) => Promise<void>;

export function backoffDelay(policy: RetryPolicy, failedAttempts: number): number {
  return policy.initialDelayMs * policy.factor ** (failedAttempts - 1);
}

export async function withRetries<T>(what: string, policy: RetryPolicy, sleep: Sleep, attempt: () => Promise<T>): Promise<T> {
  for (let failed = 1; ; failed++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isTransient(error)) throw error;
      if (failed >= policy.attempts) {
        throw new StoreUnavailableError(`${what} failed ${failed} times: ${describeError(error)}`, error);
      }
      await sleep(backoffDelay(policy, failed));
    }
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
