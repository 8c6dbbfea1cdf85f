/**
 * Three engine processes on ONE PostgreSQL event store, 64 writers spread over them on shared
 * journeys, one instance killed with SIGKILL mid-run and restarted; then an account of what was
 * acknowledged against what the store holds. Used by three-instances.e2e-spec.ts.
 *
 * Each instance is the real compiled service (scripts/bench/support/server-process.ts) with
 * EVENT_STORE=postgres; its read models follow the shared store from a file of its own. Every
 * command carries an Idempotency-Key; a command without an answer (its instance died), or answered
 * 503, goes again with the same key to the next instance, as a client behind a load balancer would.
 * The journeys are opened with a referral dated in the past, so every instance's scheduler finds
 * the assessment clock already missed and tries to record it: exactly once in all must land.
 */
import { HttpClient } from '../../scripts/bench/support/http-client';
import { BENCH_CASE_WORKER, defaultFact } from '../../scripts/bench/support/seed';
import { pause, prepareApp, startService, type BuiltApp, type ServiceProcess } from '../../scripts/bench/support/server-process';
import { createWorkspace, type Workspace } from '../../scripts/bench/support/workspace';
import type { StoredEvent } from '../../src/event-store/event-store';
import { PostgresEventStore } from '../../src/event-store/postgres/postgres-event-store';
import { metadataOf } from '../../src/journeys/journey-records';
import { auditEvents, type StoreAudit } from '../soak/store-audit';
import type { TestPostgres } from '../support/postgres';

export interface MultiInstanceOptions {
  postgres: TestPostgres;
  schema: string;
  instances: number;
  writers: number;
  journeys: number;
  commands: number;
  /** The instance killed, and after how many acknowledgements. */
  victim: number;
  killAfter: number;
}

export interface MultiInstanceReport {
  acknowledged: number;
  unacknowledged: string[];
  unexpectedAnswers: string[];
  /** Commands that had to go to another instance (no answer, or 503). */
  rerouted: number;
  killed: boolean;
  /** Acknowledged commands the store does not hold, holds twice, or holds otherwise than acknowledged. */
  lost: string[];
  duplicated: string[];
  mismatched: string[];
  audit: Pick<StoreAudit, 'events' | 'halfWritten' | 'chainBreaks' | 'replayRefusals'> & { journeys: number };
  /** DeadlineMissed facts per journey, clock and due time (each must be 1). */
  missedClocks: Map<string, number>;
  /** Per instance: journeys whose caseload revision differs from the store's, and whether it caught up. */
  readModels: Array<{ instance: number; caughtUp: boolean; disagreeing: string[] }>;
  /** Per instance: the access-log entries of the auditor's caseload reads, as that instance lists them. */
  accessLogEntries: number[];
}

/** Sends of one command before it is given up (about a minute of pauses). */
const MAX_ATTEMPTS = 600;
const RETRY_PAUSE_MS = 100;
const REFERRED_AT = '2025-01-06T09:00:00.000Z';

interface Acknowledgement {
  journeyId: string;
  eventId: string;
  revision: number;
}

/** One engine process, restartable; its client follows it to its new port. */
class Instance {
  private service: ServiceProcess | null = null;
  readonly client = new HttpClient(() => this.service?.port ?? 1, 32);

  constructor(private readonly start: () => Promise<ServiceProcess>) {}

  async boot(): Promise<void> {
    this.service = await this.start();
  }

  async kill(): Promise<void> {
    const service = this.service;
    this.service = null;
    await service?.kill();
    this.client.reset();
  }

  async stop(): Promise<void> {
    await this.service?.stop();
    this.client.close();
  }

  output(): string {
    return this.service?.output() ?? '(not running)';
  }
}

