/**
 * The verify loop of `verify --all` on several threads, run alike on the main thread and in each
 * worker (verify-worker.ts): its own read-only reader on the file, each journey's verdict (chain
 * and replay, as `verify` gives it on one thread) handed on in batches. Pure reading.
 */
import { WorkflowRegistry } from '../../workflows';
import { SqliteJourneyReader } from './sqlite-journey-reader';
import { verifyRead, type JourneyVerification } from './verify-journey';

export type VerifiedBatch = Array<{ index: number; verification: JourneyVerification }>;

/** Verdicts per batch: few enough to report progress often, enough to keep messaging cheap. */
const BATCH = 50;

export async function verifyStreams(
  file: string,
  streams: ReadonlyArray<{ index: number; streamId: string }>,
  onBatch: (batch: VerifiedBatch) => void | Promise<void>,
): Promise<void> {
  const reader = SqliteJourneyReader.open(file);
  const registry = new WorkflowRegistry();
  try {
    let batch: VerifiedBatch = [];
    for (const { index, streamId } of streams) {
      batch.push({ index, verification: verifyRead(streamId, await reader.read(streamId), registry).verification });
      if (batch.length >= BATCH) {
        await onBatch(batch);
        batch = [];
      }
    }
    if (batch.length > 0) await onBatch(batch);
  } finally {
    await reader.close();
  }
}
