/**
 * npm run workflow -- <command> [options]
 *
 *   migrate --to <version> --dry-run [--journey <id>] [--workflow <id>] [--file <sqlite>] [--json]
 *   changes --to <version> [--workflow <id>]
 *
 * `migrate --dry-run` replays every journey of an SQLite event file (read-only, through the event
 * store port, as the audit CLI reads it) under the rules of version <version> and says, per
 * journey, whether a migration to it would be accepted or which revision and rule it refuses,
 * with progress and time left on stderr. It never writes: a migration is recorded one journey at a
 * time through the service, by an approver with a reason, and only after the same dry run passes.
 *
 * Exit 0: every journey would pass (or is already there); 1: at least one would be refused (or
 * cannot be read); 2: the command could not run (arguments, unknown version, missing file).
 *
 * `runWorkflowCli(argv, io, registry)` is the whole command, so tests run it in-process with a
 * registry of their own; run as a script, it uses the engine's WorkflowRegistry.
 */
import { validate as isUuid } from 'uuid';
import {
  changesFromPrevious,
  definitionAfter,
  dryRunMigration,
  renderChanges,
  SUPPORT_PLANNING,
  UnknownWorkflowError,
  WorkflowRegistry,
  type DryRun,
  type StreamEvent,
  type WorkflowRef,
} from '../workflows';
import { processIo, type AuditIo as CliIo } from '../src/audit/cli/cli-io';
import { eventFileOf, EXIT, parseCommandLine, UsageError as CliUsageError } from '../src/common/cli';
import type { JourneyRead } from '../src/audit/verify/journey-read';
import { ProgressReporter } from '../src/audit/cli/progress';
import { EventFileError, SqliteJourneyReader } from '../src/audit/verify/sqlite-journey-reader';
import { journeyIdOf, metadataOf, streamIdOf, toMachineEvent } from '../src/journeys/journey-records';

export const USAGE = `usage: npm run workflow -- <command> [options]
  migrate --to <version> --dry-run [--journey <id>] [--workflow <id>] [--file <sqlite>] [--json]
      would each journey's history be valid under <version>'s rules? per journey: yes, or the
      first revision and rule refused (progress and time left on stderr; nothing is written)
  changes --to <version> [--workflow <id>]
      what changed in <version> from the version before it, as Markdown
The event file is SQLITE_FILE (or --file); the workflow is ${SUPPORT_PLANNING} unless --workflow.
Exit 0: every journey would pass; 1: some journey would be refused or cannot be read; 2: the command could not run.`;