export async function runMultiInstance(options: MultiInstanceOptions): Promise<MultiInstanceReport> {
  const workspace = createWorkspace('spe-multi');
  const app = prepareApp();
  const instances = Array.from({ length: options.instances }, (_, i) => new Instance(() => serviceOn(app, workspace, options, i)));
  try {
    // One at a time: the first migrates the schema; the others find it ready (several at once is tested in the adapter's spec).
    for (const instance of instances) await instance.boot();
    const run = await drive(instances, workspace, options);
    const stored = await readStore(options);
    const readModels = await Promise.all(instances.map((instance, i) => checkReadModels(instance, i, workspace, stored)));
    // Each instance logged the auditor's list read above; with the log in PostgreSQL, each sees all of them.
    const accessLogEntries = await Promise.all(instances.map((instance) => countAuditorReads(instance, workspace)));
    return { ...account(run, stored, readModels), accessLogEntries };
  } catch (error) {
    const outputs = instances.map((instance, i) => `--- instance ${i} ---\n${instance.output()}`).join('\n');
    throw new Error(`${(error as Error).message}\n${outputs}`);
  } finally {
    await Promise.all(instances.map((instance) => instance.stop().catch(() => undefined)));
    workspace.remove();
  }
}

function serviceOn(app: BuiltApp, workspace: Workspace, options: MultiInstanceOptions, index: number): Promise<ServiceProcess> {
  return startService({
    app,
    // Only the read models, the access log and the development files live here: the events are in PostgreSQL.
    sqliteFile: workspace.file(`instance-${index}/events.db`),
    authSecret: workspace.authSecret,
    env: {
      EVENT_STORE: 'postgres',
      POSTGRES_URL: options.postgres.url,
      POSTGRES_MIGRATION_URL: options.postgres.migrationUrl,
      POSTGRES_SCHEMA: options.schema,
      RATE_LIMIT_WRITES_PER_MINUTE: '1000000',
      // v1's scheduler records a clock overdue at start-up at once; v2 gives a backdated start a
      // day's grace first (rule 8), and this run must see every instance race to record misses.
      WORKFLOW_VERSION: '1',
    },
  });
}

interface RunRecord {
  acks: Map<string, Acknowledgement>;
  sent: Set<string>;
  unexpectedAnswers: string[];
  rerouted: number;
  killed: boolean;
}

async function drive(instances: Instance[], workspace: Workspace, options: MultiInstanceOptions): Promise<RunRecord> {
  const auth = await workspace.bearer(BENCH_CASE_WORKER.id, 'case-worker', BENCH_CASE_WORKER.organisation);
  const record: RunRecord = { acks: new Map(), sent: new Set(), unexpectedAnswers: [], rerouted: 0, killed: false };
  const send = (key: string, first: number, path: string, body: unknown) =>
    sendUntilAcknowledged(instances, auth, record, { key, first, path, body });

  const opening = { data: defaultFact('ReferralReceived').data, occurredAt: REFERRED_AT, reason: 'multi-instance test' };
  const journeyIds = await Promise.all(
    Array.from({ length: options.journeys }, async (_, j) => {
      const ack = await send(`open-${j}`, j % instances.length, '/journeys', opening);
      if (!ack) throw new Error(`journey ${j} could not be opened: ${record.unexpectedAnswers.join('; ')}`);
      return ack.journeyId;
    }),
  );

  let issued = 0;
  let killing: Promise<void> = Promise.resolve();
  await Promise.all(
    Array.from({ length: options.writers }, async (_, writer) => {
      for (let n = issued++; n < options.commands; n = issued++) {
        const body = { type: 'PreferenceRecorded', data: { topic: `multi-${n}`, value: `value-${n}`, inTheirWords: `Preference ${n}` } };
        await send(`command-${n}`, writer % instances.length, `/journeys/${journeyIds[n % journeyIds.length]}/events`, body);
        if (!record.killed && record.acks.size >= options.killAfter + options.journeys) {
          record.killed = true;
          const victim = instances[options.victim];
          killing = victim
            .kill()
            .then(() => pause(500))
            .then(() => victim.boot());
        }
      }
    }),
  );
  await killing;
  return record;
}

/** Sends one command until an instance acknowledges it, moving to the next instance after no answer or a 503. */
async function sendUntilAcknowledged(
  instances: Instance[],
  auth: string,
  record: RunRecord,
  command: { key: string; first: number; path: string; body: unknown },
): Promise<Acknowledgement | null> {
  record.sent.add(command.key);
  let target = command.first;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
    const answer = await instances[target].client
      .post<{ id: string; eventId: string; revision: number }>(command.path, command.body, {
        authorization: auth,
        'idempotency-key': command.key,
      })
      .catch(() => null);
    if (answer?.status === 201) {
      const ack = { journeyId: answer.body.id, eventId: answer.body.eventId, revision: answer.body.revision };
      record.acks.set(command.key, ack);
      return ack;
    }
    if (answer !== null && answer.status !== 503) {
      record.unexpectedAnswers.push(`${command.key}: ${answer.status} ${JSON.stringify(answer.body)}`);
      return null;
    }
    record.rerouted += 1;
    target = (target + 1) % instances.length;
    await pause(RETRY_PAUSE_MS);
  }
  return null;
}

