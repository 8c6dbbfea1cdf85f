/**
 * A read-model file as plain rows, table by table, ordered by each table's key: two read models
 * are equal exactly when their dumps are. The checkpoint is part of it, so "equal" also means
 * "up to the same position".
 */
import type Database from 'better-sqlite3';

/** Every table the service's read models and the test's counting projection keep, with its key. */
const TABLES: Record<string, string> = {
  caseload: 'journey_id',
  clock_folds: 'journey_id',
  open_clocks: 'journey_id, clock_key',
  late_entries: 'journey_id, clock_key, due_at',
  decisions: 'journey_id, revision',
  event_counts: 'journey_id',
  checkpoints: 'name',
};

export type Dump = Record<string, unknown[]>;

export function dumpReadModels(db: Database.Database): Dump {
  const present = new Set(
    (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map((row) => row.name),
  );
  return Object.fromEntries(
    Object.entries(TABLES)
      .filter(([table]) => present.has(table))
      .map(([table, key]) => [table, db.prepare(`SELECT * FROM ${table} ORDER BY ${key}`).all()]),
  );
}

/** How many rows each table holds: a quick check that a dump compared is not trivially empty. */
export function rowCounts(dump: Dump): Record<string, number> {
  return Object.fromEntries(Object.entries(dump).map(([table, rows]) => [table, rows.length]));
}
