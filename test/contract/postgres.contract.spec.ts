/**
 * The store contract against a real PostgreSQL server: the one `npm test` starts
 * (scripts/postgres-for-tests.sh), or one this file starts when run alone. Never skipped: without a
 * server the file fails, saying why (test/support/postgres.ts).
 *
 * Every test gets a new store instance (its own pool) on ONE schema, run with the split roles of
 * production: migrations as the owner, everything else as the engine's role, which may only read
 * and insert. So the suite also proves that role has every privilege the port needs.
 */
import { PostgresEventStore } from '../../src/event-store/postgres/postgres-event-store';
import { freshSchema, usePostgres } from '../support/postgres';
import { describeEventStoreContract } from './event-store.contract';

const postgres = usePostgres();
const schema = freshSchema('contract');

describeEventStoreContract('postgres', async () => {
  const { url, migrationUrl } = postgres();
  const store = new PostgresEventStore({ url, migrationUrl, schema, pollIntervalMs: 200 });
  await store.whenReady();
  return { store, cleanup: () => store.close() };
});
