/**
 * The caseload list: one row per journey with the fields caseloads filter on, and the journey's
 * machine snapshot so that each new event is applied without replaying the whole stream.
 */
import type Database from 'better-sqlite3';
import {
  apply,
  initialSnapshot,
  rehydrate,
  summarise,
  type JourneyContext,
  type WorkflowDefinition,
  type WorkflowRegistry,
} from '../../workflows';
import type { StoredEvent } from '../event-store/event-store';
import { journeyIdOf, metadataOf, toMachineEvent } from '../journeys/journey-records';
import { LruCache } from '../common/lru-cache';
import { prepared } from './prepared';
import type { JourneyFoldProjection } from './projection';

/**
 * Journeys whose latest snapshot the projection keeps parsed in memory: the ones being worked on
 * now. Small, since the command side keeps its own cache and memory is budgeted per instance.
 */
const SNAPSHOT_CACHE_SIZE = 2_000;

type Snapshot = ReturnType<typeof apply>;

export interface CaseloadFilter {
  state?: string;
  step?: string;
  status?: string;
  fundingStream?: string;
  route?: string;
  /** Journeys referred by this organisation; null: journeys recorded without one (access policy). */
  organisation?: string | null;
}

export interface CaseloadRow {
  id: string;
  workflow: { id: string; version: number };
  state: string;
  step: string;
  status: string;
  fundingStream: string | null;
  route: string | null;
  revision: number;
  referredAt: string | null;
  lastOccurredAt: string | null;
}

interface StoredRow {
  journey_id: string;
  workflow_id: string;
  workflow_version: number;
  state: string;
  step: string;
  status: string;
  funding_stream: string | null;
  route: string | null;
  revision: number;
  referred_at: string | null;
  last_occurred_at: string | null;
  snapshot: string;
}

/** A journey as the batch leaves it: summarised and serialised when the batch is flushed. */
interface UnwrittenRow {
  id: string;
  definition: WorkflowDefinition;
  organisation: string | null;
  revision: number;
  snapshot: Snapshot;
}

/** A caseload row as UPSERT binds it: the row as served, with what is kept beside it. */
type CaseloadWrite = Omit<CaseloadRow, 'workflow'> & {
  workflowId: string;
  workflowVersion: number;
  organisation: string | null;
  snapshot: string;
};

function toWrite({ id, definition, organisation, revision, snapshot }: UnwrittenRow): CaseloadWrite {
  const summary = summarise(definition, snapshot);
  return {
    id,
    workflowId: definition.id,
    workflowVersion: definition.version,
    organisation,
    state: summary.state,
    step: summary.step,
    status: summary.status,
    fundingStream: summary.fundingStream,
    route: summary.route,
    revision,
    referredAt: summary.referredAt,
    lastOccurredAt: summary.lastOccurredAt,
    snapshot: JSON.stringify({ value: snapshot.value, context: snapshot.context }),
  };
}

const FILTER_COLUMNS: Record<keyof CaseloadFilter, string> = {
  state: 'state',
  step: 'step',
  status: 'status',
  fundingStream: 'funding_stream',
  route: 'route',
  organisation: 'organisation',
};

export class CaseloadProjection implements JourneyFoldProjection<CaseloadWrite[]> {
  readonly name = 'caseload';
  /**
   * The snapshot each row holds, already parsed, keyed by the revision it stands at: a cache of
   * the row, never ahead of it in meaning (an entry whose revision does not fit the event is
   * ignored and the row is read instead, so a batch rolled back cannot leave it wrong).
   */
  private readonly snapshots = new LruCache<{ revision: number; snapshot: Snapshot }>(SNAPSHOT_CACHE_SIZE);
  private readonly initials = new WeakMap<WorkflowDefinition, Snapshot>();
  /** Rows of the batch being applied, by journey, written once each by flush(). */
  private readonly unwritten = new Map<string, UnwrittenRow>();

  constructor(private readonly registry: WorkflowRegistry) {}

  setup(db: Database.Database): void {
    db.exec(`
      CREATE TABLE IF NOT EXISTS caseload (
        journey_id TEXT PRIMARY KEY,
        workflow_id TEXT NOT NULL,
        workflow_version INTEGER NOT NULL,
        organisation TEXT,
        state TEXT NOT NULL,
        step TEXT NOT NULL,
        status TEXT NOT NULL,
        funding_stream TEXT,
        route TEXT,
        revision INTEGER NOT NULL,
        referred_at TEXT,
        last_occurred_at TEXT,
        snapshot TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS caseload_status ON caseload (status, referred_at);
      CREATE INDEX IF NOT EXISTS caseload_step ON caseload (step, referred_at);
      CREATE INDEX IF NOT EXISTS caseload_stream ON caseload (funding_stream, referred_at);
      CREATE INDEX IF NOT EXISTS caseload_organisation ON caseload (organisation, referred_at);
    `);
  }

