import { Worker } from 'node:worker_threads';

/**
 * The worker's code: opens the file read-only for itself and runs `PRAGMA quick_check`, so a check
 * of a large file never holds the service's event loop. Plain JavaScript evaluated in the worker
 * (not a .ts module): it runs the same under ts-node, jest and the compiled build, and a worker
 * needs no TypeScript loader to start, which would cost every start-up a second or more.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.betterSqlite3);
let answer;
try {
  const db = new Database(workerData.file, { readonly: true, fileMustExist: true });
  try {
    const rows = db.pragma('quick_check(' + workerData.maxProblems + ')');
    answer = { problems: rows.map((row) => row.quick_check).filter((line) => line !== 'ok') };
  } finally {
    db.close();
  }
} catch (error) {
  answer = { failed: typeof error.code === 'string' ? error.code : String(error.message) };
}
parentPort.postMessage(answer);
`;

type QuickCheckMessage = { problems: string[] } | { failed: string };

/**
 * SQLite's `quick_check` of a database file, on a worker thread: the problems it names (a damaged
 * page, a broken index), or none when the file is whole. A file so damaged that it cannot even be
 * opened for the check is itself reported as a problem.
 */
export function quickCheck(file: string, maxProblems = 10): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const workerData = { file, maxProblems: Math.max(1, Math.floor(maxProblems)), betterSqlite3: require.resolve('better-sqlite3') };
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData });
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
