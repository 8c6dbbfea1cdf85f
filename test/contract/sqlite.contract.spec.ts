import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '../../src/event-store/sqlite/sqlite-event-store';
import { describeEventStoreContract } from './event-store.contract';

// A fresh file per test, under a directory that does not exist yet (the store must create it).
describeEventStoreContract('sqlite', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'event-store-contract-'));
  const store = new SqliteEventStore(join(directory, 'nested', 'events.sqlite'));
  return {
    store,
    cleanup: async () => {
      await store.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
});
