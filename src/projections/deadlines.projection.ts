/**
 * Every open clock of every journey, with its due time: what the scheduler wakes for and what the
 * overdue list shows. Each journey's clock fold is kept so a new event is folded in without
 * re-reading the stream.
 */
import type Database from 'better-sqlite3';
import { evolveClocks, initialClockFold, type ClockFold, type ClockInstance, type WorkflowRegistry } from '../../workflows';
import type { StoredEvent } from '../event-store/event-store';
import { journeyIdOf, metadataOf, toMachineEvent } from '../journeys/journey-records';
import { prepared } from './prepared';
import type { Projection } from './projection';

export interface OpenClockRow extends ClockInstance {
  journeyId: string;
  fundingStream: string | null;
}

export interface OverdueFilter {
  clock?: string;
  fundingStream?: string;
  /** Include running clocks due before this time (ISO); missed clocks are always included. */
  dueBefore: string;
  limit: number;
  /** Only journeys of this organisation (null: recorded without one), as the caseload table says. */
  organisation?: string | null;
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
}

export class DeadlinesProjection implements Projection {
  readonly name = 'deadlines';
  /** 2: the clock fold remembers which step each challenge would reopen (older folds lack it). */
  readonly version = 2;

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
        PRIMARY KEY (journey_id, clock_key)
      );
      CREATE INDEX IF NOT EXISTS open_clocks_due ON open_clocks (status, due_at);
    `);
  }

  drop(db: Database.Database): void {
    db.exec('DROP TABLE IF EXISTS clock_folds; DROP TABLE IF EXISTS open_clocks;');
  }

  apply(db: Database.Database, event: StoredEvent): void {
    const journeyId = journeyIdOf(event.streamId);
    const { workflow } = metadataOf(event);
    const { policy } = this.registry.get(workflow.id, workflow.version);
    const before = event.revision === 0 ? initialClockFold() : this.foldOf(db, journeyId);
    const after = evolveClocks(policy, before, toMachineEvent(event));
    prepared(db, 'INSERT INTO clock_folds (journey_id, fold) VALUES (?, ?) ON CONFLICT(journey_id) DO UPDATE SET fold = excluded.fold').run(
      journeyId,
      JSON.stringify(after),
    );
    prepared(db, 'DELETE FROM open_clocks WHERE journey_id = ?').run(journeyId);
    const insert = prepared(
      db,
      'INSERT INTO open_clocks (journey_id, clock_key, clock, status, due_at, funding_stream, instance) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    for (const instance of after.instances.filter((candidate) => candidate.status !== 'stopped')) {
      insert.run(journeyId, instance.key, instance.clock, instance.status, instance.dueAt, after.facts.fundingStream, JSON.stringify(instance));
    }
  }

  /** The earliest due time of a running clock (after `after`, if given), or null. */
  nextDue(db: Database.Database, after = ''): string | null {
    const row = prepared(db, "SELECT MIN(due_at) AS due FROM open_clocks WHERE status = 'running' AND due_at > ?").get(after) as {
      due: string | null;
    };
    return row.due;
  }

  /** How many clocks are open, by clock and status (running or missed): what the metrics show. */
  counts(db: Database.Database): ClockCount[] {
    return prepared(db, 'SELECT clock, status, COUNT(*) AS count FROM open_clocks GROUP BY clock, status').all() as ClockCount[];
  }

  /** Running clocks due at or before `now`: the ones the scheduler must record as missed. */
  due(db: Database.Database, now: string, limit: number): OpenClockRow[] {
    const rows = db
      .prepare("SELECT * FROM open_clocks WHERE status = 'running' AND due_at <= ? ORDER BY due_at LIMIT ?")
      .all(now, limit) as StoredClock[];
    return rows.map(toRow);
  }

  /** Missed clocks and running ones due before `dueBefore`, most urgent (earliest due) first. */
  overdue(db: Database.Database, filter: OverdueFilter): OpenClockRow[] {
    // The organisation lives in the caseload read model (same database, same batches), so the
    // clocks are not given a copy of it that could disagree.
    const ofOrganisation =
      filter.organisation === undefined ? '' : 'AND journey_id IN (SELECT journey_id FROM caseload WHERE organisation IS @organisation)';
    const rows = db
      .prepare(
        `SELECT * FROM open_clocks
         WHERE (status = 'missed' OR due_at <= @dueBefore)
           AND (@clock IS NULL OR clock = @clock)
           AND (@fundingStream IS NULL OR funding_stream = @fundingStream)
           ${ofOrganisation}
         ORDER BY due_at, journey_id LIMIT @limit`,
      )
      .all({
        clock: filter.clock ?? null,
        fundingStream: filter.fundingStream ?? null,
        dueBefore: filter.dueBefore,
        limit: filter.limit,
        ...(filter.organisation === undefined ? {} : { organisation: filter.organisation }),
      }) as StoredClock[];
    return rows.map(toRow);
  }

  private foldOf(db: Database.Database, journeyId: string): ClockFold {
    const row = prepared(db, 'SELECT fold FROM clock_folds WHERE journey_id = ?').get(journeyId) as { fold: string } | undefined;
    if (!row) throw new Error(`deadlines read model has no clocks for journey ${journeyId}: it is behind its checkpoint`);
    return JSON.parse(row.fold) as ClockFold;
  }
}

function toRow(row: StoredClock): OpenClockRow {
  return { ...(JSON.parse(row.instance) as ClockInstance), journeyId: row.journey_id, fundingStream: row.funding_stream };
}
