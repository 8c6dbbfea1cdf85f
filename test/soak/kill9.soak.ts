/**
 * The kill -9 soak: a real server process on a file store, 32 concurrent writers, SIGKILL at
 * random points, restarts, and at the end a full account of what was acknowledged against what
 * the file holds.
 *
 *   npm run soak                      short form (the one CI runs through jest)
 *   npm run soak -- --long            longer: more commands, more kills
 *   npm run soak -- --seed 1234       replay the same kill points
 *
 * Every command carries an Idempotency-Key. A command that gets no answer (the server died under
 * it) or a 503 is sent again with the same key until it is acknowledged, as a careful client
 * would. Besides the kills, the first answer to every DROP_EVERY-th command is thrown away as if
 * the network had cut it: a command certainly committed yet unacknowledged, whose retry must be
 * answered `repeated` with the same event (a kill lands in that window only by luck). At the end:
 *   - every acknowledged command is in the store exactly once, with the event id and revision it
 *     was acknowledged with (a retry of a command that was committed before the kill must be
 *     answered `repeated`, not written twice);
 *   - nothing is in the store that was not sent, and no row is half-written;
 *   - every journey's hash chain verifies and its stream replays on its pinned workflow;
 *   - after one more crash and restart, the read models include the last event and agree with
 *     the store on every journey's revision.
 * Loops are bounded in count (attempts) and time (request timeouts); traffic goes only to 127.0.0.1.
 */
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { HttpClient } from '../../scripts/bench/support/http-client';
import { BENCH_CASE_WORKER, defaultFact } from '../../scripts/bench/support/seed';
import { pause, prepareApp, startService, type BuiltApp, type ServiceProcess } from '../../scripts/bench/support/server-process';
import { createWorkspace, type Workspace } from '../../scripts/bench/support/workspace';
import { metadataOf, streamIdOf } from '../../src/journeys/journey-records';
import { auditStore, type StoreAudit } from './store-audit';

export interface SoakOptions {
  /** Commands the writers send in all (journey openings come on top). */
  commands: number;
  kills: number;
  writers: number;
  journeys: number;
  /** Seeds the kill points and delays, so a failing run can be repeated. */
  seed: number;
  log?: (line: string) => void;
}

export const SHORT_FORM: Omit<SoakOptions, 'seed'> = { commands: 600, kills: 3, writers: 32, journeys: 16 };
export const LONG_FORM: Omit<SoakOptions, 'seed'> = { commands: 10_000, kills: 20, writers: 32, journeys: 64 };

/** Sends of one command before it is given up as unacknowledged (about a minute of pauses). */
const MAX_ATTEMPTS = 1_200;
const RETRY_PAUSE_MS = 50;
/** A kill lands this many milliseconds (at most) after its threshold, so it hits any phase of a commit. */
const MAX_KILL_DELAY_MS = 20;
/** How long a kill aimed at a commit waits for one before it fires anyway. */
const COMMIT_WAIT_MS = 500;
/** Every this-many-th command has its first answer dropped (see above). */
const DROP_EVERY = 25;

export interface Acknowledgement {
  key: string;
  journeyId: string;
  eventId: string;
  revision: number;
  position: bigint;
  repeated: boolean;
}

export interface SoakReport {
  seed: number;
  sent: number;
  acknowledged: number;
  /** Sends beyond the first, after no answer or a 503. */
  retries: number;
  /** Acknowledgements of a retry whose first send had been committed before the kill or the dropped answer. */
  repeatedAcknowledgements: number;
  /** First answers thrown away on purpose. */
  droppedAnswers: number;
  /** Commands whose retry after a dropped answer was not `repeated` with the same event id. */
  answeredDifferently: string[];
  /** Kills while the writers were writing (the crash at rest before the read-model check not counted). */
  kills: number;
  killPoints: number[];
  /** Answers other than 201 or 503, which a command should never get here. */
  unexpectedAnswers: string[];
  /** Commands never acknowledged within MAX_ATTEMPTS. */
  unacknowledged: string[];
  /** Acknowledged commands not in the store. */
  lost: string[];
  /** Keys stored more than once. */
  duplicated: string[];
  /** Acknowledged commands stored with another event id or revision than acknowledged. */
  mismatched: string[];
  /** Stored events no command of this run asked for. */
  unasked: string[];
  audit: Pick<StoreAudit, 'integrity' | 'events' | 'halfWritten' | 'chainBreaks' | 'replayRefusals'> & { journeys: number };
  readModels: { caughtUp: boolean; position: string; head: string; listed: number; disagreeing: string[] };
}

