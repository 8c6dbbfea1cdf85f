/**
 * npm run bench -- append [--commands 6400] [--seconds 0] [--clients 64] [--shared-journeys 8]
 *                         [--warmup 5] [--raw-single 2000] [--raw-batched 20000] [--json <file>]
 *
 * Durable commands per second through the whole stack (HTTP, token, validation, replay, decide,
 * seal, group commit, fsync) against the raw store underneath, in one run on one disk:
 *   - engine, `clients` concurrent clients each on its own journey;
 *   - engine, the same clients on `shared-journeys` journeys (commands on one journey queue);
 *   - raw (a): better-sqlite3 inserts of the same rows, one transaction (one fsync) per event;
 *   - raw (b): the same, 100 events a transaction;
 *   - floors, with the same client and concurrency: the engine's cheapest route (GET
 *     /health/live, through the same hooks and guards), and a node:http server that
 *     answers without doing anything. No engine can answer commands faster than these;
 *   - a peer: the same command built with Emmett on SQLite (scripts/bench/peer), the same clients
 *     each on its own stream. Its packages are installed on first use; if that fails the report
 *     says why instead of `engine/peer`, and the rest still runs. `--peer 0` leaves it out, and
 *     so does `--store postgres` (the peer is on SQLite only).
 * Raw runs use the engine's schema and durability (WAL, synchronous=FULL). The ratios are the
 * figures to quote: they hold on a noisy machine where the absolute rates do not.
 * `--seconds N` runs each engine phase for N seconds instead of a fixed number of commands.
 * Files live under os.tmpdir(): set TMPDIR to measure another disk (a tmpfs makes fsync free).
 *
 * `--store postgres` runs the same phases on EVENT_STORE=postgres (the server named by POSTGRES_URL,
 * POSTGRES_MIGRATION_URL and POSTGRES_ADMIN_URL, or a throwaway cluster started for the run by
 * scripts/postgres-for-tests.sh), and raw (a)/(b) become inserts into the engine's own PostgreSQL
 * table (its position trigger and commit-order lock included) from one connection.
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { insertEventRows, type EventRowInput } from '../../src/event-store/postgres/append';
import { PostgresEventStore } from '../../src/event-store/postgres/postgres-event-store';
import { SqliteEventStore } from '../../src/event-store/sqlite/sqlite-event-store';
import { streamIdOf } from '../../src/journeys/journey-records';
import { parseBenchArgs } from './support/args';
import { HttpClient, type HttpAnswer } from './support/http-client';
import { startNoopServer } from './support/noop-server';
import { ensurePeerInstalled, peerVersions, startPeerServer } from './support/peer-server';
import {
  freshSchema,
  postgresFromEnvironment,
  startThrowawayPostgres,
  stopThrowawayPostgres,
  type PostgresServer,
} from './support/postgres-server';
import { step } from './support/progress';
import { finish, type BenchReport } from './support/report';
import { BENCH_CASE_WORKER, defaultFact, journeyEvents, preference } from './support/seed';
import { prepareApp, startService } from './support/server-process';
import { msSince, ratio, summarise, type LatencySummary } from './support/stats';
import { createWorkspace, type Workspace } from './support/workspace';

const DEFAULTS = {
  commands: 6_400,
  seconds: 0,
  clients: 64,
  'shared-journeys': 8,
  warmup: 5,
  'raw-single': 2_000,
  'raw-batched': 20_000,
  peer: 1,
};
type Settings = Record<keyof typeof DEFAULTS, number>;

const RAW_BATCH = 100;
/** Streams the raw rows are spread over, like the engine phase's journeys. */
const RAW_STREAMS = 64;

interface PhaseResult extends LatencySummary {
  /** Answers other than 201, by status (0: no answer). None are expected. */
  failures: Record<string, number>;
}

const STORES = ['sqlite', 'postgres'] as const;
type StoreKind = (typeof STORES)[number];

/** The store the engine runs on, and how the raw phases write to the same kind of store. */
interface BenchStore {
  kind: StoreKind;
  /** Environment for the service process. */
  env: Record<string, string>;
  raw(name: string, count: number, perTransaction: number): Promise<LatencySummary>;
  close(): void;
}

