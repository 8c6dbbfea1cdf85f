/**
 * Every open clock of every journey, with its due time: what the scheduler wakes for and what the
 * overdue list shows. Each journey's clock fold is kept so a new event is folded in without
 * re-reading the stream. Beside them, every clock "met, recorded late" (v2 rule 8): the miss the
 * engine recorded and the later entry that showed the work done in time, for auditors.
 */
import type Database from 'better-sqlite3';
import {
  evolveClocks,
  initialClockFold,
  lateEntries,
  markableAt,
  openClocks,
  type ClockFold,
  type ClockInstance,
  type WorkflowPolicy,
  type WorkflowRegistry,
} from '../../workflows';
import type { StoredEvent } from '../event-store/event-store';
import { journeyIdOf, metadataOf, toMachineEvent } from '../journeys/journey-records';
import { prepared } from './prepared';
import type { JourneyFoldProjection } from './projection';

export interface OpenClockRow extends ClockInstance {
  journeyId: string;
  fundingStream: string | null;
}

/** A clock met, recorded late: the instance (status `met-late`) and when the late entry was recorded. */
export interface LateEntryRow extends OpenClockRow {
  /** The engine's `recordedAt` of the fact at `recordedLateAtRevision`. */
  recordedLateAt: string;
}

export interface ClockListFilter {
  clock?: string;
  fundingStream?: string;
  limit: number;
  /** Only journeys of this organisation (null: recorded without one), as the caseload table says. */
  organisation?: string | null;
}

export interface OverdueFilter extends ClockListFilter {
  /** Include running clocks due before this time (ISO); missed clocks are always included. */
  dueBefore: string;
}

export interface ClockCount {
  clock: string;
  status: string;
  count: number;
}

interface StoredClock {
  journey_id: string;
  clock_key: string;
  instance: string;
  funding_stream: string | null;
  /** When the scheduler may record a running clock missed: its due time, or later under a late-entry grace. */
  mark_at: string;
}

/** An open clock and when the scheduler may record it missed. */
interface OpenClock {
  instance: ClockInstance;
  markAt: string;
}

interface StoredLateEntry extends Omit<StoredClock, 'mark_at'> {
  recorded_late_at: string;
}

/** An open_clocks row as bound: journey, key, clock, status, due, funding stream, instance, mark_at. */
type OpenClockValues = [string, string, string, string, string, string | null, string, string];
/** A late_entries row as bound: journey, key, clock, due, funding stream, recorded late at, instance. */
type LateEntryValues = [string, string, string, string, string | null, string, string];

/** What a batch writes for one journey (plain data: it may be folded on another thread). */
interface ClockWrites {
  journeyId: string;
  fold: string;
  open: OpenClockValues[];
  late: LateEntryValues[];
}

export class DeadlinesProjection implements JourneyFoldProjection<ClockWrites[]> {
  readonly name = 'deadlines';
  /**
   * 2: the clock fold remembers which step each challenge would reopen (older folds lack it).
   * 3: `mark_at` (late-entry grace), met-late clocks leave the open ones for `late_entries`.
   */
  readonly version = 3;
  /** Folds and open clocks of the batch being applied, by journey, written once each by flush(). */
  private readonly unwritten = new Map<string, { fold: ClockFold; open: OpenClock[]; late: LateEntryValues[] }>();

  constructor(private readonly registry: WorkflowRegistry) {}

  setup(db: Database.Database): void {
    db.exec(`
      CREATE TABLE IF NOT EXISTS clock_folds (journey_id TEXT PRIMARY KEY, fold TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS open_clocks (
        journey_id TEXT NOT NULL,
        clock_key TEXT NOT NULL,
        clock TEXT NOT NULL,
        status TEXT NOT NULL,
        due_at TEXT NOT NULL,
        funding_stream TEXT,
        instance TEXT NOT NULL,
        mark_at TEXT NOT NULL,
        PRIMARY KEY (journey_id, clock_key)
      );
      CREATE INDEX IF NOT EXISTS open_clocks_mark ON open_clocks (status, mark_at);
      CREATE TABLE IF NOT EXISTS late_entries (
        journey_id TEXT NOT NULL,
        clock_key TEXT NOT NULL,
        clock TEXT NOT NULL,
        due_at TEXT NOT NULL,
        funding_stream TEXT,
        recorded_late_at TEXT NOT NULL,
        instance TEXT NOT NULL,
        PRIMARY KEY (journey_id, clock_key, due_at)
      );
      CREATE INDEX IF NOT EXISTS late_entries_due ON late_entries (due_at);
    `);
  }

