/**
 * The PostgreSQL variables: POSTGRES_URL (the engine's everyday role, required with
 * EVENT_STORE=postgres), POSTGRES_MIGRATION_URL (optional: the schema owner that runs migrations
 * and grants the everyday role SELECT and INSERT only) and POSTGRES_SCHEMA (default `engine`).
 * Connection strings may carry passwords, so they are never quoted back.
 */
import { PLAIN_IDENTIFIER } from '../event-store/postgres/identifiers';
import type { EventStoreKind } from './app-config';

/** Reads a variable, trimmed, undefined when empty (load-config's `value`). */
type Read = (name: string) => string | undefined;

export interface PostgresSettings {
  postgresUrl?: string;
  postgresMigrationUrl?: string;
  postgresSchema?: string;
}

const SCHEMES = ['postgres://', 'postgresql://'];

export function parsePostgres(
  read: Read,
  eventStore: EventStoreKind,
  issues: Array<{ variable: string; rule: string }>,
): PostgresSettings {
  const postgresUrl = connectionString(read, 'POSTGRES_URL', issues);
  const postgresMigrationUrl = connectionString(read, 'POSTGRES_MIGRATION_URL', issues);
  const postgresSchema = read('POSTGRES_SCHEMA');
  if (eventStore === 'postgres' && postgresUrl === undefined) {
    issues.push({ variable: 'POSTGRES_URL', rule: 'is required when EVENT_STORE=postgres' });
  }
  if (postgresSchema !== undefined && !PLAIN_IDENTIFIER.test(postgresSchema)) {
    issues.push({ variable: 'POSTGRES_SCHEMA', rule: 'must be a lower-case SQL identifier (a-z, 0-9, _; at most 47 characters)' });
  }
  return { postgresUrl, postgresMigrationUrl, postgresSchema };
}

function connectionString(read: Read, name: string, issues: Array<{ variable: string; rule: string }>): string | undefined {
  const raw = read(name);
  if (raw !== undefined && !SCHEMES.some((scheme) => raw.startsWith(scheme))) {
    issues.push({ variable: name, rule: `must start with ${SCHEMES.join(' or ')}` });
  }
  return raw;
}

