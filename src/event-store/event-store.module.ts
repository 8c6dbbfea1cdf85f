import { Global, Module, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { InstrumentedEventStore } from '../observability/metrics/instrumented-event-store';
import { Metrics } from '../observability/metrics/metrics';
import { EventStore } from './event-store';
import { KurrentDbEventStore } from './kurrentdb/kurrentdb-event-store';
import { MemoryEventStore } from './memory-event-store';
import { PostgresEventStore } from './postgres/postgres-event-store';
import { SqliteEventStore } from './sqlite/sqlite-event-store';

/** Builds the adapter named by EVENT_STORE. */
export function createEventStore(config: AppConfig): EventStore {
  switch (config.eventStore) {
    case 'sqlite':
      return new SqliteEventStore(config.sqliteFile);
    case 'memory':
      return new MemoryEventStore();
    case 'kurrentdb':
      // loadConfig refuses EVENT_STORE=kurrentdb without a connection string.
      return new KurrentDbEventStore(config.kurrentdbConnectionString as string);
    case 'postgres':
      // loadConfig refuses EVENT_STORE=postgres without POSTGRES_URL.
      return new PostgresEventStore({
        url: config.postgresUrl as string,
        migrationUrl: config.postgresMigrationUrl,
        schema: config.postgresSchema,
      });
    default: {
      const unknown: never = config.eventStore;
      throw new Error(`unknown event store ${String(unknown)}`);
    }
  }
}

/**
 * Provides the EventStore port to every module (the abstract class is the token), measured
 * (latency, group commits, spans) whatever the adapter, and closes the adapter when the app shuts
 * down, so SQLite checkpoints its WAL and releases the file.
 */
@Global()
@Module({
  providers: [
    {
      provide: EventStore,
      useFactory: (config: AppConfig, metrics: Metrics) => new InstrumentedEventStore(createEventStore(config), metrics),
      inject: [AppConfig, Metrics],
    },
  ],
  exports: [EventStore],
})
export class EventStoreModule implements OnApplicationShutdown {
  constructor(private readonly store: EventStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}