interface Command {
  key: string;
  journeyId?: string;
  body: unknown;
  /** Throw the first 201 away and retry, as if the answer had been lost on the way. */
  dropFirstAnswer?: boolean;
}

/** The server, restarted on a new port after each kill; clients follow `port`. */
class CrashableServer {
  private current: ServiceProcess | null = null;
  kills = 0;

  constructor(private readonly start: () => Promise<ServiceProcess>) {}

  /** Before the first boot there is no server; port 1 refuses at once, like a dead one. */
  get port(): number {
    return this.current?.port ?? 1;
  }

  async boot(): Promise<void> {
    this.current = await this.start();
  }

  async crashAndRestart(): Promise<void> {
    await this.current?.kill();
    this.kills += 1;
    await this.boot();
  }

  async stop(): Promise<void> {
    await this.current?.stop();
  }

  output(): string {
    return this.current?.output() ?? '';
  }
}

export async function runKill9Soak(options: SoakOptions): Promise<SoakReport> {
  const log = options.log ?? (() => undefined);
  const workspace = createWorkspace('spe-soak');
  const app = prepareApp();
  log(
    `soak: ${options.commands} commands, ${options.writers} writers, ${options.journeys} journeys, ${options.kills} kills, seed ${options.seed} (${app.source} build)`,
  );
  const server = new CrashableServer(() => serviceOn(app, workspace));
  const client = new HttpClient(() => server.port, options.writers);
  try {
    await server.boot();
    const run = await drive(server, client, workspace, options, log);
    const kills = server.kills;
    log(`soak: ${run.acks.size} acknowledged after ${kills} kills; one more crash at rest, then the read models`);
    // The read models' own file must survive a crash too, and catch up after it.
    await server.crashAndRestart();
    const readModels = await checkReadModels(client, workspace, run.acks);
    await server.stop();
    const audit = auditStore(workspace.file('events.db'));
    return account(options, run, kills, audit, readModels);
  } catch (error) {
    throw new Error(`${(error as Error).message}\n--- server output ---\n${server.output()}`);
  } finally {
    client.close();
    await server.stop().catch(() => undefined);
    workspace.remove();
  }
}

function serviceOn(app: BuiltApp, workspace: Workspace): Promise<ServiceProcess> {
  return startService({
    app,
    sqliteFile: workspace.file('events.db'),
    authSecret: workspace.authSecret,
    env: { RATE_LIMIT_WRITES_PER_MINUTE: '1000000' },
  });
}

interface RunRecord {
  sent: Map<string, Command>;
  acks: Map<string, Acknowledgement>;
  retries: number;
  /** Event ids of the answers thrown away, by key. */
  dropped: Map<string, string>;
  unexpectedAnswers: string[];
  killPoints: number[];
}

