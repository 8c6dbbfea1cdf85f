/**
 * One Express middleware, first in the chain, that sees every request through: it settles the
 * correlation id, opens the request's server span (when tracing is on) so that everything the
 * request does runs inside it, and when the answer has gone out records its latency, the command
 * it recorded or the rule that refused it, and any rate-limit refusal.
 *
 * Express middleware rather than a Nest interceptor: an interceptor costs every request it is on
 * (see LogsJourneyRead), never sees a guard's refusal, and starts after the body was parsed.
 */
import { Injectable } from '@nestjs/common';
import { context, propagation, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { NextFunction, Request, Response } from 'express';
import { Metrics } from '../metrics/metrics';
import { Tracing } from '../tracing/tracing';
import { tracer } from '../tracing/with-span';
import { correlationIdOf } from './correlation-id';
import { failureOf } from './request-failure';
import { commandOutcomeOf, isRateLimitRefusal, routeTemplateOf, type FinishedRequest } from './request-outcome';

/** Span attribute holding the caller's correlation id (X-Correlation-Id), searchable in the tracing UI. */
export const CORRELATION_ATTRIBUTE = 'correlation.id';

@Injectable()
export class RequestObserver {
  constructor(
    private readonly metrics: Metrics,
    private readonly tracing: Tracing,
  ) {}

  /** The middleware (an arrow, so `app.use(observer.middleware)` keeps `this`). */
  readonly middleware = (request: Request, response: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    const correlationId = correlationIdOf(request);
    response.setHeader('X-Correlation-Id', correlationId);
    const span = this.tracing.enabled ? this.startSpan(request, correlationId) : undefined;
    response.once('finish', () => this.finished(request, response, started, span));
    // A caller that hangs up before the answer: no 'finish', but the span must still end.
    response.once('close', () => {
      if (span?.isRecording()) this.endSpan(span, request, response);
    });
    if (span === undefined) {
      next();
      return;
    }
    context.with(trace.setSpan(context.active(), span), next);
  };

  private finished(request: Request, response: Response, started: bigint, span: Span | undefined): void {
    const finished: FinishedRequest = {
      method: request.method,
      route: routeTemplateOf(request),
      status: response.statusCode,
      body: request.body,
      failure: failureOf(request),
    };
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    this.metrics.httpRequestDuration.observe({ method: finished.method, route: finished.route, status: String(finished.status) }, seconds);
    this.countCommand(finished);
    if (isRateLimitRefusal(finished.failure)) this.metrics.rateLimitRefusals.inc({ route: finished.route });
    if (span) this.endSpan(span, request, response);
  }

  private countCommand(finished: FinishedRequest): void {
    const outcome = commandOutcomeOf(finished);
    if (outcome?.kind === 'recorded') this.metrics.commandsRecorded.inc({ event_type: outcome.eventType });
    if (outcome?.kind === 'refused') this.metrics.commandsRefused.inc({ event_type: outcome.eventType, rule: outcome.rule });
  }

  /** A server span, child of the caller's `traceparent` if it sent one; renamed to its route once routed. */
  private startSpan(request: Request, correlationId: string): Span {
    const parent = propagation.extract(context.active(), request.headers);
    return tracer().startSpan(
      request.method,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': request.method, [CORRELATION_ATTRIBUTE]: correlationId } },
      parent,
    );
  }

  private endSpan(span: Span, request: Request, response: Response): void {
    const route = routeTemplateOf(request);
    span.updateName(`${request.method} ${route}`);
    span.setAttributes({ 'http.route': route, 'http.response.status_code': response.statusCode });
    if (response.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  }
}
