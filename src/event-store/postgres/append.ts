/**
 * Appends with GROUP COMMIT.
 *
 * Appends are queued. While no batch is being written, the next one starts at once with what is
 * queued (the first append of each stream; see takeBatch); while one is in flight, new appends
 * wait for it and then go together in the next. A batch is one transaction with a fixed number of
 * round trips however many appends it carries: take the commit-order lock (commit-order.ts), look up
 * every stream's revision and the batch's ids in two queries, decide each append with the same rules
 * as every adapter (append-rules.ts), insert every write in one statement, COMMIT. So a busy
 * instance pays one short lock turn and one WAL flush for many appends, and an idle one adds no delay.
 *
 * A conflict fails its append alone: it is decided before anything is written. Should PostgreSQL
 * refuse the batch's insert for something one append carries, the writes are retried one by one,
 * each in its own SAVEPOINT, so that only that append fails. A failure of the store itself
 * (connection lost, disk full) fails the whole batch: nothing of it committed, or (a lost COMMIT
 * answer) it is unknown, which is what event-id idempotency is for.
 */
import { encodeEvent, settle, type Outcome, type PendingAppend } from '../pending-append';
import type { ClientBase, Pool, PoolClient } from 'pg';
import { decideAppend, ExistingEvent } from '../append-rules';
import { AppendResult, ExpectedRevision, NewEvent, StoreUnavailableError } from '../event-store';
import { commitOrderLockKey } from './commit-order';
import { toPostgresStoreError } from './errors';
import { quoteIdentifier } from './identifiers';

/** An append the batch decided to write, from this revision on. */
interface Write {
  index: number;
  pending: PendingAppend;
  firstRevision: number;
}

interface LookedUp {
  revisions: Map<string, number>;
  existing: Map<string, Map<string, ExistingEvent>>;
}

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
    const { batch, later } = takeBatch(this.queue);
    this.queue = later;
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
      const found = await this.lookUp(client, batch);
      const outcomes = new Array<Outcome>(batch.length);
      const writes: Write[] = [];
      batch.forEach((pending, index) => {
        try {
          const { streamId, events, expected } = pending;
          const existing = found.existing.get(streamId) ?? new Map<string, ExistingEvent>();
          const decision = decideAppend(streamId, events, expected, found.revisions.get(streamId) ?? -1, existing);
          if (decision.kind === 'repeat') outcomes[index] = { result: decision.result };
          else writes.push({ index, pending, firstRevision: decision.firstRevision });
        } catch (conflict) {
          outcomes[index] = { failure: conflict };
        }
      });
      const written = await this.insertAll(client, writes);
      writes.forEach((write, at) => (outcomes[write.index] = written[at]));
      await client.query('COMMIT');
      return outcomes;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  /**
   * Two queries for the whole batch, under the lock: each stream's revision, and where any of the
   * batch's event ids already sit. A batch holds one append per stream (see takeBatch), so nothing
   * it writes can change what another of its appends is decided against.
   */
  private async lookUp(client: PoolClient, batch: PendingAppend[]): Promise<LookedUp> {
    const revisions = await client.query<{ stream_id: string; current: number }>(
      `SELECT stream_id, max(revision) AS current FROM ${this.events} WHERE stream_id = ANY($1::text[]) GROUP BY stream_id`,
      [batch.map((pending) => pending.streamId)],
    );
    const keys = batch.flatMap((pending) => pending.events.map((event) => [pending.streamId, event.id] as const));
    const found = await client.query<{ stream_id: string; event_id: string; revision: number; position: string }>(
      `SELECT e.stream_id, e.event_id, e.revision, e.position
       FROM unnest($1::text[], $2::text[]) AS k(stream_id, event_id)
       JOIN ${this.events} AS e ON e.stream_id = k.stream_id AND e.event_id = k.event_id`,
      [keys.map(([streamId]) => streamId), keys.map(([, id]) => id)],
    );
    const existing = new Map<string, Map<string, ExistingEvent>>();
    for (const row of found.rows) {
      const ids = existing.get(row.stream_id) ?? new Map<string, ExistingEvent>();
      ids.set(row.event_id, { revision: row.revision, position: BigInt(row.position) });
      existing.set(row.stream_id, ids);
    }
    return { revisions: new Map(revisions.rows.map((row) => [row.stream_id, row.current])), existing };
  }

  /**
   * Every write of the batch in one INSERT. Should PostgreSQL refuse it for something one append
   * carries (not a store failure), the batch falls back to one INSERT per append, each in its own
   * SAVEPOINT, so that only that append fails.
   */
  private async insertAll(client: PoolClient, writes: Write[]): Promise<Outcome[]> {
    if (writes.length === 0) return [];
    await client.query('SAVEPOINT batch');
    try {
      const positions = await this.insert(client, writes);
      await client.query('RELEASE SAVEPOINT batch');
      return writes.map((write) => ({ result: resultOf(write, positions) }));
    } catch (error) {
      if (toPostgresStoreError(error, 'appending events') instanceof StoreUnavailableError) throw error;
      await client.query('ROLLBACK TO SAVEPOINT batch');
    }
    const outcomes: Outcome[] = [];
    for (const write of writes) outcomes.push(await this.insertAlone(client, write));
    return outcomes;
  }

  private async insertAlone(client: PoolClient, write: Write): Promise<Outcome> {
    await client.query('SAVEPOINT append');
    try {
      const positions = await this.insert(client, [write]);
      await client.query('RELEASE SAVEPOINT append');
      return { result: resultOf(write, positions) };
    } catch (error) {
      if (toPostgresStoreError(error, 'appending events') instanceof StoreUnavailableError) throw error;
      await client.query('ROLLBACK TO SAVEPOINT append');
      return { failure: error };
    }
  }

  /** One multi-row INSERT in call order (the trigger assigns positions row by row); the last position per stream. */
  private async insert(client: PoolClient, writes: Write[]): Promise<Map<string, bigint>> {
    const rows = writes.flatMap(({ pending, firstRevision }) =>
      pending.events.map((event, offset) => ({ streamId: pending.streamId, revision: firstRevision + offset, ...event })),
    );
    const result = await insertEventRows(client, this.events, rows);
    const last = new Map<string, bigint>();
    for (const row of result) {
      const position = BigInt(row.position);
      if (position > (last.get(row.stream_id) ?? -1n)) last.set(row.stream_id, position);
    }
    return last;
  }

  private recordCommit(batchSize: number): void {
    this.counters.commits += 1;
    this.counters.appends += batchSize;
    this.counters.largestBatch = Math.max(this.counters.largestBatch, batchSize);
  }
}

