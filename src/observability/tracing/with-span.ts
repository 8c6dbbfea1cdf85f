/**
 * Spans for the work inside a request. Off (a no-op tracer from @opentelemetry/api, costing next
 * to nothing) unless tracing was started because OTEL_EXPORTER_OTLP_ENDPOINT is set.
 *
 * Attributes carry names, counts and ids of the engine's own making only: never a person's data.
 */
import { SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';

export const TRACER_NAME = 'support-planning-engine';

export function tracer() {
  return trace.getTracer(TRACER_NAME);
}

/**
 * Runs `work` in a child span of the active one (the request's span, or a span around it) and
 * ends the span when `work` returns or its promise settles. Synchronous work stays synchronous:
 * `withSpan('decide', () => decide(...))` returns the decision, not a promise.
 */
export function withSpan<T>(name: string, work: (span: Span) => T, attributes?: Attributes): T {
  return tracer().startActiveSpan(name, { attributes }, (span) => {
    let result: T;
    try {
      result = work(span);
    } catch (error) {
      endFailed(span, error);
      throw error;
    }
    if (!isPromise(result)) {
      span.end();
      return result;
    }
    return result.then(
      (value) => {
        span.end();
        return value;
      },
      (error: unknown) => {
        endFailed(span, error);
        throw error;
      },
    ) as T;
  });
}

/** The error's stable code or class name only: messages may quote what a caller sent. */
export function endFailed(span: Span, error: unknown): void {
  span.setStatus({ code: SpanStatusCode.ERROR, message: errorLabel(error) });
  span.end();
}

export function errorLabel(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    if (error instanceof Error) return error.name;
  }
  return 'error';
}

function isPromise<T>(value: T | Promise<unknown>): value is Promise<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
