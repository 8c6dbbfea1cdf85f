/**
 * The export worker thread: builds journeys' exports (read, verify, replay, render) off the
 * service's event loop, from the event file opened read-only for itself. A whole-journey export is
 * a hundred milliseconds or more of CPU; on the request thread that is a hundred milliseconds in
 * which no other request, liveness included, is answered.
 */
import { parentPort } from 'node:worker_threads';
import { WorkflowRegistry } from '../../../workflows';
import type { JourneyRelations } from '../../access';
import { StoreUnavailableError } from '../../event-store/event-store';
import { JourneyUnreadableError } from '../../errors/domain-errors';
import { streamIdOf } from '../../journeys/journey-records';
import { auditJourney } from '../audited-journeys';
import { exportFor, type BuiltExport } from './export-build';
import type { ExportFormat } from '../http/export-query.dto';
import { SqliteJourneyReader } from '../verify/sqlite-journey-reader';

export interface ExportJob {
  jobId: number;
  file: string;
  journeyId: string;
  format: ExportFormat;
  exportedAt: string;
}

/** What went wrong, by kind, for the service to answer as it would have on its own thread. */
export type ExportFailure =
  { kind: 'not-found' } | { kind: 'unreadable' } | { kind: 'store'; message: string; code?: string } | { kind: 'fault'; message: string };

/**
 * The export, or why there is none. `relations` (who the journey belongs to) comes with a broken
 * record too: the service checks access first, so a stranger learns nothing about it.
 */
export type ExportReply = { jobId: number; built: BuiltExport } | { jobId: number; failed: ExportFailure; relations?: JourneyRelations };

const registry = new WorkflowRegistry();
const readers = new Map<string, SqliteJourneyReader>();

async function build(job: ExportJob): Promise<ExportReply> {
  const reader = readers.get(job.file) ?? SqliteJourneyReader.open(job.file);
  readers.set(job.file, reader);
  const read = await reader.read(streamIdOf(job.journeyId));
  if (read.kind === 'events' && read.events.length === 0) return { jobId: job.jobId, failed: { kind: 'not-found' } };
  const journey = auditJourney(job.journeyId, read, registry);
  try {
    return { jobId: job.jobId, built: exportFor(journey, job.format, new Date(job.exportedAt)) };
  } catch (error) {
    return { jobId: job.jobId, failed: failure(error), relations: journey.relations };
  }
}

function failure(error: unknown): ExportFailure {
  if (error instanceof JourneyUnreadableError) return { kind: 'unreadable' };
  if (error instanceof StoreUnavailableError) {
    const code = (error.cause as { code?: unknown } | undefined)?.code;
    return { kind: 'store', message: error.message, code: typeof code === 'string' ? code : undefined };
  }
  return { kind: 'fault', message: error instanceof Error ? (error.stack ?? error.message) : String(error) };
}

parentPort?.on('message', (job: ExportJob) => {
  build(job).then(
    (reply) => parentPort?.postMessage(reply),
    (error: unknown) => parentPort?.postMessage({ jobId: job.jobId, failed: failure(error) } satisfies ExportReply),
  );
});