const OPTIONS = {
  to: { type: 'string' },
  'dry-run': { type: 'boolean' },
  journey: { type: 'string' },
  workflow: { type: 'string' },
  file: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

type Options = ReturnType<typeof parse>['values'];

function parse(argv: readonly string[]) {
  return parseCommandLine(argv, OPTIONS);
}

/** One journey's answer. `already`: it is on the target version or a later one, nothing to do. */
export type JourneyVerdict =
  | { journeyId: string; verdict: 'valid'; from: number; to: number; events: number }
  | {
      journeyId: string;
      verdict: 'refused';
      from: number;
      to: number;
      events: number;
      revision: number;
      type: string;
      rule: string;
      explanation: string;
      state: string;
    }
  | { journeyId: string; verdict: 'already'; version: number; events: number }
  | { journeyId: string; verdict: 'unreadable'; revision: number; events: number };

export interface DryRunReport {
  workflow: string;
  to: number;
  journeys: JourneyVerdict[];
  counts: Record<JourneyVerdict['verdict'], number>;
}

/** The target version, which this build must have: a version it cannot replay cannot be dry-run. */
function targetVersion(options: Options, registry: WorkflowRegistry, workflowId: string): number {
  if (options.to === undefined) throw new CliUsageError('--to <version> is required');
  if (!/^[1-9][0-9]*$/.test(options.to)) throw new CliUsageError(`--to must be a version number (got ${options.to})`);
  const to = Number(options.to);
  try {
    registry.get(workflowId, to);
  } catch (error) {
    if (!(error instanceof UnknownWorkflowError)) throw error;
    const known = registry
      .list()
      .filter((definition) => definition.id === workflowId)
      .map((definition) => `v${definition.version}`);
    throw new CliUsageError(`this build has no ${workflowId} v${to} (it has ${known.join(', ') || 'none'})`);
  }
  return to;
}

function journeyOption(options: Options): string | undefined {
  if (options.journey === undefined) return undefined;
  if (!isUuid(options.journey)) throw new CliUsageError(`--journey must be a journey UUID (got ${options.journey})`);
  return options.journey.toLowerCase();
}

/** The dry run for one journey as read from the file. */
export function dryRunJourney(
  registry: WorkflowRegistry,
  workflowId: string,
  to: number,
  streamId: string,
  read: JourneyRead,
): JourneyVerdict | null {
  const journeyId = journeyIdOf(streamId);
  if (read.kind === 'unreadable') return { journeyId, verdict: 'unreadable', revision: read.revision, events: read.readable.length };
  const start: WorkflowRef = metadataOf(read.events[0]).workflow;
  if (start.id !== workflowId) return null;
  const events = read.events.map(toMachineEvent) as StreamEvent[];
  const current = definitionAfter(registry, start, events);
  if (current.version >= to) return { journeyId, verdict: 'already', version: current.version, events: events.length };
  const dryRun: DryRun = dryRunMigration(registry, start, events, to);
  if (dryRun.valid) return { journeyId, verdict: 'valid', from: dryRun.from, to, events: events.length };
  const { from, revision, type, rule, explanation, state } = dryRun;
  return { journeyId, verdict: 'refused', from, to, events: events.length, revision, type, rule, explanation, state };
}

export function describeVerdict(verdict: JourneyVerdict): string {
  const journey = `journey ${verdict.journeyId}`;
  switch (verdict.verdict) {
    case 'valid':
      return `ok         ${journey}: v${verdict.from} → v${verdict.to} would be accepted (${verdict.events} events)`;
    case 'refused':
      return `REFUSED    ${journey}: v${verdict.to} refuses revision ${verdict.revision} ${verdict.type} in ${verdict.state}, rule ${verdict.rule}: ${verdict.explanation}`;
    case 'already':
      return `already    ${journey}: on v${verdict.version}, nothing to migrate`;
    case 'unreadable':
      return `UNREADABLE ${journey}: revision ${verdict.revision} is not readable JSON; it cannot be replayed`;
  }
}

function streamsToCheck(reader: SqliteJourneyReader, journeyId: string | undefined, file: string): string[] {
  const all = reader.streamIds();
  if (journeyId === undefined) return all;
  if (!all.includes(streamIdOf(journeyId))) throw new CliUsageError(`no journey ${journeyId} in ${file}`);
  return [streamIdOf(journeyId)];
}

async function migrateDryRun(io: CliIo, options: Options, registry: WorkflowRegistry, workflowId: string): Promise<number> {
  if (!options['dry-run']) {
    throw new CliUsageError(
      'migrate needs --dry-run: a migration is recorded one journey at a time through the service, by an approver with a reason',
    );
  }
  const to = targetVersion(options, registry, workflowId);
  const journeyId = journeyOption(options);
  const file = eventFileOf(io.env, options.file, 'workflow');
  const reader = SqliteJourneyReader.open(file);
  try {
    const streams = streamsToCheck(reader, journeyId, file);
    io.err(`dry run: ${streams.length} journeys in ${file} against ${workflowId} v${to}`);
    const progress = new ProgressReporter(
      streams.length,
      (line) => io.err(line),
      () => io.elapsedMs(),
    );
    const report: DryRunReport = { workflow: workflowId, to, journeys: [], counts: { valid: 0, refused: 0, already: 0, unreadable: 0 } };
    for (const streamId of streams) {
      const verdict = dryRunJourney(registry, workflowId, to, streamId, await reader.read(streamId));
      progress.advance(verdict?.events ?? 0);
      if (verdict === null) continue;
      report.journeys.push(verdict);
      report.counts[verdict.verdict] += 1;
      if (!options.json) io.out(describeVerdict(verdict));
    }
    const { valid, refused, already, unreadable } = report.counts;
    if (options.json) io.out(JSON.stringify(report, null, 2));
    else io.out(`${valid} would be accepted, ${refused} refused, ${already} already on v${to} or later, ${unreadable} unreadable`);
    return refused + unreadable === 0 ? EXIT.ok : EXIT.failed;
  } finally {
    await reader.close();
  }
}

function changesCommand(io: CliIo, options: Options, registry: WorkflowRegistry, workflowId: string): number {
  const to = targetVersion(options, registry, workflowId);
  const changes = changesFromPrevious(registry.list(), registry.get(workflowId, to));
  if (changes === null) throw new CliUsageError(`${workflowId} v${to} is the first version: nothing changed from an earlier one`);
  io.out(options.json ? JSON.stringify(changes, null, 2) : renderChanges(changes));
  return EXIT.ok;
}

/** Runs one workflow command; returns the exit code. Never throws for a problem the user can fix. */
export async function runWorkflowCli(
  argv: readonly string[],
  io: CliIo,
  registry: WorkflowRegistry = new WorkflowRegistry(),
): Promise<number> {
  try {
    const { values: options, positionals } = parse(argv);
    const [command, ...extra] = positionals;
    if (options.help || command === undefined) {
      if (options.help) io.out(USAGE);
      else io.err(USAGE);
      return options.help ? EXIT.ok : EXIT.usage;
    }
    if (extra.length > 0) throw new CliUsageError(`unexpected argument ${extra[0]}`);
    const workflowId = options.workflow ?? SUPPORT_PLANNING;
    if (command === 'migrate') return await migrateDryRun(io, options, registry, workflowId);
    if (command === 'changes') return changesCommand(io, options, registry, workflowId);
    throw new CliUsageError(`unknown command ${command}`);
  } catch (error) {
    // A stored journey on a version this build does not have: the wrong build for this file.
    if (error instanceof CliUsageError || error instanceof EventFileError || error instanceof UnknownWorkflowError) {
      io.err(`workflow: ${error.message}`);
      if (error instanceof CliUsageError) io.err('run with --help for the commands');
      return EXIT.usage;
    }
    throw error;
  }
}

if (require.main === module) {
  // exitCode rather than exit(): what is printed must be written out in full first.
  runWorkflowCli(process.argv.slice(2), processIo()).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`workflow failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 2;
    },
  );
}
