/**
 * Appends with GROUP COMMIT.
 *
 * Appends are queued. While no batch is being written, the next one starts at once with everything
 * queued; while one is in flight, new appends wait for it and then go together in the next. A batch
 * is one transaction: take the commit-order lock (commit-order.ts), then for each append read the
 * stream's revision and the batch's ids, decide with the same rules as every adapter
 * (append-rules.ts), insert, and COMMIT once. So a busy instance pays one lock turn and one WAL
 * flush for many appends, and an idle one adds no delay.
 *
 * Each append's insert runs inside its own SAVEPOINT: one append's failure rolls back that append
 * only. A conflict is decided before anything is written, so it needs no rollback at all. A failure
 * of the store itself (connection lost, disk full) fails the whole batch: nothing of it committed,
 * or (a lost COMMIT answer) it is unknown, which is what event-id idempotency is for.
 */
import type { Pool, PoolClient } from 'pg';
import { decideAppend, ExistingEvent } from '../append-rules';
import { AppendResult, ExpectedRevision, NewEvent, StoreUnavailableError } from '../event-store';
import { commitOrderLockKey } from './commit-order';
import { toPostgresStoreError } from './errors';
import { quoteIdentifier } from './identifiers';

interface PendingAppend {
  streamId: string;
  events: EncodedEvent[];
  expected: ExpectedRevision;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

interface EncodedEvent {
  id: string;
  type: string;
  data: string;
  metadata: string;
}

type Outcome = { result: AppendResult } | { failure: unknown };

/** Counters for tests and diagnostics: how well group commit is batching. */
export interface GroupCommitStats {
  commits: number;
  appends: number;
  largestBatch: number;
}

export class GroupCommitWriter {
  private queue: PendingAppend[] = [];
  private inFlight: Promise<void> | undefined;
  private readonly counters: GroupCommitStats = { commits: 0, appends: 0, largestBatch: 0 };
  private readonly events: string;
  private readonly lockKey: string;

  constructor(
    private readonly pool: Pool,
    schema: string,
    /** Called after a commit that wrote something, so this process's followers look at once. */
    private readonly onCommitted: () => void,
  ) {
    this.events = `${quoteIdentifier(schema)}.events`;
    this.lockKey = commitOrderLockKey(schema);
  }

  append(streamId: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ streamId, events: events.map(encodeEvent), expected, resolve, reject });
      this.kick();
    });
  }

  /** Resolves when everything queued so far has been written or refused. */
  async drain(): Promise<void> {
    while (this.inFlight) await this.inFlight;
  }

  stats(): GroupCommitStats {
    return { ...this.counters };
  }

  private kick(): void {
    if (this.inFlight || this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    this.inFlight = this.writeBatch(batch).finally(() => {
      this.inFlight = undefined;
      this.kick();
    });
  }

  private async writeBatch(batch: PendingAppend[]): Promise<void> {
    let client: PoolClient | undefined;
    let outcomes: Outcome[];
    try {
      client = await this.pool.connect();
      outcomes = await this.commitBatch(client, batch);
    } catch (error) {
      client?.release(error instanceof Error ? error : true);
      const failure = toPostgresStoreError(error, 'appending events');
      batch.forEach((pending) => pending.reject(failure));
      return;
    }
    client.release();
    this.recordCommit(batch.length);
    batch.forEach((pending, index) => settle(pending, outcomes[index]));
    if (outcomes.some((outcome) => 'result' in outcome)) this.onCommitted();
  }

  private async commitBatch(client: PoolClient, batch: PendingAppend[]): Promise<Outcome[]> {
    await client.query('BEGIN');
    try {
      await client.query(`SELECT pg_advisory_xact_lock(${this.lockKey})`);
      const outcomes: Outcome[] = [];
      for (const pending of batch) outcomes.push(await this.tryAppend(client, pending));
      await client.query('COMMIT');
      return outcomes;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  /** A conflict or an insert refused by PostgreSQL fails this append alone; a store failure aborts the batch. */
  private async tryAppend(client: PoolClient, pending: PendingAppend): Promise<Outcome> {
    let decision;
    try {
      decision = await this.decide(client, pending);
    } catch (error) {
      if (toPostgresStoreError(error, 'appending events') instanceof StoreUnavailableError) throw error;
      return { failure: error };
    }
    if (decision.kind === 'repeat') return { result: decision.result };
    await client.query('SAVEPOINT append');
    try {
      const result = await this.insert(client, pending, decision.firstRevision);
      await client.query('RELEASE SAVEPOINT append');
      return { result };
    } catch (error) {
      if (toPostgresStoreError(error, 'appending events') instanceof StoreUnavailableError) throw error;
      await client.query('ROLLBACK TO SAVEPOINT append');
      return { failure: error };
    }
  }

  /** One query reads both the stream's revision and where the batch's ids already sit. */
  private async decide(client: PoolClient, { streamId, events, expected }: PendingAppend) {
    const result = await client.query<{ current: number | null; event_id: string | null; revision: number | null; position: string | null }>(
      `SELECT (SELECT max(revision) FROM ${this.events} WHERE stream_id = $1) AS current,
              found.event_id, found.revision, found.position
       FROM (SELECT 1) AS one
       LEFT JOIN ${this.events} AS found ON found.stream_id = $1 AND found.event_id = ANY($2::text[])`,
      [streamId, events.map((event) => event.id)],
    );
    const current = result.rows[0].current ?? -1;
    const existing = new Map<string, ExistingEvent>();
    for (const row of result.rows) {
      if (row.event_id !== null) {
        existing.set(row.event_id, { revision: row.revision as number, position: BigInt(row.position as string) });
      }
    }
    return decideAppend(streamId, events, expected, current, existing);
  }

  /** One multi-row INSERT; the trigger assigns positions in row order. */
  private async insert(client: PoolClient, pending: PendingAppend, firstRevision: number): Promise<AppendResult> {
    const { streamId, events } = pending;
    const result = await client.query<{ position: string }>(
      `INSERT INTO ${this.events} (stream_id, revision, event_id, type, data, metadata)
       SELECT $1, $2::integer + ordinality::integer - 1, event_id, type, data::json, metadata::json
       FROM unnest($3::text[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY AS e(event_id, type, data, metadata)
       ORDER BY ordinality
       RETURNING position`,
      [
        streamId,
        firstRevision,
        events.map((event) => event.id),
        events.map((event) => event.type),
        events.map((event) => event.data),
        events.map((event) => event.metadata),
      ],
    );
    const last = result.rows.reduce((highest, row) => (BigInt(row.position) > highest ? BigInt(row.position) : highest), -1n);
    return { nextRevision: firstRevision + events.length - 1, position: last };
  }

  private recordCommit(batchSize: number): void {
    this.counters.commits += 1;
    this.counters.appends += batchSize;
    this.counters.largestBatch = Math.max(this.counters.largestBatch, batchSize);
  }
}

function encodeEvent(event: NewEvent): EncodedEvent {
  return { id: event.id, type: event.type, data: JSON.stringify(event.data), metadata: JSON.stringify(event.metadata) };
}

function settle(pending: PendingAppend, outcome: Outcome): void {
  if ('result' in outcome) pending.resolve(outcome.result);
  else pending.reject(outcome.failure);
}
