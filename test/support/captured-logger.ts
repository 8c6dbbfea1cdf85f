import { LogSink } from '../../src/observability/logging/log-sink';

const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

/** One line as pino wrote it, parsed. */
export type LogRecord = Record<string, unknown> & { level: number; msg?: string };

/**
 * Keeps every line the app logs, for tests that assert what it logs (and what it must never log).
 * It is the app's log sink (`startApp({ logger })` puts it in place of stdout), so the lines come
 * through the production logger: the same levels, the same redaction, the same request lines.
 */
export class CapturedLogger extends LogSink {
  /** Each line as `level: message {other fields}`, e.g. `error: 503 STORE.UNAVAILABLE: ...`. */
  readonly lines: string[] = [];
  /** Each line parsed, for assertions on fields (correlationId, route, status...). */
  readonly records: LogRecord[] = [];
  /** Each line exactly as written. */
  readonly raw: string[] = [];

  write(line: string): void {
    for (const one of line.split('\n').filter((text) => text.trim() !== '')) {
      this.raw.push(one);
      const record = JSON.parse(one) as LogRecord;
      this.records.push(record);
      const { level, msg, time: _time, pid: _pid, hostname: _hostname, ...fields } = record;
      this.lines.push(`${LEVELS[level] ?? level}: ${msg ?? ''} ${JSON.stringify(fields)}`);
    }
  }

  /** Everything logged so far, as one string to search: the messages as written and every line as JSON. */
  get text(): string {
    return [...this.lines, ...this.raw].join('\n');
  }
}
