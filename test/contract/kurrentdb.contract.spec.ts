/**
 * The store contract, run against a real KurrentDB server when KURRENTDB_CONNECTION_STRING is set:
 *
 *   docker compose up -d kurrentdb && KURRENTDB_CONNECTION_STRING=kurrentdb://localhost:2113?tls=false npx jest test/contract
 *
 * No server can run where CI runs, so without the variable this file does not test the adapter, and
 * says so: a warning on the console and a test whose very name reports that the suite did not run.
 * (The adapter's unit tests, beside it in src/event-store, run everywhere.)
 *
 * The store is used as production uses it, with no stream namespace: the suite is written for a
 * shared server (its own stream prefixes, reads from the head seen before each test), and the
 * server's own system events in $all are part of what the adapter must cope with.
 */
import { KurrentDbEventStore } from '../../src/event-store/kurrentdb/kurrentdb-event-store';
import { describeEventStoreContract } from './event-store.contract';

const connectionString = process.env.KURRENTDB_CONNECTION_STRING ?? '';
const NOT_RUN = 'KurrentDB contract suite NOT RUN: set KURRENTDB_CONNECTION_STRING=kurrentdb://localhost:2113?tls=false to run it';

if (connectionString) {
  describeEventStoreContract('kurrentdb', async () => {
    const store = new KurrentDbEventStore(connectionString);
    return { store, cleanup: () => store.close() };
  });
} else {
  console.warn(`${NOT_RUN} (see docs/kurrentdb.md)`);
  describe('EventStore contract: kurrentdb', () => {
    it(NOT_RUN, () => {
      expect(connectionString).toBe('');
    });
  });
}
