/**
 * How a follower of the global order never skips a committed event.
 *
 * The problem: positions come from a sequence, and a sequence hands out values when a transaction
 * asks, not when it commits. Transaction A draws 10, transaction B draws 11 and commits first; a
 * follower that reads 11 and moves its checkpoint past 10 never sees A's event when A commits.
 *
 * The two ways PostgreSQL-based stores solve it:
 *
 * 1. Transaction ids (Emmett's and Beckett's `transaction_id xid8 DEFAULT pg_current_xact_id()`):
 *    readers keep to rows whose transaction is older than every transaction still running
 *    (`transaction_id < pg_snapshot_xmin(pg_current_snapshot())`) and order by
 *    `(transaction_id, position)`. Writers never wait for each other. But the order readers see is
 *    not the position order, so a checkpoint is the pair (transaction id, position), and one long
 *    transaction anywhere in the database (a report, a vacuum, a stuck session) holds every follower
 *    back until it ends.
 *
 * 2. Commit order (what this adapter does): every appending transaction takes one transaction-level
 *    advisory lock before it draws a position and keeps it until COMMIT has made its rows visible
 *    (CommitTransaction in PostgreSQL's xact.c marks the transaction finished for other snapshots
 *    "_before_ releasing locks we hold", after the commit record is flushed). So positions are drawn and
 *    become visible in one order: whenever a reader sees position N, every position below N is
 *    either visible too or was rolled back and never will be (a gap, which the port allows).
 *
 * Why 2: the port's position is ONE strictly increasing bigint that readers page on
 * (`readAll({ after })`), and every other adapter (SQLite, KurrentDB) gives exactly that; with 2,
 * "everything after my checkpoint" is a plain `position > $1` on the primary key, and the head
 * read in one query bounds a page read in the next (see reads.ts). The cost is that appends from
 * all instances take turns for the time between their first insert and their commit; group commit
 * (append.ts) puts the appends an instance has waiting into one such turn, so the lock is taken
 * once per batch and one WAL flush serves the batch. Appends are short (a few inserts), so the
 * turns are short. Marten's high-water-mark approach (wait a while for a gap to fill, then skip
 * it) was not taken: it can skip an event whose transaction is merely slow.
 *
 * The lock is taken by the position trigger itself (schema.ts), so even an INSERT that does not go
 * through this adapter cannot commit a position out of order; append.ts also takes it up front, so
 * the revision checks of a batch run under it and cannot race another instance.
 */

/** The SQL expression for the advisory lock key that orders commits in one schema's events table. */
export function commitOrderLockKey(schema: string): string {
  return `hashtext('${schema}.events.commit_order')`;
}
