/**
 * What the audit CLI needs from the outside world, passed in so that the tests run the real
 * commands in-process against a temporary file and read what they print.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname } from 'node:path';
import { eventFileOf, processOutput, type CliOutput } from '../../common/cli';

/** The printing of every CLI (the result on stdout, progress and errors on stderr), and what the audit reads besides. */
export interface AuditIo extends CliOutput {
  env: Readonly<Record<string, string | undefined>>;
  now(): Date;
  /** Milliseconds from a monotonic clock, for rates and ETAs. */
  elapsedMs(): number;
  writeFile(path: string, content: string): void;
  /** Who runs the command (the operating-system account), for the access log. */
  user: string;
}

export function processIo(): AuditIo {
  const started = process.hrtime.bigint();
  return {
    ...processOutput(),
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

export interface AuditSettings {
  sqliteFile: string;
  production: boolean;
  signingKeyFile?: string;
}

function value(env: AuditIo['env'], name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw === undefined || raw === '' ? undefined : raw;
}

/**
 * The few variables the audit reads, from the same environment as the service: SQLITE_FILE (or
 * --file), NODE_ENV and AUDIT_SIGNING_KEY_FILE. Not loadConfig: an auditor's shell need not hold
 * the service's secrets (AUTH_SECRET) to check its record.
 */
export function auditSettings(env: AuditIo['env'], fileOption: string | undefined): AuditSettings {
  return {
    sqliteFile: eventFileOf(env, fileOption, 'audit', ', or use GET /journeys/:id/verify'),
    production: value(env, 'NODE_ENV') === 'production',
    signingKeyFile: value(env, 'AUDIT_SIGNING_KEY_FILE'),
  };
}
