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
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  freshSchema,
  postgresFromEnvironment,
  startThrowawayPostgres,
  stopThrowawayPostgres,
  type PostgresServer,
} from '../../scripts/bench/support/postgres-server';

export type TestPostgres = PostgresServer;
export { freshSchema };

/**
 * Registers beforeAll/afterAll hooks and returns a getter for the server. Call at the top of a
 * describe block (or file); use the getter inside tests and hooks.
 */
export function usePostgres(): () => TestPostgres {
  let server: TestPostgres | undefined;
  let ownCluster: string | undefined;

  beforeAll(() => {
    server = postgresFromEnvironment();
    if (server) return;
    ownCluster = mkdtempSync(join(tmpdir(), 'pg-test-'));
    server = startThrowawayPostgres(ownCluster);
  }, 300_000);

  afterAll(() => {
    if (ownCluster) stopThrowawayPostgres(ownCluster);
  });

  return () => {
    if (!server) throw new Error('PostgreSQL is not running: usePostgres() must be called outside a test');
    return server;
  };
}
