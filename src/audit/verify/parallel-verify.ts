/**
 * `verify --all` on every core: the journeys are handed out, a small batch at a time, to this
 * thread and to worker threads, each reading the file on its own read-only connection (SQLite in
 * WAL mode serves readers side by side), and the verdicts are reported in the order of the
 * journeys, exactly as one thread reports them. Verifying is CPU work (SHA-256 over each event,
 * the workflow replayed), so two cores verify nearly twice as many events a second. This thread
 * verifies from the start, while the workers load (seconds of CPU each, more under ts-node, which
 * compiles the workflow code afresh in every thread): batches on demand rather than fixed shares,
 * so no thread waits on another's start-up or on a run of long journeys.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startWorkerThread } from '../../common/worker-thread';
import type { JourneyVerification } from './verify-journey';
import type { VerifyJob, VerifyMessage } from './verify-worker';
import { StreamVerifier, type StreamBatch, type VerifiedBatch } from './verify-streams';

/** Below this many journeys, starting threads costs more than it saves. */
export const PARALLEL_FROM_JOURNEYS = 500;

/** Journeys handed out at a time: small, so the last batches end close together; enough to keep messaging cheap. */
const BATCH = 20;

export function verifyWorkerCount(journeys: number): number {
  return journeys < PARALLEL_FROM_JOURNEYS ? 1 : Math.max(1, availableParallelism());
}

/**
 * Verifies every stream with `workers` threads (this one and `workers - 1` workers), calling
 * `onVerified` once per stream in the order given. Rejects if a thread fails (the file vanished,
 * say): no verdict is invented. With `workersOnly`, this thread only deals and reports, and
 * `workers` workers verify (so a test can hold the workers' verdicts to one thread's).
 */
export async function verifyInParallel(
  file: string,
  streamIds: readonly string[],
  workers: number,
  onVerified: (verification: JourneyVerification) => void,
  options: { workersOnly?: boolean } = {},
): Promise<void> {
  const results = new Array<JourneyVerification | undefined>(streamIds.length);
  let next = 0;
  let allReported: () => void = () => undefined;
  const reported = new Promise<void>((resolve) => (allReported = resolve));
  const flushInOrder = () => {
    while (next < results.length && results[next] !== undefined) {
      onVerified(results[next] as JourneyVerification);
      results[next] = undefined; // reported: let it go
      next += 1;
    }
    if (next === results.length) allReported();
  };
  const record = (verified: VerifiedBatch) => {
    verified.forEach(({ index, verification }) => (results[index] = verification));
    flushInOrder();
  };
  let dealt = 0;
  const nextBatch = (): StreamBatch => {
    const from = dealt;
    dealt = Math.min(streamIds.length, from + BATCH);
    return streamIds.slice(from, dealt).map((streamId, offset) => ({ index: from + offset, streamId }));
  };
  const started: Worker[] = [];
  const runs = Array.from(
    { length: options.workersOnly ? Math.max(1, workers) : Math.max(0, workers - 1) },
    () =>
      new Promise<void>((resolve, reject) => {
        const worker = startWorkerThread(__dirname, 'verify-worker', { file } satisfies VerifyJob);
        started.push(worker);
        const send = () => worker.postMessage(nextBatch());
        worker.on('message', (message: VerifyMessage) => {
          if ('failed' in message) return reject(new Error(`a verify worker failed: ${message.failed}`));
          if ('ready' in message) {
            // Two batches ahead: the worker never waits on this thread, busy with its own batch, to answer.
            send();
            send();
            return;
          }
          record(message.verified);
          send();
        });
        worker.on('error', reject);
        worker.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`a verify worker exited with code ${code}`))));
      }),
  );
  let abandoned = false;
  const here = options.workersOnly
    ? Promise.resolve()
    : verifyHere(file, nextBatch, (verified) => {
        if (abandoned) throw new Error('verify abandoned: another thread failed');
        record(verified);
      });
  try {
    // Done once every verdict is in: a worker still starting up by then is not waited for.
    await Promise.all([here, Promise.race([reported, Promise.all(runs)])]);
    flushInOrder();
  } catch (error) {
    // One failed: the others' verdicts can no longer make a whole report.
    abandoned = true;
    throw error;
  } finally {
    await Promise.all(started.map((worker) => worker.terminate()));
  }
}

/** This thread's part: batch after batch until none is left, yielding between them so the workers are answered. */
async function verifyHere(file: string, nextBatch: () => StreamBatch, onBatch: (verified: VerifiedBatch) => void): Promise<void> {
  const verifier = StreamVerifier.open(file);
  try {
    for (let batch = nextBatch(); batch.length > 0; batch = nextBatch()) {
      onBatch(await verifier.verify(batch));
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    await verifier.close();
  }
}