  drop(db: Database.Database): void {
    db.exec('DROP TABLE IF EXISTS clock_folds; DROP TABLE IF EXISTS open_clocks; DROP TABLE IF EXISTS late_entries;');
    this.unwritten.clear();
  }

  apply(db: Database.Database, event: StoredEvent): void {
    const journeyId = journeyIdOf(event.streamId);
    const { workflow, recordedAt } = metadataOf(event);
    const { policy } = this.registry.get(workflow.id, workflow.version);
    const before = event.revision === 0 ? initialClockFold() : this.foldOf(db, journeyId);
    const after = evolveClocks(policy, before, toMachineEvent(event));
    const open = this.openClocksAfter(db, journeyId, after, policy, { revision: event.revision, recordedAt });
    const late = this.unwritten.get(journeyId)?.late ?? [];
    for (const instance of lateEntries(after.instances)) {
      if (instance.recordedLateAtRevision !== event.revision) continue;
      late.push([journeyId, instance.key, instance.clock, instance.dueAt, after.facts.fundingStream, recordedAt, JSON.stringify(instance)]);
    }
    this.unwritten.set(journeyId, { fold: after, open, late });
  }

  flush(db: Database.Database): void {
    this.write(db, this.takeWrites());
  }

  /** Each journey's fold, open clocks and late entries as the batch leaves them, as the rows they make. */
  takeWrites(): ClockWrites[] {
    const writes = Array.from(this.unwritten, ([journeyId, { fold, open, late }]) => ({
      journeyId,
      fold: JSON.stringify(fold),
      open: open.map(({ instance, markAt }): OpenClockValues => [
        journeyId,
        instance.key,
        instance.clock,
        instance.status,
        instance.dueAt,
        fold.facts.fundingStream,
        JSON.stringify(instance),
        markAt,
      ]),
      late,
    }));
    this.unwritten.clear();
    return writes;
  }

  /** Written once a batch for each journey: its fold, its open clocks replaced, its new late entries. */
  write(db: Database.Database, writes: readonly ClockWrites[]): void {
    const upsertFold = prepared(
      db,
      'INSERT INTO clock_folds (journey_id, fold) VALUES (?, ?) ON CONFLICT(journey_id) DO UPDATE SET fold = excluded.fold',
    );
    const deleteOpen = prepared(db, 'DELETE FROM open_clocks WHERE journey_id = ?');
    const insertOpen = prepared(
      db,
      'INSERT INTO open_clocks (journey_id, clock_key, clock, status, due_at, funding_stream, instance, mark_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const insertLate = prepared(
      db,
      'INSERT INTO late_entries (journey_id, clock_key, clock, due_at, funding_stream, recorded_late_at, instance) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    for (const { journeyId, fold, open, late } of writes) {
      upsertFold.run(journeyId, fold);
      deleteOpen.run(journeyId);
      for (const values of open) insertOpen.run(...values);
      for (const values of late) insertLate.run(...values);
    }
  }

  discard(): void {
    this.unwritten.clear();
  }

  /**
   * The journey's open clocks after the event. A clock's `mark_at` needs the `recordedAt` of the
   * fact that started it: that is this event for a clock it started; an older clock keeps the one it had.
   */
  private openClocksAfter(
    db: Database.Database,
    journeyId: string,
    fold: ClockFold,
    policy: WorkflowPolicy,
    event: { revision: number; recordedAt: string },
  ): OpenClock[] {
    const markAtOf = new Map(this.openClocksBefore(db, journeyId).map(({ instance, markAt }) => [startKey(instance), markAt]));
    return openClocks(fold.instances).map((instance) => ({
      instance,
      markAt:
        instance.startedAtRevision === event.revision
          ? markableAt(policy, instance, event.recordedAt)
          : (markAtOf.get(startKey(instance)) ?? instance.dueAt),
    }));
  }

