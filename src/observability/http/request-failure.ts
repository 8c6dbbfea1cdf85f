/**
 * The error a request failed with, kept for the request's metrics. The exception filter is the
 * one place every failure passes (guards and pipes included, which an interceptor never sees), so
 * it hands the error here; the request observer reads it when the answer has been sent. A WeakMap,
 * so a request and its error are forgotten together.
 */
const failures = new WeakMap<object, unknown>();

export function rememberFailure(request: object, error: unknown): void {
  failures.set(request, error);
}

export function failureOf(request: object): unknown {
  return failures.get(request);
}
