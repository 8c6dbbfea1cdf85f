/**
 * A PostgreSQL server for the benches and the tests: the one named by POSTGRES_URL,
 * POSTGRES_MIGRATION_URL and POSTGRES_ADMIN_URL when they are set (`npm test` sets them), or a
 * throwaway cluster started with scripts/postgres-for-tests.sh in a directory of the caller's.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';

export interface PostgresServer {
  /** The engine's everyday role: may read and insert events, never update or delete them. */
  url: string;
  /** The schema owner: runs the migrations and grants the everyday role what it needs. */
  migrationUrl: string;
  /** The cluster's superuser, for checks made from outside the engine. */
  adminUrl: string;
}

const SCRIPT = resolve(__dirname, '../../postgres-for-tests.sh');

export function postgresFromEnvironment(): PostgresServer | undefined {
  const { POSTGRES_URL, POSTGRES_MIGRATION_URL, POSTGRES_ADMIN_URL } = process.env;
  if (!POSTGRES_URL) return undefined;
  if (!POSTGRES_MIGRATION_URL || !POSTGRES_ADMIN_URL) {
    throw new Error(
      'POSTGRES_URL is set but POSTGRES_MIGRATION_URL and POSTGRES_ADMIN_URL are not: all three are needed ' +
        '(scripts/postgres-for-tests.sh start <dir> prints them)',
    );
  }
  return { url: POSTGRES_URL, migrationUrl: POSTGRES_MIGRATION_URL, adminUrl: POSTGRES_ADMIN_URL };
}

/** Starts a private cluster in `directory` (created; deleted by stopThrowawayPostgres), or throws loudly saying why not. */
export function startThrowawayPostgres(directory: string): PostgresServer {
  let output: string;
  try {
    output = execFileSync('bash', [SCRIPT, 'start', directory], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? String(error);
    stopThrowawayPostgres(directory);
    throw new Error(
      '\n################################################################\n' +
        'PostgreSQL NOT RUN: could not start a throwaway PostgreSQL server.\n' +
        `${stderr.trim()}\n` +
        '################################################################',
    );
  }
  const values = new Map(
    output
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const),
  );
  return {
    url: values.get('POSTGRES_URL') ?? '',
    migrationUrl: values.get('POSTGRES_MIGRATION_URL') ?? '',
    adminUrl: values.get('POSTGRES_ADMIN_URL') ?? '',
  };
}

export function stopThrowawayPostgres(directory: string): void {
  execFileSync('bash', [SCRIPT, 'stop', directory], { stdio: 'inherit' });
}

/** A schema name nobody else uses on a shared server, so that a run starts from an empty store. */
export function freshSchema(label: string): string {
  return `${label}_${randomBytes(6).toString('hex')}`;
}
