/**
 * Worker threads that fold journeys for the projection runner while it catches up (a rebuild):
 * the caseload's machine transitions and the clock folds are most of a rebuild's CPU, and each
 * journey's fold needs only its own events and its own last state. Each page's journeys are
 * shared among the workers and the runner's thread by stream (all of a journey's events to one
 * thread, in order); each reads the journey's last state from the read-model file, as the previous page committed
 * it, and posts back the rows; the runner's thread writes them, with the other projections, in
 * the page's one transaction. The same projection code folds on either side, so the rows are
 * the ones one thread writes.
 */
import type { Worker } from 'node:worker_threads';
import { startWorkerThread } from '../common/worker-thread';
import type { StoredEvent } from '../event-store/event-store';
import type { FoldJob, FoldMessage } from './fold-worker';
import type { JourneyFoldProjection } from './projection';

interface FoldWorker {
  worker: Worker;
  ready: boolean;
  /** The share being folded, settled by the worker's answer. */
  pending: { resolve: (writes: unknown[]) => void; reject: (error: Error) => void } | null;
  lost: boolean;
}

export class FoldPool {
  private readonly workers: FoldWorker[];
  private readonly started: Promise<void>;
  private closing = false;

  /**
   * `count` workers folding `projections` (by name, the service's own: createProjections) from
   * the read-model `file`. They load for a while (seconds under ts-node): until one is ready,
   * `ready` is 0 and the runner folds on its own thread. `onLost` is told of a worker that stops
   * before close() (it could not load, or crashed): the pages go on without it.
   */
  constructor(
    file: string,
    readonly projections: readonly JourneyFoldProjection[],
    count: number,
    private readonly onLost: (error: Error) => void,
  ) {
    const job: FoldJob = { file, projections: projections.map((projection) => projection.name) };
    this.workers = Array.from({ length: count }, () => this.startWorker(job));
    this.started = Promise.all(
      this.workers.map(
        (worker) => new Promise<void>((resolve) => worker.worker.once('message', () => resolve()).once('exit', () => resolve())),
      ),
    ).then(() => undefined);
  }

  /** Workers ready to fold. */
  get ready(): number {
    return this.workers.filter((worker) => worker.ready).length;
  }

  /** Resolves once every worker is ready (or has failed to start). */
  whenStarted(): Promise<void> {
    return this.started;
  }

  /**
   * Shares the page among the ready workers and the calling thread: posts the workers' shares and
   * returns the caller's, to fold meanwhile, with the workers' writes to come (one entry per
   * worker, each one entry per projection in `projections` order; rejected if a worker fails).
   */
  fold(events: readonly StoredEvent[]): { here: StoredEvent[]; workers: Promise<unknown[][]> } {
    const ready = this.workers.filter((worker) => worker.ready);
    const [here, ...shares] = shareByStream(events, ready.length + 1);
    const workers = Promise.all(
      ready
        .map((worker, index) => ({ worker, share: shares[index] }))
        .filter(({ share }) => share.length > 0)
        .map(
          ({ worker, share }) =>
            new Promise<unknown[]>((resolve, reject) => {
              worker.pending = { resolve, reject };
              worker.worker.postMessage(share);
            }),
        ),
    );
    workers.catch(() => undefined); // awaited by the caller, unless its own share failed first
    return { here, workers };
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map(({ worker }) => worker.terminate()));
  }

  private startWorker(job: FoldJob): FoldWorker {
    const worker: FoldWorker = { worker: startWorkerThread(__dirname, 'fold-worker', job), ready: false, pending: null, lost: false };
    const fail = (error: Error) => {
      worker.ready = false;
      if (!this.closing && !worker.lost) this.onLost(error);
      worker.lost = true;
      const pending = worker.pending;
      worker.pending = null;
      pending?.reject(error);
    };
    worker.worker.on('message', (message: FoldMessage) => {
      if ('ready' in message) {
        worker.ready = true;
        return;
      }
      const pending = worker.pending;
      worker.pending = null;
      if ('failed' in message) pending?.reject(new Error(`a fold worker failed: ${message.failed}`));
      else pending?.resolve(message.writes);
    });
    worker.worker.on('error', fail);
    worker.worker.on('exit', (code) => fail(new Error(`a fold worker exited with code ${code}`)));
    return worker;
  }
}

/** The page's events in `count` shares, each journey's events all in one share, in the page's order. */
function shareByStream(events: readonly StoredEvent[], count: number): StoredEvent[][] {
  const shares = Array.from({ length: count }, (): StoredEvent[] => []);
  const shareOf = new Map<string, StoredEvent[]>();
  for (const event of events) {
    let share = shareOf.get(event.streamId);
    if (!share) {
      share = shares[hashOf(event.streamId) % count];
      shareOf.set(event.streamId, share);
    }
    share.push(event);
  }
  return shares;
}

/** A cheap, stable string hash (non-negative): the same journey goes to the same worker each page. */
function hashOf(text: string): number {
  let hash = 0;
  for (let index = 0; index < text.length; index += 1) hash = (Math.imul(hash, 31) + text.charCodeAt(index)) | 0;
  return hash >>> 0;
}
