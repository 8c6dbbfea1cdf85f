/**
 * What the audit CLI needs from the outside world, passed in so that the tests run the real
 * commands in-process against a temporary file and read what they print.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname } from 'node:path';
import { DEFAULT_SQLITE_FILE } from '../../config/load-config';

export interface CliIo {
  /** A line (or block) for stdout: the result. */
  out(text: string): void;
  /** A line for stderr: progress, warnings, errors. */
  err(text: string): void;
  env: Readonly<Record<string, string | undefined>>;
  now(): Date;
  /** Milliseconds from a monotonic clock, for rates and ETAs. */
  elapsedMs(): number;
  writeFile(path: string, content: string): void;
  /** Who runs the command (the operating-system account), for the access log. */
  user: string;
}

export function processIo(): CliIo {
  const started = process.hrtime.bigint();
  return {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    env: process.env,
    now: () => new Date(),
    elapsedMs: () => Number(process.hrtime.bigint() - started) / 1e6,
    writeFile: (path, content) => {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, content);
    },
    user: accountName(),
  };
}

function accountName(): string {
  try {
    return userInfo().username;
  } catch {
    // No entry for this uid (some containers): the environment is all there is.
    return process.env.USER ?? process.env.LOGNAME ?? 'unknown';
  }
}

/** Exit codes: 0 all sound; 1 something in the record is broken or changed; 2 the command could not run. */
export const EXIT = { ok: 0, broken: 1, usage: 2 } as const;

/** A problem with how the command was asked (arguments, configuration, files): exit 2 with its message. */
export class CliUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliUsageError';
  }
}

export interface AuditSettings {
  sqliteFile: string;
  production: boolean;
  signingKeyFile?: string;
}

function value(env: CliIo['env'], name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw === undefined || raw === '' ? undefined : raw;
}

/**
 * The few variables the audit reads, from the same environment as the service: SQLITE_FILE (or
 * --file), NODE_ENV and AUDIT_SIGNING_KEY_FILE. Not loadConfig: an auditor's shell need not hold
 * the service's secrets (AUTH_SECRET) to check its record.
 */
export function auditSettings(env: CliIo['env'], fileOption: string | undefined): AuditSettings {
  const store = value(env, 'EVENT_STORE') ?? 'sqlite';
  if (fileOption === undefined && store !== 'sqlite') {
    throw new CliUsageError(`the audit CLI reads SQLite event files; EVENT_STORE is ${store}: pass --file <sqlite file>, or use GET /journeys/:id/verify`);
  }
  return {
    sqliteFile: fileOption ?? value(env, 'SQLITE_FILE') ?? DEFAULT_SQLITE_FILE,
    production: value(env, 'NODE_ENV') === 'production',
    signingKeyFile: value(env, 'AUDIT_SIGNING_KEY_FILE'),
  };
}
