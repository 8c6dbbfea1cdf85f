/**
 * Maps node-postgres failures to the port's StoreUnavailableError (answered as 503 by src/errors),
 * leaving the engine's own errors (conflicts, bad input) as they are.
 */
import { StoreUnavailableError } from '../event-store';

/** SQLSTATE classes and codes that mean "the store cannot be used now", not "the request was wrong". */
const UNAVAILABLE_SQLSTATES: ReadonlyArray<[RegExp, string]> = [
  [/^08/, 'the connection to PostgreSQL failed'],
  [/^53/, 'PostgreSQL ran out of a resource (disk, memory or connections)'],
  [/^57P0[1-4]$/, 'PostgreSQL is shutting down, starting up or cancelled the statement'],
  [/^58/, 'PostgreSQL reported a system (I/O) error'],
  [/^25006$/, 'the database is read-only (a standby, or default_transaction_read_only)'],
  [/^42501$/, "the engine's role lacks a privilege it needs (see docs/postgres.md)"],
  [/^3D000$/, 'the database does not exist'],
  [/^28/, 'PostgreSQL refused the credentials'],
  [/^40001$|^40P01$/, 'PostgreSQL aborted the transaction (serialization failure or deadlock)'],
];

/** Socket-level failures from Node, before PostgreSQL could answer. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'EPIPE', 'EAI_AGAIN']);

/** node-postgres reports a dropped or timed-out connection with these messages and no code. */
const CONNECTION_MESSAGES = /Connection terminated|connection timeout|Client has encountered a connection error|Client was closed/i;

export function toPostgresStoreError(error: unknown, action: string): unknown {
  if (error instanceof StoreUnavailableError) return error;
  const reason = unavailableReason(error);
  if (reason === undefined) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new StoreUnavailableError(`event store unavailable while ${action}: ${reason} (${detail})`, error);
}

function unavailableReason(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code)) return `PostgreSQL cannot be reached (${code})`;
    const known = UNAVAILABLE_SQLSTATES.find(([pattern]) => pattern.test(code));
    if (known) return `${known[1]} (SQLSTATE ${code})`;
    return undefined;
  }
  if (error instanceof Error && CONNECTION_MESSAGES.test(error.message)) return 'the connection to PostgreSQL was lost';
  return undefined;
}