export async function run(argv: readonly string[]): Promise<void> {
  const { store: kind, rest } = takeStoreOption(argv);
  const { json, values: settings } = parseBenchArgs(rest, DEFAULTS);
  const workspace = createWorkspace('spe-bench-append');
  const store = kind === 'postgres' ? postgresBenchStore() : sqliteBenchStore(workspace);
  try {
    const engine = await measureEngine(workspace, settings, store);
    const noop = await measureNoopServer(workspace, settings);
    const peer = kind === 'sqlite' ? await measurePeer(workspace, settings) : { notMeasured: 'the peer runs on SQLite only' };
    const rawSingle = await store.raw('raw-single', settings['raw-single'], 1);
    const rawBatched = await store.raw('raw-batched', settings['raw-batched'], RAW_BATCH);
    finish(report(settings, kind, { ...engine, noop }, peer, rawSingle, rawBatched), json);
  } finally {
    store.close();
    workspace.remove();
  }
}

/** `--store sqlite|postgres` (default sqlite); the other options are the numeric ones above. */
function takeStoreOption(argv: readonly string[]): { store: StoreKind; rest: string[] } {
  const rest = [...argv];
  const at = rest.findIndex((arg) => arg === '--store' || arg.startsWith('--store='));
  if (at < 0) return { store: 'sqlite', rest };
  const [option] = rest.splice(at, 1);
  const value = option.includes('=') ? option.slice('--store='.length) : rest.splice(at, 1)[0];
  if (!(STORES as readonly string[]).includes(value)) throw new Error(`--store must be one of ${STORES.join(', ')} (got ${value})`);
  return { store: value as StoreKind, rest };
}

function sqliteBenchStore(workspace: Workspace): BenchStore {
  return {
    kind: 'sqlite',
    env: { EVENT_STORE: 'sqlite' },
    raw: (name, count, perTransaction) => measureRaw(workspace.file(`${name}.db`), count, perTransaction),
    close: () => undefined,
  };
}

function postgresBenchStore(): BenchStore {
  // Its own directory straight under the temp dir: the workspace is private to root, and the
  // server runs as the postgres user.
  const cluster = mkdtempSync(join(tmpdir(), 'spe-bench-pg-'));
  let server = postgresFromEnvironment();
  const own = server === undefined;
  if (!server) {
    step('starting a throwaway PostgreSQL for this run');
    server = startThrowawayPostgres(cluster);
  }
  const { url, migrationUrl } = server;
  return {
    kind: 'postgres',
    env: { EVENT_STORE: 'postgres', POSTGRES_URL: url, POSTGRES_MIGRATION_URL: migrationUrl, POSTGRES_SCHEMA: freshSchema('bench') },
    raw: (_name, count, perTransaction) => measureRawPostgres(server as PostgresServer, count, perTransaction),
    close: () => {
      if (own) stopThrowawayPostgres(cluster);
      else rmSync(cluster, { recursive: true, force: true });
    },
  };
}

interface EnginePhases {
  distinct: PhaseResult;
  shared: PhaseResult;
  /** GET /health/live: public, so no token check, but every hook, guard and interceptor. */
  liveness: PhaseResult;
}

async function measureEngine(workspace: Workspace, settings: Settings, store: BenchStore): Promise<EnginePhases> {
  const service = await startService({
    app: prepareApp(),
    sqliteFile: workspace.file('events.db'),
    authSecret: workspace.authSecret,
    // The per-subject write limit protects against a runaway client; here the load is the point.
    env: { RATE_LIMIT_WRITES_PER_MINUTE: '1000000', ...store.env },
  });
  const client = new HttpClient(() => service.port, settings.clients);
  try {
    const auth = await workspace.bearer(BENCH_CASE_WORKER.id, 'case-worker', BENCH_CASE_WORKER.organisation);
    const own = await openJourneys(client, auth, settings.clients);
    step(`engine: ${settings.clients} clients on ${settings.clients} journeys`);
    const distinct = await drive(client, auth, (c) => own[c], settings);
    const shared = await openJourneys(client, auth, settings['shared-journeys']);
    step(`engine: ${settings.clients} clients on ${settings['shared-journeys']} journeys`);
    const sharedResult = await drive(client, auth, (c) => shared[c % shared.length], settings);
    step('floor: engine GET /health/live');
    const liveness = await load(() => client.get('/health/live'), 200, settings);
    return { distinct, shared: sharedResult, liveness };
  } finally {
    client.close();
    await service.stop();
  }
}

async function openJourneys(client: HttpClient, auth: string, count: number): Promise<string[]> {
  const body = { data: defaultFact('ReferralReceived').data };
  return Promise.all(
    Array.from({ length: count }, async () => {
      const answer = await client.post<{ id: string }>('/journeys', body, { authorization: auth });
      if (answer.status !== 201) throw new Error(`opening a journey answered ${answer.status}: ${JSON.stringify(answer.body)}`);
      return answer.body.id;
    }),
  );
}

