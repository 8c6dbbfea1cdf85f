/**
 * The real app (AppModule + configureApp, as startApp builds it) on an event store file opened
 * with the SQLite adapter's own fault options: `maxPageCount` (the file cannot grow past that
 * many pages: SQLite answers SQLITE_FULL exactly as on a full disk) or `readonly` (SQLite answers
 * SQLITE_READONLY exactly as for a read-only file or mount). The store is swapped at the one seam
 * Nest gives, the EventStore provider, so nothing in the service knows it is being tested.
 *
 * Why not a real full disk or chmod 0444: tests run as root, which ignores file modes, and a
 * small filesystem needs mount rights CI does not have.
 */
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { AppModule } from '../../src/app.module';
import { Clock } from '../../src/common/clock';
import { NEST_APP_OPTIONS, configureApp, httpAdapter, readyForRequests } from '../../src/app-setup';
import { EventStore } from '../../src/event-store/event-store';
import { SqliteEventStore, type SqliteEventStoreOptions } from '../../src/event-store/sqlite/sqlite-event-store';
import { LogSink } from '../../src/observability/logging/log-sink';
import { TEST_SECRET, type TestApp } from '../support/test-app';

export async function startAppWithFault(
  file: string,
  fault: Pick<SqliteEventStoreOptions, 'maxPageCount' | 'readonly'>,
  logger: LogSink,
  clock?: Clock,
): Promise<TestApp> {
  Object.assign(process.env, { EVENT_STORE: 'sqlite', SQLITE_FILE: file, AUTH_SECRET: TEST_SECRET, NODE_ENV: 'test' });
  const builder = Test.createTestingModule({ imports: [AppModule] })
    .overrideProvider(EventStore)
    .useFactory({ factory: () => new SqliteEventStore(file, fault) })
    .overrideProvider(LogSink)
    .useValue(logger);
  if (clock) builder.overrideProvider(Clock).useValue(clock);
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication(httpAdapter(), { ...NEST_APP_OPTIONS, logger: false });
  await configureApp(app);
  await app.init();
  await readyForRequests(app);
  return { app, http: () => request(app.getHttpServer()), close: () => app.close() };
}
