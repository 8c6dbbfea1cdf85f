/**
 * A worker thread of `verifyInParallel`: says it is ready, then verifies each batch of journeys it
 * is sent, in order, posting the verdicts back; an empty batch means there is no more. Pure
 * reading: the file is never written.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { StreamVerifier, type StreamBatch, type VerifiedBatch } from './verify-streams';

export interface VerifyJob {
  file: string;
}

export type VerifyMessage = { ready: true } | { verified: VerifiedBatch } | { failed: string };

const port = parentPort!;
const verifier = StreamVerifier.open((workerData as VerifyJob).file);
let queue = Promise.resolve();

function handle(streams: StreamBatch): Promise<void> {
  if (streams.length === 0) return verifier.close().then(() => port.close());
  return verifier.verify(streams).then((verified) => port.postMessage({ verified } satisfies VerifyMessage));
}

// One batch at a time, in the order sent: the next may already be waiting (the main thread sends ahead).
port.on('message', (streams: StreamBatch) => {
  queue = queue
    .then(() => handle(streams))
    .catch((error: unknown) => {
      port.postMessage({ failed: error instanceof Error ? error.message : String(error) } satisfies VerifyMessage);
    });
});
port.postMessage({ ready: true } satisfies VerifyMessage);