/**
 * All clients at once, each sending its next command as soon as the last is answered. A short
 * unmeasured warm-up per client first (JIT, sockets, the journey cache).
 */
function drive(client: HttpClient, auth: string, journeyOf: (c: number) => string, settings: Settings): Promise<PhaseResult> {
  let sequence = 0;
  // Preferences cycle over 20 topics, as a person's do (a new preference on a topic replaces the
  // old one), so a journey's context stays the size of a real one however many commands it takes.
  const send = (c: number) => client.post(`/journeys/${journeyOf(c)}/events`, preference(sequence++), { authorization: auth });
  return load(send, 201, settings);
}

/** `settings.clients` loops at once, each sending its next request as soon as the last is answered. */
async function load(send: (client: number) => Promise<HttpAnswer>, expected: number, settings: Settings): Promise<PhaseResult> {
  const clients = Array.from({ length: settings.clients }, (_, c) => c);
  await Promise.all(
    clients.map(async (c) => {
      for (let i = 0; i < settings.warmup; i += 1) await send(c);
    }),
  );

  const take = budget(settings);
  const latencies: number[] = [];
  const failures: Record<string, number> = {};
  const started = process.hrtime.bigint();
  await Promise.all(
    clients.map(async (c) => {
      while (take()) {
        const sent = process.hrtime.bigint();
        const status = await send(c).then(
          (answer) => answer.status,
          () => 0,
        );
        if (status === expected) latencies.push(msSince(sent));
        else failures[status] = (failures[status] ?? 0) + 1;
      }
    }),
  );
  return { ...summarise(latencies, msSince(started)), failures };
}

/** The same body as the commands, posted to a server that does nothing with it. */
async function measureNoopServer(workspace: Workspace, settings: Settings): Promise<PhaseResult> {
  step('floor: a no-op node:http server');
  const server = await startNoopServer(workspace.dir);
  const client = new HttpClient(() => server.port, settings.clients);
  try {
    return await load((c) => client.post(`/journeys/${c}/events`, preference(c)), 201, settings);
  } finally {
    client.close();
    await server.stop();
  }
}

/** The peer's figures, or why there are none. */
type PeerOutcome = { measured: PeerResult } | { notMeasured: string };

interface PeerResult extends PhaseResult {
  /** The installed packages, by name and version. */
  versions: string;
  /** journal_mode and synchronous as the peer's store runs them; commands re-run after SQLITE_BUSY. */
  durability: { journal_mode: string; synchronous: string; busyRetries: number };
}

/**
 * The engine's distinct-journeys phase against the peer: the same clients, each opening its own
 * stream with the same ReferralReceived body, then recording the same preferences on it. Never
 * throws: whatever stops it (the install above all) becomes the reason printed and reported.
 */
async function measurePeer(workspace: Workspace, settings: Settings): Promise<PeerOutcome> {
  if (settings.peer === 0) return { notMeasured: 'left out (--peer 0)' };
  try {
    ensurePeerInstalled();
    step(`peer: Emmett on SQLite, ${settings.clients} clients on ${settings.clients} streams`);
    const server = await startPeerServer(workspace.file('peer.db'));
    const client = new HttpClient(() => server.port, settings.clients);
    try {
      const streams = await openPeerStreams(client, settings.clients);
      let sequence = 0;
      const result = await load((c) => client.post(`/journeys/${streams[c]}/events`, preference(sequence++)), 201, settings);
      const durability = (await client.get<PeerResult['durability']>('/settings')).body;
      return { measured: { ...result, versions: peerVersions(), durability } };
    } finally {
      client.close();
      await server.stop();
    }
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    step(
      `\n################################################################\nengine/peer NOT MEASURED: ${reason}\n################################################################`,
    );
    return { notMeasured: reason };
  }
}

function openPeerStreams(client: HttpClient, count: number): Promise<string[]> {
  const body = { data: defaultFact('ReferralReceived').data };
  return Promise.all(
    Array.from({ length: count }, async () => {
      const answer = await client.post<{ id: string }>('/journeys', body);
      if (answer.status !== 201) throw new Error(`opening a peer stream answered ${answer.status}: ${JSON.stringify(answer.body)}`);
      return answer.body.id;
    }),
  );
}

/** Either a number of commands shared by all clients, or a time limit. */
function budget(settings: Settings): () => boolean {
  if (settings.seconds > 0) {
    const deadline = Date.now() + settings.seconds * 1000;
    return () => Date.now() < deadline;
  }
  let left = settings.commands;
  return () => left-- > 0;
}

/** A row shaped as both stores keep events: data and metadata as JSON text. */
type RawRow = EventRowInput;

