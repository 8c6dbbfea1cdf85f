/**
 * The read queries: one stream, a page of the global order, the head, and a follower's page.
 *
 * Because positions commit in order (commit-order.ts), "everything after my checkpoint" is a plain
 * range scan on the primary key: a reader that sees position N sees everything below N that will
 * ever exist.
 */
import type { Pool } from 'pg';
import type { StoredEvent } from '../event-store';
import type { FollowPage } from '../follower';
import { quoteIdentifier } from './identifiers';

interface EventRow {
  position: string;
  stream_id: string;
  revision: number;
  event_id: string;
  type: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

const COLUMNS = 'position, stream_id, revision, event_id, type, data, metadata';

export class PostgresReads {
  private readonly events: string;

  constructor(
    private readonly pool: Pool,
    schema: string,
  ) {
    this.events = `${quoteIdentifier(schema)}.events`;
  }

  async stream(streamId: string, fromRevision: number, toRevision: number): Promise<StoredEvent[]> {
    const result = await this.pool.query<EventRow>(
      `SELECT ${COLUMNS} FROM ${this.events}
       WHERE stream_id = $1 AND revision >= $2 AND revision <= $3 ORDER BY revision`,
      [streamId, fromRevision, Math.min(toRevision, 2_147_483_647)],
    );
    return result.rows.map(toStoredEvent);
  }

  /** Events strictly after `after`, in position order; `upTo` (inclusive) bounds the scan when given. */
  async page(after: bigint, limit: number, prefix?: string, upTo?: bigint): Promise<StoredEvent[]> {
    if (limit <= 0) return [];
    const values: unknown[] = [after.toString(), limit];
    let where = 'position > $1';
    if (prefix !== undefined) {
      values.push(prefix);
      // left() rather than LIKE: a prefix may contain % or _, which LIKE would treat as wildcards.
      where += ` AND left(stream_id, length($${values.length})) = $${values.length}`;
    }
    if (upTo !== undefined) {
      values.push(upTo.toString());
      where += ` AND position <= $${values.length}`;
    }
    const result = await this.pool.query<EventRow>(
      `SELECT ${COLUMNS} FROM ${this.events} WHERE ${where} ORDER BY position LIMIT $2`,
      values,
    );
    return result.rows.map(toStoredEvent);
  }

  async head(): Promise<bigint> {
    const result = await this.pool.query<{ head: string | null }>(`SELECT max(position) AS head FROM ${this.events}`);
    const head = result.rows[0].head;
    return head === null ? -1n : BigInt(head);
  }

  /**
   * A follower's page. The head is read FIRST, then the page up to it: every position up to that
   * head had committed when it was read (commit order), so the page cannot miss one, and
   * `scannedTo` may safely move to the head when the page was not full.
   */
  async followPage(after: bigint, limit: number, prefix?: string): Promise<FollowPage> {
    const head = await this.head();
    if (head <= after) return { events: [], scannedTo: after };
    const events = await this.page(after, limit, prefix, head);
    const scannedTo = events.length >= limit ? events[events.length - 1].position : head;
    return { events, scannedTo };
  }
}

function toStoredEvent(row: EventRow): StoredEvent {
  return {
    id: row.event_id,
    type: row.type,
    data: row.data,
    metadata: row.metadata,
    streamId: row.stream_id,
    revision: row.revision,
    position: BigInt(row.position),
  };
}
