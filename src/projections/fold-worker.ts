/**
 * A worker thread of a FoldPool: folds the events it is sent (its share of a page's journeys,
 * in the store's order) through the named journey projections, reading each journey's last state
 * from the read-model file on a read-only connection, and posts back what the writer thread
 * writes. It never writes the file.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { WorkflowRegistry } from '../../workflows';
import type { StoredEvent } from '../event-store/event-store';
import { createProjections } from './create-projections';
import { foldsJourneys, type Projection } from './projection';

export interface FoldJob {
  /** The read-model file the writer thread builds (never ':memory:': the worker could not see it). */
  file: string;
  /** The journey projections to fold, by name, in the order their writes are posted. */
  projections: string[];
}

export type FoldMessage = { ready: true } | { writes: unknown[] } | { failed: string };

const port = parentPort!;
const job = workerData as FoldJob;
const db = new Database(job.file, { readonly: true });
const available = (Object.values(createProjections(new WorkflowRegistry())) as Projection[]).filter(foldsJourneys);
const projections = job.projections.map((name) => {
  const projection = available.find((candidate) => candidate.name === name);
  if (!projection) throw new Error(`no journey projection named ${name} to fold on a worker`);
  return projection;
});

// One share at a time: the writer sends the next page's share only once this one is written. The
// pool ends the thread with terminate(); the read-only connection goes with it.
port.on('message', (events: StoredEvent[]) => {
  try {
    for (const event of events) for (const projection of projections) projection.apply(db, event);
    port.postMessage({ writes: projections.map((projection) => projection.takeWrites()) } satisfies FoldMessage);
  } catch (error) {
    projections.forEach((projection) => projection.discard?.());
    port.postMessage({ failed: error instanceof Error ? error.message : String(error) } satisfies FoldMessage);
  }
});
port.postMessage({ ready: true } satisfies FoldMessage);