/**
 * Inserts `count` rows shaped like the engine's (a real sealed PreferenceRecorded), `perTransaction`
 * to a transaction. The schema comes from opening the file with the engine's own adapter, so the
 * table, indexes and triggers are the ones the engine writes to.
 */
async function measureRaw(file: string, count: number, perTransaction: number): Promise<LatencySummary> {
  step(`raw: ${count.toLocaleString('en-GB')} inserts, ${perTransaction} a transaction`);
  await new SqliteEventStore(file).close();
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  const insert = db.prepare('INSERT INTO events (stream_id, revision, event_id, type, data, metadata) VALUES (?, ?, ?, ?, ?, ?)');
  const writeBatch = db.transaction((rows: RawRow[]) => {
    rows.forEach((row) => insert.run(row.streamId, row.revision, row.id, row.type, row.data, row.metadata));
  });
  const rows = rawRows(count);
  const latencies: number[] = [];
  const started = process.hrtime.bigint();
  for (let start = 0; start < rows.length; start += perTransaction) {
    const sent = process.hrtime.bigint();
    writeBatch(rows.slice(start, start + perTransaction));
    latencies.push(msSince(sent));
  }
  const elapsed = msSince(started);
  db.close();
  // Figures per event: the rate counts rows; the latencies are per transaction.
  return { ...summarise(latencies, elapsed), count, perSecond: (count * 1000) / elapsed };
}

/**
 * The PostgreSQL counterpart of measureRaw: the same rows inserted into the engine's own table (a
 * fresh schema migrated by the adapter), `perTransaction` to a transaction, from one connection.
 */
async function measureRawPostgres(server: PostgresServer, count: number, perTransaction: number): Promise<LatencySummary> {
  step(`raw: ${count.toLocaleString('en-GB')} PostgreSQL inserts, ${perTransaction} a transaction`);
  const schema = freshSchema('bench_raw');
  const store = new PostgresEventStore({ url: server.url, migrationUrl: server.migrationUrl, schema });
  await store.whenReady();
  await store.close();
  const client = new Client({ connectionString: server.url });
  await client.connect();
  try {
    const rows = rawRows(count);
    const latencies: number[] = [];
    const started = process.hrtime.bigint();
    for (let start = 0; start < rows.length; start += perTransaction) {
      const sent = process.hrtime.bigint();
      // One transaction each: a lone INSERT commits by itself. The engine's own INSERT statement.
      await insertEventRows(client, `${schema}.events`, rows.slice(start, start + perTransaction));
      latencies.push(msSince(sent));
    }
    const elapsed = msSince(started);
    return { ...summarise(latencies, elapsed), count, perSecond: (count * 1000) / elapsed };
  } finally {
    await client.end();
  }
}

function rawRows(count: number): RawRow[] {
  const [template] = journeyEvents(randomUUID(), [preference(1)]);
  const data = JSON.stringify(template.data);
  const metadata = JSON.stringify(template.metadata);
  const streams = Array.from({ length: RAW_STREAMS }, () => streamIdOf(randomUUID()));
  return Array.from({ length: count }, (_, n) => ({
    streamId: streams[n % RAW_STREAMS],
    revision: Math.floor(n / RAW_STREAMS),
    id: randomUUID(),
    type: template.type,
    data,
    metadata,
  }));
}

