/**
 * A worker thread of `verifyInParallel`: opens the event file read-only for itself, verifies the
 * journeys it is given (chain and replay, as `verify` does on one thread) and posts the verdicts
 * back in batches. Pure reading: the file is never written.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { WorkflowRegistry } from '../../workflows';
import { SqliteJourneyReader } from './sqlite-journey-reader';
import { verifyRead, type JourneyVerification } from './verify-journey';

export interface VerifyJob {
  file: string;
  streams: ReadonlyArray<{ index: number; streamId: string }>;
}

export type VerifyMessage = { verified: Array<{ index: number; verification: JourneyVerification }> } | { failed: string };

/** Verdicts per message: few enough to report progress often, enough to keep messaging cheap. */
const BATCH = 50;

async function run({ file, streams }: VerifyJob): Promise<void> {
  const reader = SqliteJourneyReader.open(file);
  const registry = new WorkflowRegistry();
  try {
    let batch: Array<{ index: number; verification: JourneyVerification }> = [];
    for (const { index, streamId } of streams) {
      batch.push({ index, verification: verifyRead(streamId, await reader.read(streamId), registry).verification });
      if (batch.length >= BATCH) {
        parentPort?.postMessage({ verified: batch } satisfies VerifyMessage);
        batch = [];
      }
    }
    if (batch.length > 0) parentPort?.postMessage({ verified: batch } satisfies VerifyMessage);
  } finally {
    await reader.close();
  }
}

run(workerData as VerifyJob).catch((error: unknown) => {
  parentPort?.postMessage({ failed: error instanceof Error ? error.message : String(error) } satisfies VerifyMessage);
});
