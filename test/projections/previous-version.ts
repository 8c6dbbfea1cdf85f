/**
 * A read-model file as a service of an older version left it: built by the service's projections
 * from `store`, then recorded as another projection set, so that the service of today builds its
 * own version beside it. Returns the position the file is up to.
 */
import { WorkflowRegistry } from '../../workflows';
import type { EventStore } from '../../src/event-store/event-store';
import { ProjectionRunner } from '../../src/projections/projection-runner';
import { createProjections, openReadModelDatabase } from '../../src/projections/read-models.service';

export async function buildPreviousVersion(store: EventStore, readModelFile: string, source: string): Promise<bigint> {
  const db = openReadModelDatabase(readModelFile);
  try {
    const runner = new ProjectionRunner(store, db, Object.values(createProjections(new WorkflowRegistry())), { source });
    await runner.start();
    await runner.stop();
    markAsPreviousVersion(db);
    return runner.position;
  } finally {
    db.close();
  }
}

/** The file's recorded projection set made another one's (an older version), its source kept. */
export function markAsPreviousVersion(db: import('better-sqlite3').Database): void {
  db.prepare("UPDATE projection_set SET signature = 'previous-version,' || signature").run();
}
