/**
 * The real service for e2e tests: AppModule + configureApp (exactly what main.ts runs) on a
 * temporary SQLite file, with helpers to sign tokens and to restart on the same file.
 */
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { AppModule } from '../../src/app.module';
import { NEST_APP_OPTIONS, configureApp, httpAdapter, readyForRequests } from '../../src/app-setup';
import type { Role } from '../../src/auth/actor';
import { signToken } from '../../src/auth/tokens';
import { Clock } from '../../src/common/clock';
import { WorkflowRegistry } from '../../workflows';
import { LogSink } from '../../src/observability/logging/log-sink';

export const TEST_SECRET = 'test-secret-that-is-long-enough-0123456789';

export interface TestApp {
  app: INestApplication;
  http: () => ReturnType<typeof request>;
  close: () => Promise<void>;
}

export interface StartOptions {
  /** SQLite file to use (to restart on the same data); a new temp file by default. */
  file?: string;
  clock?: Clock;
  /** Variables for this app only: read while it is built, then put back as they were. */
  env?: Record<string, string>;
  /** Receives the app's log lines (a CapturedLogger); none are written by default. */
  logger?: LogSink;
  /** The workflow versions the app knows (e.g. with a test version as the latest); the real ones by default. */
  registry?: WorkflowRegistry;
}

export function tempDataDir(): { dir: string; file: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'spe-e2e-'));
  return { dir, file: join(dir, 'events.db'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function startApp(options: StartOptions = {}): Promise<TestApp> {
  const file = options.file ?? tempDataDir().file;
  Object.assign(process.env, { EVENT_STORE: 'sqlite', SQLITE_FILE: file, AUTH_SECRET: TEST_SECRET, NODE_ENV: 'test' });
  const restoreEnv = setEnv(options.env ?? {});
  const builder = Test.createTestingModule({ imports: [AppModule] });
  if (options.clock) builder.overrideProvider(Clock).useValue(options.clock);
  if (options.registry) builder.overrideProvider(WorkflowRegistry).useValue(options.registry);
  // A test app started as production would log to stdout: the suite's output is for the suite.
  builder.overrideProvider(LogSink).useValue(options.logger ?? { write: () => undefined });
  const moduleRef = await builder.compile().finally(restoreEnv);
  // configureApp puts the service's own logger in place, writing to the sink.
  const app = moduleRef.createNestApplication(httpAdapter(), { ...NEST_APP_OPTIONS, logger: false });
  await configureApp(app);
  await app.init();
  await readyForRequests(app);
  return { app, http: () => request(app.getHttpServer()), close: () => app.close() };
}

/** Sets variables and returns how to put them back, so one test's settings do not leak into the next app. */
function setEnv(values: Record<string, string>): () => void {
  const previous = Object.fromEntries(Object.keys(values).map((name) => [name, process.env[name]]));
  Object.assign(process.env, values);
  return () => {
    for (const [name, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}

/** A bearer header for an actor. */
export async function bearer(sub: string, role: Role, extra: { organisation?: string; onBehalfOf?: string } = {}): Promise<string> {
  return `Bearer ${await signToken(TEST_SECRET, { sub, role, ...extra })}`;
}
