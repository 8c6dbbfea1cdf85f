/**
 * Reads an event store file directly (not through the service) and reports everything that would
 * make it untrustworthy: SQLite's own integrity check, rows whose JSON is not whole, streams with
 * holes in their revisions, broken hash chains, and facts the pinned workflow would refuse on
 * replay. Used after the kill -9 soak and after every fault test; an empty report is a sound store.
 */
import Database from 'better-sqlite3';
import { replayChecked, WorkflowRegistry } from '../../workflows';
import type { StoredEvent } from '../../src/event-store/event-store';
import type { EventRow } from '../../src/event-store/sqlite/statements';
import { verifyChain, type ChainBreak } from '../../src/integrity/hash-chain';
import { metadataOf, toMachineEvent } from '../../src/journeys/journey-records';

export interface StoreAudit {
  /** `ok`, or what PRAGMA integrity_check found. */
  integrity: string;
  events: number;
  /** Last global position, -1 when empty. */
  head: bigint;
  /** Every event, by stream, in revision order. */
  streams: Map<string, StoredEvent[]>;
  /** Rows that are not a whole event: unparsable data or metadata, or a missing field. */
  halfWritten: Array<{ position: number; problem: string }>;
  chainBreaks: Array<{ streamId: string; chainBreak: ChainBreak }>;
  replayRefusals: Array<{ streamId: string; revision: number; type: string; reason: string }>;
}

export function auditStore(file: string): StoreAudit {
  const db = new Database(file, { fileMustExist: true });
  try {
    const integrity = (db.pragma('integrity_check') as Array<{ integrity_check: string }>).map((row) => row.integrity_check).join('; ');
    const rows = db.prepare<[], EventRow>('SELECT * FROM events ORDER BY stream_id, revision').all();
    return { integrity, ...auditRows(rows) };
  } finally {
    db.close();
  }
}

function auditRows(rows: readonly EventRow[]): Omit<StoreAudit, 'integrity'> {
  const halfWritten: StoreAudit['halfWritten'] = [];
  const events: StoredEvent[] = [];
  let head = -1n;
  for (const row of rows) {
    const event = parseRow(row, halfWritten);
    if (BigInt(row.position) > head) head = BigInt(row.position);
    if (event) events.push(event);
  }
  return { ...auditEvents(events), events: rows.length, head, halfWritten };
}

/**
 * The same account of events already read through a store (PostgreSQL, say), in global or stream
 * order: each stream's chain and its replay on the pinned workflow.
 */
export function auditEvents(events: readonly StoredEvent[]): Omit<StoreAudit, 'integrity'> {
  const streams = new Map<string, StoredEvent[]>();
  let head = -1n;
  for (const event of events) {
    if (event.position > head) head = event.position;
    const stream = streams.get(event.streamId) ?? [];
    stream.push(event);
    streams.set(event.streamId, stream);
  }
  const chainBreaks: StoreAudit['chainBreaks'] = [];
  const replayRefusals: StoreAudit['replayRefusals'] = [];
  for (const [streamId, stream] of streams) {
    stream.sort((a, b) => a.revision - b.revision);
    // verifyChain also reports a revision that is not its index: a hole or a repeat.
    const chainBreak = verifyChain(stream);
    if (chainBreak) chainBreaks.push({ streamId, chainBreak });
    const refusal = replayRefusal(stream);
    if (refusal) replayRefusals.push({ streamId, ...refusal });
  }
  return { events: events.length, head, streams, halfWritten: [], chainBreaks, replayRefusals };
}

function parseRow(row: EventRow, halfWritten: StoreAudit['halfWritten']): StoredEvent | null {
  try {
    const data = JSON.parse(row.data) as unknown;
    const metadata = JSON.parse(row.metadata) as unknown;
    if (!isObject(data) || !isObject(metadata)) throw new Error('data and metadata must be JSON objects');
    if (row.type === '' || row.event_id === '') throw new Error('type and id must not be empty');
    return {
      id: row.event_id,
      type: row.type,
      data,
      metadata,
      streamId: row.stream_id,
      revision: row.revision,
      position: BigInt(row.position),
    };
  } catch (error) {
    halfWritten.push({ position: row.position, problem: (error as Error).message });
    return null;
  }
}

const registry = new WorkflowRegistry();

/** Replays the stream on the workflow version its first event pins; the first refused fact, if any. */
function replayRefusal(events: readonly StoredEvent[]): { revision: number; type: string; reason: string } | null {
  try {
    const { workflow } = metadataOf(events[0]);
    const result = replayChecked(registry.get(workflow.id, workflow.version), events.map(toMachineEvent));
    if (result.refusedAt === null) return null;
    const refused = events[result.refusedAt];
    const reason = result.refusal && !result.refusal.ok ? result.refusal.reason : 'refused';
    return { revision: refused.revision, type: refused.type, reason };
  } catch (error) {
    return { revision: events[0].revision, type: events[0].type, reason: (error as Error).message };
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
