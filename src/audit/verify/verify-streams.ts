/**
 * What each thread of `verify --all` runs, the main thread and every worker (verify-worker.ts)
 * alike: its own read-only reader on the file, and the verdict on each journey it is handed
 * (chain and replay, as `verify` gives it on one thread). Pure reading.
 */
import { WorkflowRegistry } from '../../../workflows';
import { SqliteJourneyReader } from './sqlite-journey-reader';
import { verifyRead, type JourneyVerification } from './verify-journey';

export type StreamBatch = ReadonlyArray<{ index: number; streamId: string }>;
export type VerifiedBatch = Array<{ index: number; verification: JourneyVerification }>;

export class StreamVerifier {
  private readonly registry = new WorkflowRegistry();

  private constructor(private readonly reader: SqliteJourneyReader) {}

  static open(file: string): StreamVerifier {
    return new StreamVerifier(SqliteJourneyReader.open(file));
  }

  async verify(streams: StreamBatch): Promise<VerifiedBatch> {
    const verified: VerifiedBatch = [];
    for (const { index, streamId } of streams) {
      verified.push({ index, verification: verifyRead(streamId, await this.reader.read(streamId), this.registry).verification });
    }
    return verified;
  }

  close(): Promise<void> {
    return this.reader.close();
  }
}
