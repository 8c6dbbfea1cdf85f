/**
 * Fastify hooks, first in the chain, that see every request through: they settle the correlation
 * id, open the request's server span (when tracing is on) and its logger, run the route inside
 * both, and when the answer has gone out write the request line and record its latency, the
 * command it recorded or the rule that refused it, and any rate-limit refusal.
 *
 * Hooks rather than a Nest interceptor: an interceptor costs every request it is on (see
 * LogsJourneyRead), never sees a guard's refusal, and starts after the body was parsed.
 */
import { Injectable } from '@nestjs/common';
import { context, propagation, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { Store, storage } from 'nestjs-pino/storage';
import type { Logger } from 'pino';
import type { Actor } from '../../auth/actor';
import { AppLogger } from '../logging/app-logger';
import { Metrics } from '../metrics/metrics';
import { Tracing } from '../tracing/tracing';
import { tracer } from '../tracing/with-span';
import { correlationIdOf } from './correlation-id';
import { failureOf } from './request-failure';
import { commandOutcomeOf, isRateLimitRefusal, routeTemplateOf, type FinishedRequest } from './request-outcome';

/** Span attribute holding the caller's correlation id (X-Correlation-Id), searchable in the tracing UI. */
export const CORRELATION_ATTRIBUTE = 'correlation.id';

/** What the observer keeps of a request between its hooks. */
interface Observed {
  started: bigint;
  correlationId: string;
  /** The request's logger for Nest's Logger, inside the route (nestjs-pino's store). */
  store: Store;
  span: Span | undefined;
}

type ObservedRequest = FastifyRequest & { actor?: Actor };

@Injectable()
export class RequestObserver {
  private readonly observed = new WeakMap<FastifyRequest, Observed>();

  private logger: AppLogger | undefined;

  constructor(
    private readonly metrics: Metrics,
    private readonly tracing: Tracing,
  ) {}

  /** Before any other hook of configureApp's, so that a request refused early is observed too. */
  attachTo(fastify: FastifyInstance, logger: AppLogger): void {
    this.logger = logger;
    fastify.addHook('onRequest', this.onRequest);
    fastify.addHook('preHandler', this.runInside);
    fastify.addHook('onResponse', this.onResponse);
  }

  private readonly onRequest = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    const correlationId = correlationIdOf(request);
    reply.header('X-Correlation-Id', correlationId);
    const span = this.tracing.enabled ? this.startSpan(request, correlationId) : undefined;
    const logger = this.logger as AppLogger;
    const store = storeMakingLoggerOnUse(() => logger.forRequest(correlationId));
    this.observed.set(request, { started: process.hrtime.bigint(), correlationId, store, span });
    // A caller that hangs up before the answer: no onResponse, but the span must still end.
    if (span) reply.raw.once('close', () => span.isRecording() && this.endSpan(span, request, reply));
    done();
  };

  /**
   * The route (guards, pipes, handler, filters) runs inside the request's span and with its logger
   * as the one nestjs-pino gives Nest's Logger. Here, after the body was read: a context entered
   * before would not survive the body's stream events.
   */
  private readonly runInside = (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    const observed = this.observed.get(request);
    if (!observed) {
      done();
      return;
    }
    const run = () => storage.run(observed.store, done);
    if (observed.span) context.with(trace.setSpan(context.active(), observed.span), run);
    else run();
  };

  private readonly onResponse = (request: ObservedRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    const observed = this.observed.get(request);
    if (observed) this.finished(request, reply, observed);
    done();
  };

  private finished(request: ObservedRequest, reply: FastifyReply, { started, correlationId, span }: Observed): void {
    const finished: FinishedRequest = {
      method: request.method,
      route: routeTemplateOf(request),
      status: reply.statusCode,
      body: request.body,
      failure: failureOf(request),
    };
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    (this.logger as AppLogger).writeRequestLine(correlationId, {
      ...finished,
      durationMs: Math.round(seconds * 1000),
      actor: request.actor,
    });
    this.metrics.httpRequestDuration.observe({ method: finished.method, route: finished.route, status: String(finished.status) }, seconds);
    this.countCommand(finished);
    if (isRateLimitRefusal(finished.failure)) this.metrics.rateLimitRefusals.inc({ route: finished.route });
    if (span?.isRecording()) this.endSpan(span, request, reply);
  }

  private countCommand(finished: FinishedRequest): void {
    const outcome = commandOutcomeOf(finished);
    if (outcome?.kind === 'recorded') this.metrics.commandsRecorded.inc({ event_type: outcome.eventType });
    if (outcome?.kind === 'refused') this.metrics.commandsRefused.inc({ event_type: outcome.eventType, rule: outcome.rule });
  }

  /** A server span, child of the caller's `traceparent` if it sent one; named after its route when it ends. */
  private startSpan(request: FastifyRequest, correlationId: string): Span {
    const parent = propagation.extract(context.active(), request.headers);
    return tracer().startSpan(
      request.method,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': request.method, [CORRELATION_ATTRIBUTE]: correlationId } },
      parent,
    );
  }

  private endSpan(span: Span, request: FastifyRequest, reply: FastifyReply): void {
    const route = routeTemplateOf(request);
    span.updateName(`${request.method} ${route}`);
    span.setAttributes({ 'http.route': route, 'http.response.status_code': reply.statusCode });
    if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  }
}

/**
 * nestjs-pino's request store, its logger made on first use: most requests log nothing but their
 * request line, and a child logger (its bindings run through the redaction) costs every request.
 */
function storeMakingLoggerOnUse(makeLogger: () => Logger): Store {
  const store = new Store(undefined as unknown as Logger);
  let logger: Logger | undefined;
  Object.defineProperty(store, 'logger', {
    get: () => (logger ??= makeLogger()),
    // PinoLogger.assign() replaces it with a child carrying more fields.
    set: (replacement: Logger) => (logger = replacement),
  });
  return store;
}
