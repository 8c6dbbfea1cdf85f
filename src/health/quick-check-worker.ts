/**
 * A worker thread of `quickCheck`: opens the event file read-only for itself and runs SQLite's
 * `PRAGMA quick_check`, so a check of a large file never holds the service's event loop.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

export interface QuickCheckJob {
  file: string;
  /** Most problems reported (SQLite stops after this many). */
  maxProblems: number;
}

export type QuickCheckMessage = { problems: string[] } | { failed: string };

function run({ file, maxProblems }: QuickCheckJob): QuickCheckMessage {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const rows = db.pragma(`quick_check(${Math.max(1, Math.floor(maxProblems))})`) as Array<{ quick_check: string }>;
    const problems = rows.map((row) => row.quick_check).filter((line) => line !== 'ok');
    return { problems };
  } finally {
    db.close();
  }
}

try {
  parentPort?.postMessage(run(workerData as QuickCheckJob));
} catch (error) {
  // A file so damaged that it cannot be opened or checked is itself the finding.
  const code = (error as { code?: unknown }).code;
  parentPort?.postMessage({ failed: typeof code === 'string' ? code : (error as Error).message } satisfies QuickCheckMessage);
}