/** Opens the journeys, then runs the writers while the killer fires at its random points. */
async function drive(
  server: CrashableServer,
  client: HttpClient,
  workspace: Workspace,
  options: SoakOptions,
  log: (line: string) => void,
): Promise<RunRecord> {
  const auth = await workspace.bearer(BENCH_CASE_WORKER.id, 'case-worker', BENCH_CASE_WORKER.organisation);
  const random = mulberry32(options.seed);
  const record: RunRecord = {
    sent: new Map(),
    acks: new Map(),
    retries: 0,
    dropped: new Map(),
    unexpectedAnswers: [],
    killPoints: killPoints(options, random),
  };
  const send = (command: Command) => sendUntilAcknowledged(client, auth, command, record);

  const openings = Array.from({ length: options.journeys }, (_, j) => ({
    key: `open-${j}`,
    body: { data: defaultFact('ReferralReceived').data },
  }));
  const journeyIds = (await Promise.all(openings.map(send))).map((ack, j) => {
    if (!ack) throw new Error(`journey ${j} could not be opened: ${record.unexpectedAnswers.join('; ')}`);
    return ack.journeyId;
  });

  const commits = new CommitWatch(workspace.file('events.db'));
  const killer = new Killer(server, record.killPoints, commits, random, log);
  let issued = 0;
  try {
    await Promise.all(
      Array.from({ length: options.writers }, async () => {
        // Command n goes to journey n mod J: writers meet on the same journeys in every mix.
        for (let n = issued++; n < options.commands; n = issued++) {
          const ack = await send(preferenceCommand(n, journeyIds[n % journeyIds.length]));
          if (ack) killer.acknowledged();
        }
      }),
    );
    await killer.settled();
  } finally {
    commits.close();
  }
  return record;
}

function preferenceCommand(n: number, journeyId: string): Command {
  const data = { topic: `soak-${n}`, value: `value-${n}`, inTheirWords: `Soak preference ${n}` };
  return { key: `command-${n}`, journeyId, body: { type: 'PreferenceRecorded', data }, dropFirstAnswer: n % DROP_EVERY === 0 };
}

/**
 * Sends one command until it is acknowledged: no answer (the server is dead or restarting) and
 * 503 mean "try again with the same key"; anything but 201 is recorded as unexpected and ends it.
 */
async function sendUntilAcknowledged(
  client: HttpClient,
  auth: string,
  command: Command,
  record: RunRecord,
): Promise<Acknowledgement | null> {
  record.sent.set(command.key, command);
  const path = command.journeyId === undefined ? '/journeys' : `/journeys/${command.journeyId}/events`;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
    if (attempt > 1) record.retries += 1;
    const answer = await client
      .post<WriteAnswer>(path, command.body, { authorization: auth, 'idempotency-key': command.key })
      .catch(() => null);
    if (answer?.status === 201 && command.dropFirstAnswer && !record.dropped.has(command.key)) {
      record.dropped.set(command.key, answer.body.eventId);
      continue;
    }
    if (answer?.status === 201) {
      const ack = acknowledgement(command.key, answer.body);
      record.acks.set(command.key, ack);
      return ack;
    }
    if (answer !== null && answer.status !== 503) {
      record.unexpectedAnswers.push(`${command.key}: ${answer.status} ${JSON.stringify(answer.body)}`);
      return null;
    }
    await pause(RETRY_PAUSE_MS);
  }
  return null;
}

interface WriteAnswer {
  id: string;
  eventId: string;
  revision: number;
  position: string;
  repeated: boolean;
}

function acknowledgement(key: string, body: WriteAnswer): Acknowledgement {
  return {
    key,
    journeyId: body.id,
    eventId: body.eventId,
    revision: body.revision,
    position: BigInt(body.position),
    repeated: body.repeated,
  };
}

/** Distinct acknowledgement counts, between a tenth and nine tenths of the run, ascending. */
function killPoints(options: SoakOptions, random: () => number): number[] {
  const low = Math.floor(options.commands * 0.1);
  const span = Math.max(options.kills, Math.floor(options.commands * 0.8));
  const points = new Set<number>();
  while (points.size < options.kills) points.add(low + Math.floor(random() * span));
  return [...points].sort((a, b) => a - b);
}

/**
 * Resolves when the store's WAL is next written to, i.e. while a commit is on its way to disk and
 * its answers have not been sent yet. A kill there leaves commands committed but unacknowledged:
 * the case where a retry must be answered `repeated` and must not write the event twice. Left to
 * chance, a kill almost never lands in that window of a millisecond or so.
 */
class CommitWatch {
  private readonly watcher: FSWatcher;
  private waiting: Array<() => void> = [];