  drop(db: Database.Database): void {
    db.exec('DROP TABLE IF EXISTS caseload');
    this.snapshots.clear();
    this.unwritten.clear();
  }

  apply(db: Database.Database, event: StoredEvent): void {
    const journeyId = journeyIdOf(event.streamId);
    const { workflow, actor } = metadataOf(event);
    const definition = this.registry.get(workflow.id, workflow.version);
    const before = event.revision === 0 ? this.initialOf(definition) : this.snapshotOf(db, journeyId, event.revision - 1, definition);
    const after = apply(definition, before, toMachineEvent(event));
    // The organisation is the referrer's, set by the first event and never updated after it.
    const organisation = event.revision === 0 ? (actor.organisation ?? null) : (this.unwritten.get(journeyId)?.organisation ?? null);
    this.unwritten.set(journeyId, { id: journeyId, definition, organisation, revision: event.revision, snapshot: after });
    this.snapshots.set(journeyId, { revision: event.revision, snapshot: after });
  }

  flush(db: Database.Database): void {
    this.write(db, this.takeWrites());
  }

  /** The batch's rows, one a journey, summarised and serialised from its last snapshot in the batch. */
  takeWrites(): CaseloadWrite[] {
    const rows = Array.from(this.unwritten.values(), toWrite);
    this.unwritten.clear();
    return rows;
  }

  write(db: Database.Database, rows: readonly CaseloadWrite[]): void {
    const upsert = prepared(db, UPSERT);
    for (const row of rows) upsert.run(row);
  }

  discard(): void {
    this.unwritten.clear();
  }

  list(db: Database.Database, filter: CaseloadFilter, page: { limit: number; offset: number }): { total: number; items: CaseloadRow[] } {
    const conditions = (Object.keys(FILTER_COLUMNS) as Array<keyof CaseloadFilter>)
      .filter((key) => filter[key] !== undefined)
      // IS rather than = so that `organisation: null` finds the journeys recorded without one.
      .map((key) => `${FILTER_COLUMNS[key]} ${key === 'organisation' ? 'IS' : '='} @${key}`);
    const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
    const total = (db.prepare(`SELECT COUNT(*) AS n FROM caseload ${where}`).get(filter) as { n: number }).n;
    const rows = db
      .prepare(`SELECT * FROM caseload ${where} ORDER BY referred_at, journey_id LIMIT @limit OFFSET @offset`)
      .all({ ...filter, ...page }) as StoredRow[];
    return { total, items: rows.map(toCaseloadRow) };
  }

  /** A machine's initial snapshot, computed once: snapshots are never changed, only replaced. */
  private initialOf(definition: WorkflowDefinition): Snapshot {
    let initial = this.initials.get(definition);
    if (!initial) {
      initial = initialSnapshot(definition);
      this.initials.set(definition, initial);
    }
    return initial;
  }

  private snapshotOf(db: Database.Database, journeyId: string, revision: number, definition: Parameters<typeof rehydrate>[0]): Snapshot {
    const unwritten = this.unwritten.get(journeyId);
    if (unwritten?.revision === revision) return unwritten.snapshot;
    const cached = this.snapshots.get(journeyId);
    if (cached?.revision === revision) return cached.snapshot;
    const row = prepared<[string], { snapshot: string }>(db, 'SELECT snapshot FROM caseload WHERE journey_id = ?').get(journeyId);
    if (!row) throw new Error(`caseload has no row for journey ${journeyId}: the read model is behind its checkpoint`);
    const persisted = JSON.parse(row.snapshot) as { value: Parameters<typeof rehydrate>[1]['value']; context: JourneyContext };
    return rehydrate(definition, persisted);
  }
}

const UPSERT = `INSERT INTO caseload (journey_id, workflow_id, workflow_version, organisation, state, step, status, funding_stream, route,
    revision, referred_at, last_occurred_at, snapshot)
  VALUES (@id, @workflowId, @workflowVersion, @organisation, @state, @step, @status, @fundingStream, @route,
    @revision, @referredAt, @lastOccurredAt, @snapshot)
  ON CONFLICT(journey_id) DO UPDATE SET state = excluded.state, step = excluded.step, status = excluded.status,
    funding_stream = excluded.funding_stream, route = excluded.route, revision = excluded.revision,
    referred_at = excluded.referred_at, last_occurred_at = excluded.last_occurred_at, snapshot = excluded.snapshot`;

function toCaseloadRow(row: StoredRow): CaseloadRow {
  return {
    id: row.journey_id,
    workflow: { id: row.workflow_id, version: row.workflow_version },
    state: row.state,
    step: row.step,
    status: row.status,
    fundingStream: row.funding_stream,
    route: row.route,
    revision: row.revision,
    referredAt: row.referred_at,
    lastOccurredAt: row.last_occurred_at,
  };
}
