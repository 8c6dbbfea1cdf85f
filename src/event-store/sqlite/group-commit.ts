/**
 * GROUP COMMIT. better-sqlite3 is synchronous and every commit pays one fsync, so appends are not
 * written when called: they are queued, and everything queued in the same event-loop turn is
 * flushed on `setImmediate` in ONE immediate transaction with one fsync. Each append runs inside
 * its own SAVEPOINT and is checked against its own expected revision, so a conflict (or any failure
 * of that append alone) rolls back that append only; appends to the same stream apply in call order.
 * Every promise of the batch settles only after the shared COMMIT.
 */
import type Database from 'better-sqlite3';
import { decideAppend, ExistingEvent } from '../append-rules';
import { AppendResult, StoreUnavailableError } from '../event-store';
import { settle, type EncodedEvent, type Outcome, type PendingAppend } from '../pending-append';
import { toStoreError } from './errors';
import type { Statements } from './statements';

/** Counters for tests and diagnostics: how well group commit is batching. */
export interface SqliteEventStoreStats {
  /** Write transactions committed. */
  commits: number;
  /** Append calls settled by those commits (written, repeated or refused as conflicts). */
  appends: number;
  /** The most append calls one commit has carried. */
  largestBatch: number;
}

export class GroupCommit {
  private readonly commitBatch: (batch: PendingAppend[]) => Outcome[];
  private readonly appendInSavepoint: (pending: PendingAppend) => AppendResult;
  private queue: PendingAppend[] = [];
  private flushScheduled = false;
  private readonly counters: SqliteEventStoreStats = { commits: 0, appends: 0, largestBatch: 0 };

  constructor(
    db: Database.Database,
    private readonly sql: Statements,
    /** Called after a commit that wrote something, so this process's followers look at once. */
    private readonly onCommitted: () => void,
  ) {
    // better-sqlite3 runs a transaction function called inside another one as a SAVEPOINT:
    // a throw inside rolls back to that savepoint only, and the outer transaction goes on.
    this.appendInSavepoint = db.transaction((pending: PendingAppend) => this.applyAppend(pending));
    const batchTransaction = db.transaction((batch: PendingAppend[]) => batch.map((pending) => this.tryAppend(pending)));
    // IMMEDIATE takes the write lock up front (waiting up to the busy timeout), rather than
    // failing at the first write when another process wrote since our read.
    this.commitBatch = (batch) => batchTransaction.immediate(batch);
  }

  enqueue(pending: PendingAppend): void {
    this.queue.push(pending);
    this.scheduleFlush();
  }

  stats(): SqliteEventStoreStats {
    return { ...this.counters };
  }

  /** One group commit: every queued append in one transaction, then settle each promise. */
  flush(): void {
    this.flushScheduled = false;
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];

    let outcomes: Outcome[];
    try {
      outcomes = this.commitBatch(batch);
    } catch (error) {
      // The whole transaction was rolled back: nothing of this batch is on disk.
      const failure = toStoreError(error, 'appending events');
      batch.forEach((pending) => pending.reject(failure));
      return;
    }
    this.recordCommit(batch.length);
    batch.forEach((pending, index) => settle(pending, outcomes[index]));
    if (outcomes.some((outcome) => 'result' in outcome)) this.onCommitted();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  /**
   * An append's own failure (a conflict, a constraint) is rolled back to its savepoint and fails that
   * append alone. A failure of the store itself (disk full, I/O, lock timeout) aborts the whole batch:
   * SQLite may already have rolled the transaction back.
   */
  private tryAppend(pending: PendingAppend): Outcome {
    try {
      return { result: this.appendInSavepoint(pending) };
    } catch (error) {
      if (toStoreError(error, 'appending events') instanceof StoreUnavailableError) throw error;
      return { failure: error };
    }
  }

  private applyAppend({ streamId, events, expected }: PendingAppend): AppendResult {
    const current = this.sql.currentRevision.get(streamId)?.revision ?? -1;
    const decision = decideAppend(streamId, events, expected, current, this.findIds(streamId, events));
    if (decision.kind === 'repeat') return decision.result;

    let position = 0n;
    events.forEach((event, index) => {
      const info = this.sql.insert.run(streamId, decision.firstRevision + index, event.id, event.type, event.data, event.metadata);
      position = BigInt(info.lastInsertRowid);
    });
    return { nextRevision: decision.firstRevision + events.length - 1, position };
  }

  private findIds(streamId: string, events: EncodedEvent[]): Map<string, ExistingEvent> {
    const found = new Map<string, ExistingEvent>();
    for (const { id } of events) {
      const row = this.sql.findEvent.get(streamId, id);
      if (row) found.set(id, { revision: row.revision, position: BigInt(row.position) });
    }
    return found;
  }

  private recordCommit(batchSize: number): void {
    this.counters.commits += 1;
    this.counters.appends += batchSize;
    this.counters.largestBatch = Math.max(this.counters.largestBatch, batchSize);
  }
}
