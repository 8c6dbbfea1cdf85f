/**
 * Builds whole-journey exports on a worker thread when the store is an SQLite file (the worker
 * opens it read-only for itself), and on the request thread otherwise (memory, KurrentDB). The
 * request thread then only checks access and sends the answer, so a burst of exports leaves the
 * event loop free for everything else (`npm run bench -- read-starvation`).
 */
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { JourneyNotFoundError } from '../../errors/domain-errors';
import { EventStore, StoreUnavailableError } from '../../event-store/event-store';
import { SqliteEventStore } from '../../event-store/sqlite/sqlite-event-store';
import type { JourneyRelations } from '../../access';
import { AuditedJourneys } from '../audited-journeys';
import { exportFor, type BuiltExport } from './export-build';
import type { ExportFormat } from '../http/export-query.dto';
import type { ExportFailure, ExportJob, ExportReply } from './export-worker';

/** Throws when the caller may not see the journey these relations describe (assertJourneyAccess). */
export type Authorise = (relations: JourneyRelations) => void;

interface Pending {
  journeyId: string;
  authorise: Authorise;
  resolve: (body: ExportBody) => void;
  reject: (error: unknown) => void;
  retryHere: () => void;
}

type ExportBody = BuiltExport['body'];

@Injectable()
export class ExportBuilder implements OnApplicationShutdown {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextJobId = 1;

  constructor(
    private readonly store: EventStore,
    private readonly journeys: AuditedJourneys,
  ) {}

  /**
   * The export, once `authorise` accepted who the journey belongs to: a caller who may not see it
   * is refused before anything about its record (not even that it is broken) is told.
   */
  build(journeyId: string, format: ExportFormat, exportedAt: Date, authorise: Authorise): Promise<ExportBody> {
    const adapter = this.store.adapter();
    const file = adapter instanceof SqliteEventStore && adapter.path !== ':memory:' ? adapter.path : undefined;
    if (file === undefined) return this.buildHere(journeyId, format, exportedAt, authorise);
    return new Promise((resolve, reject) => {
      const job: ExportJob = { jobId: this.nextJobId++, file, journeyId, format, exportedAt: exportedAt.toISOString() };
      const retryHere = () => void this.buildHere(journeyId, format, exportedAt, authorise).then(resolve, reject);
      this.pending.set(job.jobId, { journeyId, authorise, resolve, reject, retryHere });
      this.workerThread().postMessage(job);
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker?.terminate();
    this.worker = undefined;
  }

  private async buildHere(journeyId: string, format: ExportFormat, exportedAt: Date, authorise: Authorise): Promise<ExportBody> {
    const journey = await this.journeys.read(journeyId);
    authorise(journey.relations);
    return exportFor(journey, format, exportedAt).body;
  }

  /** One worker, started on the first export and kept; a worker that dies fails its jobs and is replaced on the next. */
  private workerThread(): Worker {
    if (this.worker) return this.worker;
    const typescript = __filename.endsWith('.ts');
    const worker = new Worker(join(__dirname, typescript ? 'export-worker.ts' : 'export-worker.js'), {
      execArgv: typescript ? ['--require', 'ts-node/register/transpile-only'] : [],
    });
    // An idle worker must not keep a finished process alive.
    worker.unref();
    worker.on('message', (reply: ExportReply) => this.settle(reply));
    worker.on('error', (error) => this.failAll(error));
    worker.on('exit', (code) => this.failAll(new Error(`the export worker exited with code ${code}`)));
    this.worker = worker;
    return worker;
  }

  private settle(reply: ExportReply): void {
    const job = this.pending.get(reply.jobId);
    if (!job) return;
    this.pending.delete(reply.jobId);
    try {
      const relations = 'built' in reply ? reply.built.relations : reply.relations;
      if (relations) job.authorise(relations);
      if ('built' in reply) job.resolve(reply.built.body);
      else if (reply.failed.kind === 'unreadable') job.retryHere();
      else job.reject(errorOf(reply.failed, job.journeyId));
    } catch (refused) {
      job.reject(refused);
    }
  }

  private failAll(error: unknown): void {
    this.worker = undefined;
    for (const job of this.pending.values()) job.reject(error);
    this.pending.clear();
  }
}

/**
 * The worker's failure as the error the request thread would have thrown. A broken record is not
 * translated: it is built again on the request thread, which names it exactly (422).
 */
function errorOf(failure: Exclude<ExportFailure, { kind: 'unreadable' }>, journeyId: string): unknown {
  switch (failure.kind) {
    case 'not-found':
      return new JourneyNotFoundError(journeyId);
    case 'store':
      return new StoreUnavailableError(failure.message, { code: failure.code });
    case 'fault':
      return new Error(`export worker: ${failure.message}`);
    default: {
      const unknown: never = failure;
      return new Error(`unknown export failure ${JSON.stringify(unknown)}`);
    }
  }
}
