import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { QuickCheckJob, QuickCheckMessage } from './quick-check-worker';

/**
 * SQLite's `quick_check` of a database file, on a worker thread: the problems it names (a damaged
 * page, a broken index), or none when the file is whole. A file that cannot even be opened for
 * the check is reported as a problem too.
 */
export function quickCheck(file: string, maxProblems = 10): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const worker = startWorker({ file, maxProblems });
    let answered = false;
    worker.once('message', (message: QuickCheckMessage) => {
      answered = true;
      resolve('problems' in message ? message.problems : [`the file could not be checked (${message.failed})`]);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (!answered) reject(new Error(`the quick_check worker exited with code ${code} without an answer`));
    });
  });
}

/** The worker is this folder's quick-check-worker, compiled (.js) or, under ts-node and jest, as TypeScript. */
function startWorker(job: QuickCheckJob): Worker {
  const typescript = __filename.endsWith('.ts');
  return new Worker(join(__dirname, typescript ? 'quick-check-worker.ts' : 'quick-check-worker.js'), {
    workerData: job,
    execArgv: typescript ? ['--require', 'ts-node/register/transpile-only'] : [],
  });
}