function report(
  settings: Settings,
  store: StoreKind,
  phases: EnginePhases & { noop: PhaseResult },
  peer: PeerOutcome,
  rawSingle: LatencySummary,
  rawBatched: LatencySummary,
): BenchReport {
  const { distinct, shared, liveness, noop } = phases;
  const notes = [
    `store: ${store}${store === 'postgres' ? " (raw rows go into the engine's own table, through its position trigger)" : ''}`,
    `raw (a) is ${rawSingle.count} inserts, one transaction each; raw (b) ${rawBatched.count} inserts, ${RAW_BATCH} a transaction (latencies per transaction)`,
    'target: engine on distinct journeys >= 5x raw (a), p99 < 50 ms at 64 clients',
    'floors: at a given concurrency, latency = clients / rate, so p99 < 50 ms at 64 clients needs well over 1,280 commands/s',
  ];
  const target = 5 * rawSingle.perSecond;
  if (target > liveness.perSecond) {
    notes.push(
      `5x raw (a) is ${Math.round(target)}/s: more than the engine answers its cheapest route (${Math.round(liveness.perSecond)}/s)` +
        (target > noop.perSecond ? ` and more than a no-op node:http server (${Math.round(noop.perSecond)}/s) on this machine` : ''),
    );
  }
  const measured = 'measured' in peer ? peer.measured : undefined;
  if (measured) notes.push(...peerNotes(measured));
  const answered = measured ? { ...phases, peer: measured } : phases;
  for (const [name, phase] of Object.entries(answered) as Array<[string, PhaseResult]>) {
    if (Object.keys(phase.failures).length > 0) notes.push(`${name}: answers other than 201 by status: ${JSON.stringify(phase.failures)}`);
  }
  return {
    bench: 'append',
    settings: { ...settings, store },
    figures: {
      'engine distinct journeys': { value: distinct.perSecond, unit: 'commands/s' },
      'engine distinct p50': { value: distinct.p50Ms, unit: 'ms' },
      'engine distinct p99': { value: distinct.p99Ms, unit: 'ms' },
      'engine distinct commands': { value: distinct.count, unit: 'commands' },
      [`engine ${settings['shared-journeys']} shared journeys`]: { value: shared.perSecond, unit: 'commands/s' },
      'engine shared p50': { value: shared.p50Ms, unit: 'ms' },
      'engine shared p99': { value: shared.p99Ms, unit: 'ms' },
      'engine shared commands': { value: shared.count, unit: 'commands' },
      'floor: engine GET /health/live': { value: liveness.perSecond, unit: 'requests/s' },
      'floor: engine liveness p99': { value: liveness.p99Ms, unit: 'ms' },
      'floor: no-op node:http': { value: noop.perSecond, unit: 'requests/s' },
      'floor: no-op p99': { value: noop.p99Ms, unit: 'ms' },
      'raw (a) 1 event/transaction': { value: rawSingle.perSecond, unit: 'events/s' },
      'raw (a) p50 commit': { value: rawSingle.p50Ms, unit: 'ms' },
      'raw (b) 100 events/transaction': { value: rawBatched.perSecond, unit: 'events/s' },
      'raw (b) p50 commit': { value: rawBatched.p50Ms, unit: 'ms' },
      ...(measured && {
        'peer (Emmett) distinct streams': { value: measured.perSecond, unit: 'commands/s' },
        'peer p50': { value: measured.p50Ms, unit: 'ms' },
        'peer p99': { value: measured.p99Ms, unit: 'ms' },
        'peer commands': { value: measured.count, unit: 'commands' },
      }),
    },
    ratios: {
      'engine distinct / raw (a)': ratio(distinct.perSecond, rawSingle.perSecond),
      'engine distinct / raw (b)': ratio(distinct.perSecond, rawBatched.perSecond),
      'engine shared / raw (a)': ratio(shared.perSecond, rawSingle.perSecond),
      'engine shared / raw (b)': ratio(shared.perSecond, rawBatched.perSecond),
      'engine distinct / engine liveness floor': ratio(distinct.perSecond, liveness.perSecond),
      'engine liveness floor / no-op floor': ratio(liveness.perSecond, noop.perSecond),
      'no-op floor / raw (a)': ratio(noop.perSecond, rawSingle.perSecond),
      // The keys issue 16 compares across runs, fixed: durable commands and their p99 against the
      // no-op floor, and the framework's own cost (the liveness route) against it.
      'engine/noop': ratio(distinct.perSecond, noop.perSecond),
      'engineP99/noopP99': ratio(distinct.p99Ms, noop.p99Ms),
      'liveness/noop': ratio(liveness.perSecond, noop.perSecond),
      // The engine against the same command built with Emmett, in the same run (issue 16).
      ...(measured && {
        'engine/peer': ratio(distinct.perSecond, measured.perSecond),
        'engineP99/peerP99': ratio(distinct.p99Ms, measured.p99Ms),
        'peer/noop': ratio(measured.perSecond, noop.perSecond),
      }),
    },
    ...('notMeasured' in peer && { notMeasured: { 'engine/peer': peer.notMeasured } }),
    notes,
  };
}

/** What the peer is, how durable, and what it leaves out that the engine does. */
function peerNotes(peer: PeerResult): string[] {
  return [
    `peer: ${peer.versions}; journal_mode=${peer.durability.journal_mode}, synchronous=${peer.durability.synchronous}`,
    `peer: ${peer.durability.busyRetries} commands re-run (Emmett's retry option) after SQLITE_BUSY on COMMIT, a race inside emmett-sqlite`,
    'peer: CommandHandler reads the whole stream, decides, appends at the version read; commands run one at a time ' +
      '(emmett-sqlite 0.38.5 shares and closes one connection across concurrent operations: at 64 clients most of the first 64 failed)',
    'peer does not: check tokens or access, run a workflow, validate the data, chain hashes, keep idempotency keys, ' +
      'update read models, write an access log or request logs',
  ];
}
