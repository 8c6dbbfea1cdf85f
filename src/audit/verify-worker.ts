/**
 * A worker thread of `verifyInParallel`: verifies the journeys it is given (verify-streams.ts) and
 * posts the verdicts back in batches. Pure reading: the file is never written.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { verifyStreams, type VerifiedBatch } from './verify-streams';

export interface VerifyJob {
  file: string;
  streams: ReadonlyArray<{ index: number; streamId: string }>;
}

export type VerifyMessage = { verified: VerifiedBatch } | { failed: string };

const { file, streams } = workerData as VerifyJob;
verifyStreams(file, streams, (verified) => parentPort?.postMessage({ verified } satisfies VerifyMessage)).catch((error: unknown) => {
  parentPort?.postMessage({ failed: error instanceof Error ? error.message : String(error) } satisfies VerifyMessage);
});
