/**
 * A read-model process for the crash tests (run with ts-node by crash.spec.ts): it catches the
 * service's read models, plus a counting projection, up with a SQLite event file, writing a line
 * `applied <position>` on stdout after every committed batch and `caught-up <position>` at the end.
 *
 *   node -r ts-node/register/transpile-only test/projections/crash-child.ts <events.db> <read-models.db> <batchSize> [crash]
 *
 * `crash` makes the process SIGKILL itself, which nothing can catch or clean up after:
 *   in-batch:<position>      while applying that event, inside the batch's transaction, before the
 *                            checkpoint is written (the batch is applied but not committed);
 *   after-commit:<position>  right after the batch holding that event committed with its checkpoint,
 *                            before the runner has updated anything in memory.
 */
import { WorkflowRegistry } from '../../workflows';
import type { StoredEvent } from '../../src/event-store/event-store';
import { SqliteEventStore } from '../../src/event-store/sqlite/sqlite-event-store';
import { ProjectionRunner } from '../../src/projections/projection-runner';
import { createProjections, openReadModelDatabase } from '../../src/projections/read-models.service';
import { CountingProjection } from './counting.projection';

type Crash = { when: 'in-batch' | 'after-commit'; position: bigint } | null;

function parseCrash(argument: string | undefined): Crash {
  if (argument === undefined) return null;
  const [when, position] = argument.split(':');
  if ((when !== 'in-batch' && when !== 'after-commit') || position === undefined) throw new Error(`bad crash argument ${argument}`);
  return { when, position: BigInt(position) };
}

function die(): never {
  process.kill(process.pid, 'SIGKILL');
  // SIGKILL to oneself is delivered before kill() returns; this line is never reached.
  throw new Error('still alive after SIGKILL');
}

async function main(): Promise<void> {
  const [eventFile, readModelFile, batchSize, crashArgument] = process.argv.slice(2);
  const crash = parseCrash(crashArgument);
  const store = new SqliteEventStore(eventFile, { readonly: true });
  const db = openReadModelDatabase(readModelFile);
  const counting = new CountingProjection((event: StoredEvent) => {
    if (crash?.when === 'in-batch' && event.position === crash.position) die();
  });
  const runner = new ProjectionRunner(store, db, [...Object.values(createProjections(new WorkflowRegistry())), counting], {
    batchSize: Number(batchSize),
  });
  runner.onApplied(() => {
    if (crash?.when === 'after-commit' && runner.position >= crash.position) die();
    process.stdout.write(`applied ${runner.position}\n`);
  });
  await runner.start();
  process.stdout.write(`caught-up ${runner.position}\n`);
  await runner.stop();
  db.close();
  await store.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
