/**
 * The service's logger: pino, one JSON object a line, at LOG_LEVEL, with personal data redacted
 * by path (redaction.ts). Nest's own Logger calls reach it through nestjs-pino, and inside a
 * request they carry the request's correlation id; the request line itself is written by
 * pino-http when the answer has gone out.
 */
import { Inject, Injectable } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import pino, { type Logger } from 'pino';
import { pinoHttp, type HttpLogger, type Options } from 'pino-http';
import type { Actor } from '../../auth/actor';
import { AppConfig } from '../../config/app-config';
import { correlationIdOf } from '../http/correlation-id';
import { routeTemplateOf } from '../http/request-outcome';
import { LogSink } from './log-sink';
import { REDACTED, REDACTED_PATHS } from './redaction';

/** The key every line of a request carries its correlation id under. */
export const CORRELATION_KEY = 'correlationId';

type LoggedRequest = IncomingMessage & { route?: { path?: unknown }; actor?: Actor };

@Injectable()
export class AppLogger {
  readonly root: Logger;
  /** Express middleware: the request line, and `req.log` bound to the correlation id for nestjs-pino. */
  readonly http: HttpLogger<LoggedRequest, ServerResponse>;

  constructor(config: AppConfig, @Inject(LogSink) sink: LogSink) {
    this.root = pino(
      {
        level: config.observability.logLevel,
        redact: { paths: [...REDACTED_PATHS], censor: REDACTED },
        timestamp: pino.stdTimeFunctions.isoTime,
        base: { service: config.observability.serviceName },
      },
      sink,
    );
    this.http = pinoHttp<LoggedRequest, ServerResponse>({ logger: this.root, ...requestLineOptions() });
  }
}

/**
 * One line per request, built field by field: method, route template (never the raw URL, whose
 * ids and query strings may identify a person), status, duration, who asked and the correlation
 * id. No headers, no body.
 */
export function requestLineOptions(): Options<LoggedRequest, ServerResponse> {
  const line = (request: LoggedRequest, response: ServerResponse, durationMs: unknown) => ({
    method: request.method,
    route: routeTemplateOf(request),
    status: response.statusCode,
    durationMs,
    actor: actorOf(request.actor),
  });
  const message = (request: LoggedRequest, response: ServerResponse) => `${request.method} ${routeTemplateOf(request)} ${response.statusCode}`;
  return {
    genReqId: (request) => correlationIdOf(request),
    customAttributeKeys: { reqId: CORRELATION_KEY, responseTime: 'durationMs' },
    // Every line of the request carries only the correlation id, not the whole request.
    quietReqLogger: true,
    quietResLogger: true,
    customLogLevel: (_request, response, error) => (error !== undefined || response.statusCode >= 500 ? 'error' : response.statusCode >= 400 ? 'warn' : 'info'),
    customSuccessMessage: message,
    customErrorMessage: message,
    customSuccessObject: (request, response, value: { durationMs?: unknown }) => line(request, response, value.durationMs),
    // The error itself is the exception filter's to log (5xx, with its stack); its message may quote input.
    customErrorObject: (request, response, _error, value: { durationMs?: unknown }) => line(request, response, value.durationMs),
  };
}

/**
 * Who asked: staff and advocates by their account, a person only by role, since a person's
 * account id is their id in the journeys (the referral's personId).
 */
function actorOf(actor: Actor | undefined): { id: string; role: string } | undefined {
  if (actor === undefined) return undefined;
  return { id: actor.role === 'person' ? REDACTED : actor.id, role: actor.role };
}
