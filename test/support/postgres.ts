/**
 * A real PostgreSQL for a test file.
 *
 * `npm test` runs jest inside scripts/postgres-for-tests.sh, which starts one throwaway cluster for
 * the whole run and exports POSTGRES_URL (the engine's everyday role), POSTGRES_MIGRATION_URL (the
 * schema owner) and POSTGRES_ADMIN_URL (the superuser). A file run on its own (`npx jest <file>`)
 * finds none of them and starts a cluster of its own with the same script, stopped after the file.
 *
 * If no server can be started, the file's tests FAIL with the reason: PostgreSQL is never skipped.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface TestPostgres {
  /** The engine's everyday role: may read and insert events, never update or delete them. */
  url: string;
  /** The schema owner: runs the migrations and grants the everyday role what it needs. */
  migrationUrl: string;
  /** The cluster's superuser, for checks a test makes from outside the engine. */
  adminUrl: string;
}

const SCRIPT = resolve(__dirname, '../../scripts/postgres-for-tests.sh');

/**
 * Registers beforeAll/afterAll hooks and returns a getter for the server. Call at the top of a
 * describe block (or file); use the getter inside tests and hooks.
 */
export function usePostgres(): () => TestPostgres {
  let server: TestPostgres | undefined;
  let ownCluster: string | undefined;

  beforeAll(() => {
    const fromEnvironment = serverFromEnvironment();
    if (fromEnvironment) {
      server = fromEnvironment;
      return;
    }
    ownCluster = mkdtempSync(join(tmpdir(), 'pg-test-'));
    server = startCluster(ownCluster);
  }, 300_000);

  afterAll(() => {
    if (ownCluster) execFileSync('bash', [SCRIPT, 'stop', ownCluster], { stdio: 'inherit' });
  });

  return () => {
    if (!server) throw new Error('PostgreSQL is not running: usePostgres() must be called outside a test');
    return server;
  };
}

/** A schema name no other test uses, so that tests sharing one server start from an empty store. */
export function freshSchema(label: string): string {
  return `${label}_${randomBytes(6).toString('hex')}`;
}

function serverFromEnvironment(): TestPostgres | undefined {
  const { POSTGRES_URL, POSTGRES_MIGRATION_URL, POSTGRES_ADMIN_URL } = process.env;
  if (!POSTGRES_URL) return undefined;
  if (!POSTGRES_MIGRATION_URL || !POSTGRES_ADMIN_URL) {
    throw new Error(
      'POSTGRES_URL is set but POSTGRES_MIGRATION_URL and POSTGRES_ADMIN_URL are not: the PostgreSQL tests need ' +
        'all three (scripts/postgres-for-tests.sh start <dir> prints them)',
    );
  }
  return { url: POSTGRES_URL, migrationUrl: POSTGRES_MIGRATION_URL, adminUrl: POSTGRES_ADMIN_URL };
}

function startCluster(directory: string): TestPostgres {
  let output: string;
  try {
    output = execFileSync('bash', [SCRIPT, 'start', directory], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? String(error);
    execFileSync('bash', [SCRIPT, 'stop', directory]);
    throw new Error(
      '\n################################################################\n' +
        'PostgreSQL tests NOT RUN: could not start a throwaway PostgreSQL server.\n' +
        `${stderr.trim()}\n` +
        '################################################################',
    );
  }
  const values = Object.fromEntries(
    output
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  return { url: values.POSTGRES_URL, migrationUrl: values.POSTGRES_MIGRATION_URL, adminUrl: values.POSTGRES_ADMIN_URL };
}