async function readStore(options: MultiInstanceOptions): Promise<StoredEvent[]> {
  const store = new PostgresEventStore({ url: options.postgres.url, schema: options.schema });
  try {
    return await store.readAll({ maxCount: 1_000_000 });
  } finally {
    await store.close();
  }
}

/** The instance's caseload, once it includes the store's last event, against the store's revisions. */
async function checkReadModels(instance: Instance, index: number, workspace: Workspace, stored: StoredEvent[]) {
  const head = stored.length === 0 ? -1n : stored[stored.length - 1].position;
  const auditor = await workspace.bearer('multi-auditor', 'auditor');
  const answer = await instance.client.get<{ items: Array<{ id: string; revision: number }>; position: string }>(
    `/journeys?after=${head}&limit=500&waitMs=10000`,
    { authorization: auditor },
  );
  const revisions = new Map<string, number>();
  for (const event of stored) revisions.set(event.streamId.slice('journey-'.length), event.revision);
  if (answer.status !== 200) return { instance: index, caughtUp: false, disagreeing: [`answered ${answer.status}`] };
  const listed = new Map(answer.body.items.map((item) => [item.id, item.revision]));
  const disagreeing = [...revisions].filter(([id, revision]) => listed.get(id) !== revision).map(([id]) => id);
  if (listed.size !== revisions.size) disagreeing.push(`lists ${listed.size} journeys, the store holds ${revisions.size}`);
  return { instance: index, caughtUp: BigInt(answer.body.position) >= head, disagreeing };
}

async function countAuditorReads(instance: Instance, workspace: Workspace): Promise<number> {
  const auditor = await workspace.bearer('multi-auditor', 'auditor');
  const answer = await instance.client.get<{ entries: unknown[] }>('/audit/access?actor=multi-auditor&limit=100', {
    authorization: auditor,
  });
  if (answer.status !== 200) throw new Error(`the access log answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer.body.entries.length;
}

function account(
  run: RunRecord,
  stored: StoredEvent[],
  readModels: MultiInstanceReport['readModels'],
): Omit<MultiInstanceReport, 'accessLogEntries'> {
  const byKey = new Map<string, StoredEvent[]>();
  const missedClocks = new Map<string, number>();
  for (const event of stored) {
    const key = metadataOf(event).idempotencyKey;
    if (key !== undefined && run.sent.has(key)) byKey.set(key, [...(byKey.get(key) ?? []), event]);
    if (event.type === 'DeadlineMissed') {
      const clock = `${event.streamId} ${String(event.data.clock)} ${String(event.data.dueAt)}`;
      missedClocks.set(clock, (missedClocks.get(clock) ?? 0) + 1);
    }
  }
  const acks = [...run.acks];
  const audit = auditEvents(stored);
  return {
    acknowledged: run.acks.size,
    unacknowledged: [...run.sent].filter((key) => !run.acks.has(key)),
    unexpectedAnswers: run.unexpectedAnswers,
    rerouted: run.rerouted,
    killed: run.killed,
    lost: acks.filter(([key]) => !byKey.has(key)).map(([key]) => key),
    duplicated: [...byKey].filter(([, events]) => events.length > 1).map(([key]) => key),
    mismatched: acks
      .filter(([key, ack]) => {
        const [event] = byKey.get(key) ?? [];
        return event && (event.id !== ack.eventId || event.revision !== ack.revision || event.streamId !== `journey-${ack.journeyId}`);
      })
      .map(([key]) => key),
    audit: {
      events: audit.events,
      journeys: audit.streams.size,
      halfWritten: audit.halfWritten,
      chainBreaks: audit.chainBreaks,
      replayRefusals: audit.replayRefusals,
    },
    missedClocks,
    readModels,
  };
}
