/**
 * Which failures are transient (another attempt may succeed), and how a failure is described.
 */
import {
  CancelledError,
  convertToCommandError,
  DeadlineExceededError,
  NotLeaderError,
  TimeoutError,
  UnavailableError,
} from '@kurrent/kurrentdb-client';

/** A read that produced nothing for too long; treated like the server's deadline. */
export class ReadTimeoutError extends Error {
  constructor(what: string, timeoutMs: number) {
    super(`${what} gave no answer within ${timeoutMs} ms`);
    this.name = 'ReadTimeoutError';
  }
}

/** The server ended a subscription that nobody closed (shutdown, leader change). */
export class SubscriptionDroppedError extends Error {
  constructor() {
    super('the KurrentDB subscription ended without being closed');
    this.name = 'SubscriptionDroppedError';
  }
}

/**
 * Errors after which the same request may succeed: the server is unreachable or restarting, it did
 * not answer in time, or the node is not the leader (the client then reconnects to the leader).
 * For an append every one of them leaves the outcome unknown, which the retry resolves safely.
 */
export function isTransient(error: unknown): boolean {
  const converted = error instanceof Error ? convertToCommandError(error) : error;
  return (
    converted instanceof UnavailableError ||
    converted instanceof DeadlineExceededError ||
    converted instanceof TimeoutError ||
    converted instanceof NotLeaderError ||
    converted instanceof CancelledError ||
    converted instanceof ReadTimeoutError ||
    converted instanceof SubscriptionDroppedError
  );
}

/** The client's error classes keep the name 'Error', so the class name says more. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const kind = error.name === 'Error' ? error.constructor.name : error.name;
  return `${kind}: ${error.message}`;
}
