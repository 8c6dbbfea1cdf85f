/**
 * Where store:copy reads from and writes to, as given on the command line:
 *
 *   sqlite:<file>              the embedded store's event file
 *   kurrentdb:<connection>     a KurrentDB / EventStoreDB server or cluster, e.g.
 *                              kurrentdb:kurrentdb://localhost:2113?tls=false (esdb:// also works)
 *   postgres:<url>             a PostgreSQL database, e.g. postgres:postgres://engine_owner@db:5432/support;
 *                              `?schema=<name>` picks the schema (default `engine`). As a target, use the
 *                              schema owner's role: it creates and migrates the schema as the service does.
 *
 * The in-memory store is refused: it holds nothing to copy from and keeps nothing copied to it.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../common/cli';
import type { EventStore } from '../event-store/event-store';
import { KurrentDbEventStore } from '../event-store/kurrentdb/kurrentdb-event-store';
import { DEFAULT_POSTGRES_SCHEMA, PostgresEventStore } from '../event-store/postgres/postgres-event-store';
import { PLAIN_IDENTIFIER } from '../event-store/postgres/identifiers';
import { SqliteEventStore } from '../event-store/sqlite/sqlite-event-store';

export type StoreSpec =
  { kind: 'sqlite'; file: string } | { kind: 'kurrentdb'; connection: string } | { kind: 'postgres'; connection: string; schema: string };

const KURRENT_SCHEMES = /^(kurrentdb|esdb|kdb)(\+discover)?:\/\//i;
const POSTGRES_SCHEMES = /^postgres(ql)?:\/\//i;

export function parseStoreSpec(text: string): StoreSpec {
  const colon = text.indexOf(':');
  const kind = colon < 0 ? text : text.slice(0, colon);
  const location = colon < 0 ? '' : text.slice(colon + 1);
  switch (kind) {
    case 'sqlite':
      if (location === '') throw new UsageError('sqlite: needs the event file, e.g. sqlite:./data/events.db');
      return { kind: 'sqlite', file: location };
    case 'kurrentdb':
      if (!KURRENT_SCHEMES.test(location)) {
        throw new UsageError('kurrentdb: needs a connection string, e.g. kurrentdb:kurrentdb://localhost:2113?tls=false');
      }
      return { kind: 'kurrentdb', connection: location };
    case 'postgres':
      return parsePostgresSpec(location);
    case 'memory':
      throw new UsageError('memory: an in-memory store holds nothing to copy from and keeps nothing copied to it');
    default:
      throw new UsageError(`unknown store "${text}": use sqlite:<file>, kurrentdb:<connection string> or postgres:<url>`);
  }
}

/** `schema` is ours, not libpq's: it is taken out of the URL before node-postgres sees it. */
function parsePostgresSpec(location: string): StoreSpec {
  if (!POSTGRES_SCHEMES.test(location)) {
    throw new UsageError('postgres: needs a connection URL, e.g. postgres:postgres://engine_owner@localhost:5432/support');
  }
  const url = new URL(location);
  const schema = url.searchParams.get('schema') ?? DEFAULT_POSTGRES_SCHEMA;
  if (!PLAIN_IDENTIFIER.test(schema)) throw new UsageError(`postgres: schema "${schema}" must be a lower-case SQL identifier`);
  url.searchParams.delete('schema');
  return { kind: 'postgres', connection: url.toString(), schema };
}

/** Refuses copying a store onto itself, which would only compare it with itself. */
export function assertDistinct(from: StoreSpec, to: StoreSpec): void {
  const same =
    (from.kind === 'sqlite' && to.kind === 'sqlite' && resolve(from.file) === resolve(to.file)) ||
    (from.kind === 'kurrentdb' && to.kind === 'kurrentdb' && from.connection === to.connection) ||
    (from.kind === 'postgres' && to.kind === 'postgres' && from.connection === to.connection && from.schema === to.schema);
  if (same) throw new UsageError('--from and --to name the same store');
}

export function describeStore(spec: StoreSpec): string {
  // A connection string may carry a user name and password: show the hosts only.
  if (spec.kind === 'sqlite') return `sqlite ${spec.file}`;
  const hosts = spec.connection.replace(/\/\/[^@/]*@/, '//');
  return spec.kind === 'kurrentdb' ? `kurrentdb ${hosts}` : `postgres ${hosts} schema ${spec.schema}`;
}

/**
 * Opens a store through the same adapters the service uses. The source SQLite file is opened
 * read-only, so a copy can never write into the store it copies from, and must already exist.
 */
export async function openStore(spec: StoreSpec, role: 'source' | 'target'): Promise<EventStore> {
  if (spec.kind === 'sqlite') {
    if (role === 'source' && !existsSync(spec.file)) throw new UsageError(`no event file at ${spec.file}`);
    return new SqliteEventStore(spec.file, { readonly: role === 'source' });
  }
  const store =
    spec.kind === 'kurrentdb'
      ? new KurrentDbEventStore(spec.connection)
      : new PostgresEventStore({ url: spec.connection, schema: spec.schema, mustExist: role === 'source' });
  try {
    await store.ping();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}