  constructor(databaseFile: string) {
    const wal = `${basename(databaseFile)}-wal`;
    // The directory, not the file: the WAL is deleted and created again across restarts.
    this.watcher = watch(dirname(databaseFile), (_event, name) => {
      if (name !== wal) return;
      const waiting = this.waiting;
      this.waiting = [];
      waiting.forEach((resolve) => resolve());
    });
  }

  next(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.waiting.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  close(): void {
    this.watcher.close();
  }
}

/**
 * Kills the server when the acknowledgements reach each kill point, one kill at a time: every
 * other kill after a random delay, the rest on the next write to the WAL (see CommitWatch).
 */
class Killer {
  private count = 0;
  private next = 0;
  private busy: Promise<void> = Promise.resolve();
  private killing = false;

  constructor(
    private readonly server: CrashableServer,
    private readonly points: readonly number[],
    private readonly commits: CommitWatch,
    private readonly random: () => number,
    private readonly log: (line: string) => void,
  ) {}

  acknowledged(): void {
    this.count += 1;
    if (this.killing || this.next >= this.points.length || this.count < this.points[this.next]) return;
    const onCommit = this.next % 2 === 1;
    this.next += 1;
    this.killing = true;
    const moment = onCommit ? this.commits.next(COMMIT_WAIT_MS) : pause(Math.floor(this.random() * MAX_KILL_DELAY_MS));
    this.busy = moment
      // No await between the moment and the signal: crashAndRestart sends SIGKILL synchronously.
      .then(() => this.server.crashAndRestart())
      .then(() =>
        this.log(`soak: killed ${onCommit ? 'during a commit' : 'at a random moment'} after ${this.count} acknowledgements; restarted`),
      )
      .finally(() => (this.killing = false));
  }

