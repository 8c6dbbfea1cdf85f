import type { LoggerService } from '@nestjs/common';

/**
 * A Nest LoggerService that keeps every line, for tests that assert what the app logs (and what
 * it must never log). Pass it as `startApp({ logger })`; Nest routes every `new Logger(...)` of
 * the app through it.
 */
export class CapturedLogger implements LoggerService {
  readonly lines: string[] = [];

  log(message: unknown, ...rest: unknown[]): void {
    this.keep('log', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.keep('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.keep('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.keep('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.keep('verbose', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.keep('fatal', message, rest);
  }

  /** Everything logged so far, as one string to search. */
  get text(): string {
    return this.lines.join('\n');
  }

  /** Objects are serialised, so that data hidden inside a logged object is searched too. */
  private keep(level: string, message: unknown, rest: unknown[]): void {
    const parts = [message, ...rest].map((part) => (typeof part === 'string' ? part : safeJson(part)));
    this.lines.push(`${level}: ${parts.join(' ')}`);
  }
}

function safeJson(value: unknown): string {
  if (value instanceof Error) return `${value.message}\n${value.stack ?? ''}`;
  try {
    return JSON.stringify(value, (_key, inner: unknown) => (typeof inner === 'bigint' ? inner.toString() : inner)) ?? String(value);
  } catch {
    return String(value);
  }
}