/** One event row as the events table stores it (data and metadata already JSON text). */
export interface EventRowInput {
  streamId: string;
  revision: number;
  id: string;
  type: string;
  data: string;
  metadata: string;
}

/**
 * One multi-row INSERT into `table` (a quoted schema.events), in the order given: the position
 * trigger numbers the rows in that order. Returns each row's stream and position.
 */
export async function insertEventRows(
  client: ClientBase,
  table: string,
  rows: readonly EventRowInput[],
): Promise<Array<{ stream_id: string; position: string }>> {
  const result = await client.query<{ stream_id: string; position: string }>(
    `INSERT INTO ${table} (stream_id, revision, event_id, type, data, metadata)
     SELECT stream_id, revision, event_id, type, data::json, metadata::json
     FROM unnest($1::text[], $2::integer[], $3::text[], $4::text[], $5::text[], $6::text[])
       WITH ORDINALITY AS e(stream_id, revision, event_id, type, data, metadata)
     ORDER BY ordinality
     RETURNING stream_id, position`,
    [
      rows.map((row) => row.streamId),
      rows.map((row) => row.revision),
      rows.map((row) => row.id),
      rows.map((row) => row.type),
      rows.map((row) => row.data),
      rows.map((row) => row.metadata),
    ],
  );
  return result.rows;
}

/**
 * The first queued append of each stream goes in the batch; the others wait for the next one, in
 * call order. So appends to one stream apply in the order they were made, each decided against
 * what the one before it wrote, and a batch is decided in one look-up.
 */
function takeBatch(queue: PendingAppend[]): { batch: PendingAppend[]; later: PendingAppend[] } {
  const streams = new Set<string>();
  const batch: PendingAppend[] = [];
  const later: PendingAppend[] = [];
  for (const pending of queue) {
    if (streams.has(pending.streamId)) later.push(pending);
    else {
      streams.add(pending.streamId);
      batch.push(pending);
    }
  }
  return { batch, later };
}

function resultOf({ pending, firstRevision }: Write, lastPositions: Map<string, bigint>): AppendResult {
  return { nextRevision: firstRevision + pending.events.length - 1, position: lastPositions.get(pending.streamId) ?? -1n };
}
