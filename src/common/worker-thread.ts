import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

/**
 * A worker thread running the module `name` of `directory` (the caller's `__dirname`): the
 * compiled `.js` when the engine runs from dist/, or, under ts-node and jest, the TypeScript
 * source, which the worker compiles for itself (transpile-only: the type check is the build's).
 */
export function startWorkerThread(directory: string, name: string, workerData: unknown): Worker {
  const typescript = __filename.endsWith('.ts');
  return new Worker(join(directory, typescript ? `${name}.ts` : `${name}.js`), {
    workerData,
    execArgv: typescript ? ['--require', 'ts-node/register/transpile-only'] : [],
  });
}
