/**
 * `verify --all` on every core: the journeys are dealt out to this thread and to worker threads,
 * each reading the file on its own read-only connection (SQLite in WAL mode serves readers side by
 * side), and the verdicts come back to be reported in the order of the journeys, exactly as one
 * thread reports them. Verifying is CPU work (SHA-256 over each event, the workflow replayed), so
 * two cores verify nearly twice as many events a second. This thread takes a share itself rather
 * than wait: one thread fewer to start (a worker loads and, under ts-node, compiles the workflow
 * code afresh, seconds of CPU), and it begins verifying at once.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { JourneyVerification } from './verify-journey';
import type { VerifyJob, VerifyMessage } from './verify-worker';
import { verifyStreams, type VerifiedBatch } from './verify-streams';

/** Below this many journeys, starting threads costs more than it saves. */
export const PARALLEL_FROM_JOURNEYS = 500;

export function verifyWorkerCount(journeys: number): number {
  return journeys < PARALLEL_FROM_JOURNEYS ? 1 : Math.max(1, availableParallelism());
}

/**
 * Verifies every stream with `workers` threads (this one and `workers - 1` workers), calling
 * `onVerified` once per stream in the order given. Rejects if a thread fails (the file vanished,
 * say): no verdict is invented.
 */
export async function verifyInParallel(
  file: string,
  streamIds: readonly string[],
  workers: number,
  onVerified: (verification: JourneyVerification) => void,
): Promise<void> {
  const results = new Array<JourneyVerification | undefined>(streamIds.length);
  let next = 0;
  const flushInOrder = () => {
    while (next < results.length && results[next] !== undefined) {
      onVerified(results[next] as JourneyVerification);
      results[next] = undefined; // reported: let it go
      next += 1;
    }
  };
  const record = (verified: VerifiedBatch) => {
    verified.forEach(({ index, verification }) => (results[index] = verification));
    flushInOrder();
  };
  const started: Worker[] = [];
  const [own, ...theirs] = dealOut(streamIds, workers);
  const runs = theirs.map(
    (streams) =>
      new Promise<void>((resolve, reject) => {
        const worker = startWorker({ file, streams });
        started.push(worker);
        worker.on('message', (message: VerifyMessage) => {
          if ('failed' in message) return reject(new Error(`a verify worker failed: ${message.failed}`));
          record(message.verified);
        });
        worker.on('error', reject);
        worker.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`a verify worker exited with code ${code}`))));
      }),
  );
  // This thread's share, yielding after each batch so that the workers' verdicts are taken in (and reported) meanwhile.
  let abandoned = false;
  const here = verifyStreams(file, own ?? [], async (verified) => {
    if (abandoned) throw new Error('verify abandoned: another thread failed');
    record(verified);
    await new Promise((resolve) => setImmediate(resolve));
  });
  try {
    await Promise.all([here, ...runs]);
  } catch (error) {
    // One failed: the others' verdicts can no longer make a whole report, so stop them too.
    abandoned = true;
    await Promise.all(started.map((worker) => worker.terminate()));
    throw error;
  }
  flushInOrder();
}

/** Streams dealt round-robin, so that long and short journeys spread evenly over the threads. */
function dealOut(streamIds: readonly string[], workers: number): VerifyJob['streams'][] {
  const jobs: Array<Array<{ index: number; streamId: string }>> = Array.from({ length: Math.max(1, workers) }, () => []);
  streamIds.forEach((streamId, index) => jobs[index % jobs.length].push({ index, streamId }));
  return jobs.filter((job) => job.length > 0);
}

/** The worker is this folder's verify-worker, compiled (.js) or, under ts-node and jest, as TypeScript. */
function startWorker(job: VerifyJob): Worker {
  const typescript = __filename.endsWith('.ts');
  return new Worker(join(__dirname, typescript ? 'verify-worker.ts' : 'verify-worker.js'), {
    workerData: job,
    execArgv: typescript ? ['--require', 'ts-node/register/transpile-only'] : [],
  });
}