  settled(): Promise<void> {
    return this.busy;
  }
}

/**
 * The caseload, once it includes the last acknowledged position, must list every journey at the
 * revision the store holds (compared after the audit).
 */
async function checkReadModels(client: HttpClient, workspace: Workspace, acks: Map<string, Acknowledgement>): Promise<ReadModelAnswer> {
  const head = [...acks.values()].reduce((max, ack) => (ack.position > max ? ack.position : max), -1n);
  const auditor = await workspace.bearer('soak-auditor', 'auditor');
  const answer = await client.get<{ items: Array<{ id: string; revision: number }>; total: number; position: string }>(
    `/journeys?after=${head}&limit=500&waitMs=10000`,
    { authorization: auditor },
  );
  if (answer.status !== 200) return { caughtUp: false, position: 'none', head, rows: new Map(), listed: 0 };
  const rows = new Map(answer.body.items.map((item) => [item.id, item.revision]));
  return { caughtUp: BigInt(answer.body.position) >= head, position: answer.body.position, head, rows, listed: answer.body.total };
}

interface ReadModelAnswer {
  caughtUp: boolean;
  position: string;
  head: bigint;
  rows: Map<string, number>;
  listed: number;
}

/** Holds what was acknowledged against what the file holds. */
function account(options: SoakOptions, run: RunRecord, kills: number, audit: StoreAudit, readModels: ReadModelAnswer): SoakReport {
  const storedByKey = new Map<string, Array<{ eventId: string; revision: number; journeyId: string }>>();
  const unasked: string[] = [];
  for (const [streamId, events] of audit.streams) {
    for (const event of events) {
      const key = metadataOf(event).idempotencyKey;
      if (key === undefined || !run.sent.has(key)) unasked.push(`${streamId}@${event.revision} (${event.type})`);
      if (key === undefined) continue;
      const stored = storedByKey.get(key) ?? [];
      stored.push({ eventId: event.id, revision: event.revision, journeyId: streamId });
      storedByKey.set(key, stored);
    }
  }
  const acks = [...run.acks.values()];
  const lost = acks.filter((ack) => !storedByKey.has(ack.key)).map((ack) => ack.key);
  const duplicated = [...storedByKey].filter(([, stored]) => stored.length > 1).map(([key]) => key);
  const mismatched = acks
    .filter((ack) => {
      const [stored] = storedByKey.get(ack.key) ?? [];
      return (
        stored && (stored.eventId !== ack.eventId || stored.revision !== ack.revision || stored.journeyId !== streamIdOf(ack.journeyId))
      );
    })
    .map((ack) => ack.key);
  const disagreeing = [...audit.streams]
    .filter(([streamId, events]) => readModels.rows.get(streamId.slice('journey-'.length)) !== events.length - 1)
    .map(([streamId]) => streamId);
  return {
    seed: options.seed,
    sent: run.sent.size,
    acknowledged: run.acks.size,
    retries: run.retries,
    repeatedAcknowledgements: acks.filter((ack) => ack.repeated).length,
    droppedAnswers: run.dropped.size,
    answeredDifferently: [...run.dropped]
      .filter(([key, eventId]) => run.acks.get(key)?.eventId !== eventId || run.acks.get(key)?.repeated !== true)
      .map(([key]) => key),
    kills,
    killPoints: run.killPoints,
    unexpectedAnswers: run.unexpectedAnswers,
    unacknowledged: [...run.sent.keys()].filter((key) => !run.acks.has(key)),
    lost,
    duplicated,
    mismatched,
    unasked,
    audit: {
      integrity: audit.integrity,
      events: audit.events,
      journeys: audit.streams.size,
      halfWritten: audit.halfWritten,
      chainBreaks: audit.chainBreaks,
      replayRefusals: audit.replayRefusals,
    },
    readModels: {
      caughtUp: readModels.caughtUp && readModels.head === audit.head,
      position: readModels.position,
      head: audit.head.toString(),
      listed: readModels.listed,
      disagreeing,
    },
  };
}

/** A small seeded PRNG (mulberry32): the same seed, the same kill points. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Everything that would mean a lost, doubled or damaged record, as lines; empty when sound. */
export function findings(report: SoakReport): string[] {
  const lists: Array<[string, readonly unknown[]]> = [
    ['unexpected answers', report.unexpectedAnswers],
    ['retries after a dropped answer not answered as repeats', report.answeredDifferently],
    ['unacknowledged commands', report.unacknowledged],
    ['acknowledged but lost', report.lost],
    ['stored more than once', report.duplicated],
    ['stored differently than acknowledged', report.mismatched],
    ['stored but never asked for', report.unasked],
    ['half-written rows', report.audit.halfWritten],
    ['broken hash chains', report.audit.chainBreaks],
    ['streams the workflow refuses on replay', report.audit.replayRefusals],
    ['journeys the read models disagree on', report.readModels.disagreeing],
  ];
  const lines = lists
    .filter(([, list]) => list.length > 0)
    .map(([what, list]) => `${what} (${list.length}): ${JSON.stringify(list.slice(0, 10))}`);
  if (report.audit.integrity !== 'ok') lines.push(`integrity check: ${report.audit.integrity}`);
  if (!report.readModels.caughtUp) lines.push(`read models at ${report.readModels.position}, store head ${report.readModels.head}`);
  return lines;
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { long: { type: 'boolean' }, seed: { type: 'string' }, commands: { type: 'string' }, kills: { type: 'string' } },
    strict: true,
  });
  const form = values.long ? LONG_FORM : SHORT_FORM;
  const options: SoakOptions = {
    ...form,
    commands: values.commands ? Number(values.commands) : form.commands,
    kills: values.kills ? Number(values.kills) : form.kills,
    seed: values.seed ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31),
    log: (line) => console.log(line),
  };
  const report = await runKill9Soak(options);
  const { killPoints, ...summary } = report;
  console.log(JSON.stringify({ ...summary, killPoints: killPoints.join(','), audit: { ...report.audit } }, null, 2));
  const problems = findings(report);
  problems.forEach((line) => console.error(`FOUND: ${line}`));
  console.log(problems.length === 0 ? 'soak: nothing lost, nothing doubled, nothing half-written' : `soak: ${problems.length} problem(s)`);
  process.exitCode = problems.length === 0 ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    () => process.exit(),
    (error: unknown) => {
      console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
      process.exit(1);
    },
  );
}
