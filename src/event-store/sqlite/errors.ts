/**
 * Maps better-sqlite3 failures to the port's StoreUnavailableError (answered as 503 by src/errors),
 * leaving the engine's own errors (conflicts, bad input) and constraint failures as they are.
 */
import { StoreUnavailableError } from '../event-store';

/** SQLite result codes that mean "the store cannot be used now", not "the request was wrong". */
const UNAVAILABLE_CODES: ReadonlyArray<[RegExp, string]> = [
  [/^SQLITE_FULL/, 'the disk (or the configured file size limit) is full'],
  [/^SQLITE_READONLY/, 'the database is read-only'],
  [/^SQLITE_IOERR/, 'a disk I/O error occurred'],
  [/^SQLITE_CANTOPEN/, 'the database file cannot be opened'],
  [/^SQLITE_(BUSY|LOCKED)/, 'another connection held the database lock past the busy timeout'],
  [/^SQLITE_(CORRUPT|NOTADB)/, 'the file is not a usable event store database'],
  [/^SQLITE_(PERM|AUTH)/, 'access to the database file was denied'],
  [/^SQLITE_NOMEM/, 'SQLite ran out of memory'],
];

/** Maps an SQLite failure to StoreUnavailableError with a readable message; other errors pass through. */
export function toStoreError(error: unknown, action: string): unknown {
  if (error instanceof StoreUnavailableError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return error;
  const known = UNAVAILABLE_CODES.find(([pattern]) => pattern.test(code));
  if (!known) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new StoreUnavailableError(`event store unavailable while ${action}: ${known[1]} (${code}: ${detail})`, error);
}
