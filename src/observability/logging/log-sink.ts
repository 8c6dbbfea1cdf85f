/**
 * Where log lines go: one JSON line per `write`. A port (abstract class, the Nest token) so that
 * tests can keep every line the app writes (test/support/captured-logger.ts) through the very
 * logger production runs, with its levels and redaction.
 */
import pino from 'pino';
import PinoPretty from 'pino-pretty';
import type { AppConfig } from '../../config/app-config';

export abstract class LogSink {
  abstract write(line: string): void;
}

/** Drops every line: tests that do not look at the logs keep their output clean. */
class DiscardingSink extends LogSink {
  write(): void {}
}

/**
 * stdout, as JSON lines for a log collector or pretty for a developer's terminal (LOG_FORMAT).
 * Under NODE_ENV=test nothing is written unless a test captures it.
 */
export function defaultLogSink(config: AppConfig): LogSink {
  if (config.nodeEnv === 'test') return new DiscardingSink();
  if (config.observability.logFormat === 'pretty') {
    return PinoPretty({
      colorize: PinoPretty.isColorSupported,
      translateTime: 'SYS:HH:MM:ss.l',
      // `[06:17:02.871] WARN: Auth: refused GET /journeys/abc: missing bearer token {"correlationId":"..."}`
      messageFormat: '{if context}{context}: {end}{msg}',
      ignore: 'pid,hostname,service,context',
      singleLine: true,
    });
  }
  // Asynchronous, so a slow reader of stdout never blocks a request; pino flushes what is left
  // synchronously when the process exits (a failed start loses no line).
  return pino.destination({ dest: 1, sync: false });
}
