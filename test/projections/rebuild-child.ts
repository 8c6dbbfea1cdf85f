/**
 * A service's read models in a process of their own, for the rebuild crash test (run with
 * ts-node by rebuild-crash.spec.ts): on an event file whose read-model file is of another version,
 * they build the new version beside it and switch to it. Writes on stdout `rebuilding-from
 * <position>` (where the rebuild starts: past -1 when it resumes one a previous life began),
 * `applied` after every committed batch and `switched <position>` once the new version serves.
 *
 *   node -r ts-node/register/transpile-only test/projections/rebuild-child.ts <events.db> [die-after-first-batch]
 *
 * `die-after-first-batch` SIGKILLs the process right after the rebuild's first batch committed:
 * nothing can catch or clean up after it.
 */
import { Logger } from '@nestjs/common';
import { WorkflowRegistry } from '../../workflows';
import { AppConfig } from '../../src/config/app-config';
import { SqliteEventStore } from '../../src/event-store/sqlite/sqlite-event-store';
import { ReadModels } from '../../src/projections/read-models.service';

function die(): never {
  process.kill(process.pid, 'SIGKILL');
  // SIGKILL to oneself is delivered before kill() returns; this line is never reached.
  throw new Error('still alive after SIGKILL');
}

async function main(): Promise<void> {
  const [sqliteFile, mode] = process.argv.slice(2);
  Logger.overrideLogger(['error']);
  const config = new AppConfig({ port: 3000, eventStore: 'sqlite', sqliteFile, authSecretSource: 'env', nodeEnv: 'test' });
  const store = new SqliteEventStore(sqliteFile);
  const readModels = new ReadModels(config, store, new WorkflowRegistry());
  process.stdout.write(`rebuilding-from ${(await readModels.rebuildProgress())?.resumedFrom ?? 'nothing to rebuild'}\n`);
  readModels.onApplied(() => {
    if (mode === 'die-after-first-batch') die();
    process.stdout.write('applied\n');
  });
  await readModels.onApplicationBootstrap();
  while ((await readModels.rebuildProgress()) !== null) await new Promise((resolveTurn) => setTimeout(resolveTurn, 10));
  await readModels.ready();
  process.stdout.write(`switched ${readModels.position}\n`);
  await readModels.onApplicationShutdown();
  await store.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