  private openClocksBefore(db: Database.Database, journeyId: string): OpenClock[] {
    const unwritten = this.unwritten.get(journeyId);
    if (unwritten) return unwritten.open;
    const rows = prepared(db, 'SELECT instance, mark_at FROM open_clocks WHERE journey_id = ?').all(journeyId) as Array<
      Pick<StoredClock, 'instance' | 'mark_at'>
    >;
    return rows.map((row) => ({ instance: JSON.parse(row.instance) as ClockInstance, markAt: row.mark_at }));
  }

  /** The earliest time a running clock may be recorded missed (after `after`, if given), or null. */
  nextDue(db: Database.Database, after = ''): string | null {
    const row = prepared(db, "SELECT MIN(mark_at) AS due FROM open_clocks WHERE status = 'running' AND mark_at > ?").get(after) as {
      due: string | null;
    };
    return row.due;
  }

  /** How many clocks are open, by clock and status (running or missed): what the metrics show. */
  counts(db: Database.Database): ClockCount[] {
    return prepared(db, 'SELECT clock, status, COUNT(*) AS count FROM open_clocks GROUP BY clock, status').all() as ClockCount[];
  }

  /** Running clocks the scheduler may record as missed at `now`: due, and past any late-entry grace. */
  due(db: Database.Database, now: string, limit: number): OpenClockRow[] {
    const rows = db
      .prepare("SELECT * FROM open_clocks WHERE status = 'running' AND mark_at <= ? ORDER BY mark_at LIMIT ?")
      .all(now, limit) as StoredClock[];
    return rows.map(toRow);
  }

  /** Missed clocks and running ones due before `dueBefore`, most urgent (earliest due) first. */
  overdue(db: Database.Database, filter: OverdueFilter): OpenClockRow[] {
    const rows = db
      .prepare(
        `SELECT * FROM open_clocks
         WHERE (status = 'missed' OR due_at <= @dueBefore) AND ${listConditions(filter)}
         ORDER BY due_at, journey_id LIMIT @limit`,
      )
      .all({ ...listParameters(filter), dueBefore: filter.dueBefore }) as StoredClock[];
    return rows.map(toRow);
  }

  /** Clocks met, recorded late (rule 8), earliest due first: each carries its miss and its late entry. */
  lateEntries(db: Database.Database, filter: ClockListFilter): LateEntryRow[] {
    const rows = db
      .prepare(`SELECT * FROM late_entries WHERE ${listConditions(filter)} ORDER BY due_at, journey_id LIMIT @limit`)
      .all(listParameters(filter)) as StoredLateEntry[];
    return rows.map((row) => ({ ...toRow(row), recordedLateAt: row.recorded_late_at }));
  }

  private foldOf(db: Database.Database, journeyId: string): ClockFold {
    const unwritten = this.unwritten.get(journeyId);
    if (unwritten) return unwritten.fold;
    const row = prepared(db, 'SELECT fold FROM clock_folds WHERE journey_id = ?').get(journeyId) as { fold: string } | undefined;
    if (!row) throw new Error(`deadlines read model has no clocks for journey ${journeyId}: it is behind its checkpoint`);
    return JSON.parse(row.fold) as ClockFold;
  }
}

/** Which instance of a clock: a restarted clock keeps its key but starts at a new revision. */
function startKey(instance: ClockInstance): string {
  return `${instance.key}@${instance.startedAtRevision}`;
}

/** The list filters both clock lists share (SQL over `clock`, `funding_stream`, `journey_id`). */
function listConditions(filter: ClockListFilter): string {
  // The organisation lives in the caseload read model (same database, same batches), so the
  // clocks are not given a copy of it that could disagree.
  const ofOrganisation =
    filter.organisation === undefined ? '' : 'AND journey_id IN (SELECT journey_id FROM caseload WHERE organisation IS @organisation)';
  return `(@clock IS NULL OR clock = @clock) AND (@fundingStream IS NULL OR funding_stream = @fundingStream) ${ofOrganisation}`;
}

function listParameters(filter: ClockListFilter): Record<string, unknown> {
  return {
    clock: filter.clock ?? null,
    fundingStream: filter.fundingStream ?? null,
    limit: filter.limit,
    ...(filter.organisation === undefined ? {} : { organisation: filter.organisation }),
  };
}

function toRow(row: Omit<StoredClock, 'mark_at'>): OpenClockRow {
  return { ...(JSON.parse(row.instance) as ClockInstance), journeyId: row.journey_id, fundingStream: row.funding_stream };
}
