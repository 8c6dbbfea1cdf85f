/**
 * The runner keeps one checkpoint for all its projections, so a projection added to an existing
 * read-model file (the decision index, on a service upgraded from one without it) or one whose
 * version is raised must not start at that checkpoint: the runner rebuilds everything from the
 * first event; so must read models pointed at another store, whose positions mean something else.
 * The same set on the same store reopened keeps its checkpoint.
 */
import { Logger } from '@nestjs/common';
import Database from 'better-sqlite3';
import { WorkflowRegistry } from '../../workflows';
import { MemoryEventStore } from '../../src/event-store/memory-event-store';
import type { Projection } from '../../src/projections/projection';
import { ProjectionRunner } from '../../src/projections/projection-runner';
import { AppConfig, type AppConfigValues } from '../../src/config/app-config';
import { createProjections, readModelSource } from '../../src/projections/read-models.service';
import { appendWhole, plannedJourneys } from './journey-fixtures';
import { dumpReadModels } from './read-model-dump';

describe('a read-model file whose set of projections changed', () => {
  let store: MemoryEventStore;
  let head: bigint;
  const registry = new WorkflowRegistry();

  beforeAll(async () => {
    // The runner says when it rebuilds; that is expected here, four times over.
    Logger.overrideLogger(false);
    store = new MemoryEventStore();
    await appendWhole(store, plannedJourneys(10));
    head = await store.headPosition();
  });

  async function caughtUp(db: Database.Database, projections: Projection[]): Promise<ProjectionRunner> {
    const runner = new ProjectionRunner(store, db, projections);
    await runner.start();
    await runner.stop();
    return runner;
  }

  it('is rebuilt from the first event when a projection is added, so the new one sees every event', async () => {
    const db = new Database(':memory:');
    await caughtUp(db, [createProjections(registry).caseload]);
    const { caseload, decisions } = createProjections(registry);

    const upgraded = new ProjectionRunner(store, db, [caseload, decisions]);
    expect(upgraded.position).toBe(-1n);
    await upgraded.start();
    await upgraded.stop();

    const reference = new Database(':memory:');
    await caughtUp(reference, [createProjections(registry).caseload, createProjections(registry).decisions]);
    expect(dumpReadModels(db).decisions.length).toBeGreaterThan(0);
    expect(dumpReadModels(db)).toEqual(dumpReadModels(reference));
  });

  it('keeps its checkpoint when reopened with the same projections', async () => {
    const db = new Database(':memory:');
    await caughtUp(db, Object.values(createProjections(registry)));
    expect(new ProjectionRunner(store, db, Object.values(createProjections(registry))).position).toBe(head);
  });

  it('is rebuilt when a projection’s version is raised', async () => {
    const db = new Database(':memory:');
    await caughtUp(db, Object.values(createProjections(registry)));
    const { caseload, deadlines, decisions } = createProjections(registry);
    const decisionsV2 = Object.assign(Object.create(decisions) as Projection, { version: decisions.version + 1 });
    expect(new ProjectionRunner(store, db, [caseload, deadlines, decisionsV2]).position).toBe(-1n);
  });

  it('is rebuilt when it was written before the set was recorded (a checkpoint and no record of the set)', async () => {
    const db = new Database(':memory:');
    await caughtUp(db, Object.values(createProjections(registry)));
    db.exec('DROP TABLE projection_set');
    const reopened = new ProjectionRunner(store, db, Object.values(createProjections(registry)));
    expect(reopened.position).toBe(-1n);
    await reopened.start();
    await reopened.stop();
    expect(reopened.position).toBe(head);
  });
  it('is rebuilt when pointed at another store (positions of one store are no positions in another)', async () => {
    const db = new Database(':memory:');
    const built = new ProjectionRunner(store, db, Object.values(createProjections(registry)), { source: 'sqlite:/data/events.db' });
    await built.start();
    await built.stop();
    expect(new ProjectionRunner(store, db, Object.values(createProjections(registry)), { source: 'sqlite:/data/events.db' }).position).toBe(
      head,
    );
    expect(new ProjectionRunner(store, db, Object.values(createProjections(registry)), { source: 'kurrentdb:db1:2113' }).position).toBe(
      -1n,
    );
  });

  it('names the source by file or by hosts, never with the credentials of a connection string', () => {
    const config = (values: Partial<AppConfigValues>) =>
      new AppConfig({
        port: 3000,
        eventStore: 'sqlite',
        sqliteFile: '/data/events.db',
        authSecretSource: 'env',
        nodeEnv: 'test',
        ...values,
      });
    expect(readModelSource(config({}))).toBe('sqlite:/data/events.db');
    expect(
      readModelSource(
        config({ eventStore: 'kurrentdb', kurrentdbConnectionString: 'kurrentdb://admin:changeit@db1:2113,db2:2113?tls=true' }),
      ),
    ).toBe('kurrentdb:db1:2113,db2:2113');
    expect(readModelSource(config({ eventStore: 'memory' }))).toBe('memory');
  });
});
