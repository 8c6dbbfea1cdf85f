/**
 * The service's logger: pino, one JSON object a line, at LOG_LEVEL, with personal data redacted
 * by path (redaction.ts). Nest's own Logger calls reach it through nestjs-pino, and inside a
 * request they carry the request's correlation id; the request line itself is written by the
 * request observer when the answer has gone out.
 */
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import pino, { type Logger } from 'pino';
import type { Actor } from '../../auth/actor';
import { AppConfig } from '../../config/app-config';
import { LogSink } from './log-sink';
import { REDACTED, REDACTED_PATHS } from './redaction';

/** The key every line of a request carries its correlation id under. */
export const CORRELATION_KEY = 'correlationId';

/** What the request line is built from, once the answer has gone out. */
export interface FinishedRequestLine {
  method: string;
  /** Route template, never the raw URL (see routeTemplateOf). */
  route: string;
  status: number;
  durationMs: number;
  actor: Actor | undefined;
}

@Injectable()
export class AppLogger implements OnApplicationShutdown {
  readonly root: Logger;

  /**
   * The request lines' own logger, to the same sink, without redaction: each line is built field
   * by field from values that carry no personal data (writeRequestLine), and matching 48 paths
   * against every field of every request's line cost 6% of the service's CPU (issue 16).
   */
  private readonly requestLines: Logger;

  constructor(config: AppConfig, @Inject(LogSink) sink: LogSink) {
    const options = {
      level: config.observability.logLevel,
      timestamp: pino.stdTimeFunctions.isoTime,
      base: { service: config.observability.serviceName },
    };
    this.root = pino({ ...options, redact: { paths: [...REDACTED_PATHS], censor: REDACTED } }, sink);
    this.requestLines = pino(options, sink);
  }

  /**
   * After the server has closed (its last request lines written), wait until every buffered line
   * is on its way out: on SIGTERM Nest re-raises the signal once shutdown is done, which ends the
   * process without the exit-time flush, and an asynchronous destination would lose its tail.
   */
  async onApplicationShutdown(): Promise<void> {
    await new Promise<void>((resolve) => this.root.flush(() => resolve()));
  }

  /** The request's logger: every line it writes carries the correlation id, and nothing else of the request. */
  forRequest(correlationId: string): Logger {
    return this.root.child({ [CORRELATION_KEY]: correlationId });
  }

  /**
   * One line per request, built field by field: method, route template (never the raw URL, whose
   * ids and query strings may identify a person), status, duration, who asked and the correlation
   * id (a safe token: correlationIdOf). No headers, no body. The error itself is the exception
   * filter's to log (5xx, with its stack); its message may quote input.
   */
  writeRequestLine(correlationId: string, line: FinishedRequestLine): void {
    const level = line.status >= 500 ? 'error' : line.status >= 400 ? 'warn' : 'info';
    const fields = {
      [CORRELATION_KEY]: correlationId,
      method: line.method,
      route: line.route,
      status: line.status,
      durationMs: line.durationMs,
      actor: actorOf(line.actor),
    };
    this.requestLines[level](fields, `${line.method} ${line.route} ${line.status}`);
  }
}

/**
 * Who asked: staff and advocates by their account, a person only by role, since a person's
 * account id is their id in the journeys (the referral's personId).
 */
function actorOf(actor: Actor | undefined): { id: string; role: string } | undefined {
  if (actor === undefined) return undefined;
  return { id: actor.role === 'person' ? REDACTED : actor.id, role: actor.role };
}
