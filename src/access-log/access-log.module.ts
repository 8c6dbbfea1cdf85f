import { Global, Module, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { Clock } from '../common/clock';
import { EventStore } from '../event-store/event-store';
import { CountedAccessLog } from '../observability/metrics/counted-access-log';
import { Metrics } from '../observability/metrics/metrics';
import { AccessLog, SqliteAccessLog, accessLogFile } from './access-log';
import { openAccessLog } from './open-access-log';
import { AccessLogInterceptor } from './access-log.interceptor';
import { PostgresAccessLog } from './postgres-access-log';
import { DEFAULT_POSTGRES_SCHEMA } from '../event-store/postgres/postgres-event-store';

/** Beside the events: in PostgreSQL when they are (one log for every instance), else a SQLite file. */
export function createAccessLog(config: AppConfig): AccessLog {
  if (config.eventStore === 'postgres') {
    return new PostgresAccessLog({
      url: config.postgresUrl as string,
      migrationUrl: config.postgresMigrationUrl,
      schema: config.postgresSchema ?? DEFAULT_POSTGRES_SCHEMA,
    });
  }
  return new SqliteAccessLog(accessLogFile(config));
}

/**
 * The log of who read which journey, and the interceptor that writes it, for every capability
 * whose routes show journey data (global, like the clock: those routes live in several modules).
 */
@Global()
@Module({
  providers: [
    {
      provide: AccessLog,
      inject: [AppConfig, EventStore, Clock, Metrics],
      // PostgreSQL holds one log for every instance; a SQLite log may not vanish silently (openAccessLog).
      useFactory: async (config: AppConfig, store: EventStore, clock: Clock, metrics: Metrics) =>
        new CountedAccessLog(
          config.eventStore === 'postgres' ? createAccessLog(config) : await openAccessLog(config, store, () => clock.now()),
          metrics,
        ),
    },
    AccessLogInterceptor,
  ],
  exports: [AccessLog, AccessLogInterceptor],
})
export class AccessLogModule implements OnApplicationShutdown {
  constructor(private readonly accessLog: AccessLog) {}

  async onApplicationShutdown(): Promise<void> {
    await this.accessLog.close();
  }
}
