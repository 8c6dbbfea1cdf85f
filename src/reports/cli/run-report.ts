/**
 * npm run report -- <command> [options]
 *
 *   cld --from <YYYY-MM-DD> --to <YYYY-MM-DD> --out <file.csv> [--la-code <code>] [--as-recorded-by <date>] [--file <sqlite>] [--as <name>]
 *   phb --at <YYYY-MM-DD> [--out <file.csv>] [--as-recorded-by <date>] [--file <sqlite>] [--as <name>]
 *
 * Reads the event file through the EventStore port (opened read-only), writes the access log
 * first (a report is a read of every journey it includes), then the files. Exit 0: the return is
 * clean; 1: it has data-quality errors or left out a journey the workflow refuses (the summary
 * names them); 2: the command could not run.
 */
import { existsSync } from 'node:fs';
import { WorkflowRegistry } from '../../../workflows';
import { accessLogFile, SqliteAccessLog } from '../../access-log/access-log';
import { auditSettings, type AuditIo as CliIo } from '../../audit/cli/cli-io';
import { EXIT, parseCommandLine, UsageError as CliUsageError } from '../../common/cli';
import { ProgressReporter } from '../../audit/cli/progress';
import { SqliteEventStore } from '../../event-store/sqlite/sqlite-event-store';
import { buildCldReport, CLD_HEADERS, describeCldReport, errorsOf } from '../cld-report';
import { toCsv } from '../csv';
import { countPhbs, phbInForce, PHB_COHORTS, PHB_TYPES, type PhbCounts } from '../phb';
import { journeysAsRecorded, type ReadProgress, type ReportJourneys } from '../report-journeys';

export const USAGE = `usage: npm run report -- <command> [options]
  cld --from <YYYY-MM-DD> --to <YYYY-MM-DD> --out <file.csv> [--la-code <code>]
      Client Level Data return (Release 2) for the period; the data-quality summary is printed
      and written beside the file (<file>.summary.txt). LA code: --la-code or CLD_LA_CODE.
  phb --at <YYYY-MM-DD> [--out <file.csv>]
      personal health budgets in force on the day, by type and cohort (CHC, other)
Both: [--as-recorded-by <YYYY-MM-DD or ISO time>] the record as it stood then (later facts left out)
      [--file <sqlite>] the event file (default SQLITE_FILE); [--as <name>] who to log the read as
Every journey a report includes is logged as read in the access log beside the event file.
Exit 0: clean; 1: data-quality errors, or a journey the workflow refuses (left out, named); 2: the command could not run.`;

const OPTIONS = {
  from: { type: 'string' },
  to: { type: 'string' },
  at: { type: 'string' },
  out: { type: 'string' },
  file: { type: 'string' },
  'la-code': { type: 'string' },
  'as-recorded-by': { type: 'string' },
  as: { type: 'string' },
  help: { type: 'boolean' },
} as const;

type Options = ReturnType<typeof parse>['values'];

function parse(argv: readonly string[]) {
  return parseCommandLine(argv, OPTIONS);
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A calendar day, checked to exist (2026-02-30 is refused, not rolled over). */
function dayOption(name: string, value: string | undefined): string {
  if (value === undefined) throw new CliUsageError(`--${name} <YYYY-MM-DD> is required`);
  const parsed = new Date(`${value}T00:00:00.000Z`);
  if (!DAY.test(value) || Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== value) {
    throw new CliUsageError(`--${name} must be a date YYYY-MM-DD (got ${value})`);
  }
  return value;
}

/** The end of the cut: a whole day includes everything recorded on it; an ISO time is taken as given. */
function cutoffOption(value: string | undefined): string | null {
  if (value === undefined) return null;
  if (DAY.test(value)) return `${dayOption('as-recorded-by', value)}T23:59:59.999Z`;
  const parsed = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(parsed.getTime())) {
    throw new CliUsageError(`--as-recorded-by must be a date YYYY-MM-DD or an ISO-8601 time (got ${value})`);
  }
  return parsed.toISOString();
}

function asOption(options: Options): string | undefined {
  if (options.as === undefined) return undefined;
  if (!/^[A-Za-z0-9._@-]{1,100}$/.test(options.as))
    throw new CliUsageError(`--as must be a name of letters, digits and . _ @ - (got ${options.as})`);
  return options.as;
}

interface ReportContext {
  io: CliIo;
  store: SqliteEventStore;
  sqliteFile: string;
  registry: WorkflowRegistry;
  as?: string;
}

/** Progress on stderr: events read, then journeys folded (with rate and ETA), at most once a second. */
function progressOn(io: CliIo): ReadProgress {
  let read = 0;
  let lastReadLine = io.elapsedMs();
  let folding: ProgressReporter | undefined;
  return {
    read(events) {
      read += events;
      if (io.elapsedMs() - lastReadLine >= 1000) {
        lastReadLine = io.elapsedMs();
        io.err(`read ${read.toLocaleString('en-GB')} events`);
      }
    },
    folding(journeys) {
      folding = new ProgressReporter(
        journeys,
        (line) => io.err(line),
        () => io.elapsedMs(),
      );
    },
    folded(events) {
      folding?.advance(events);
    },
  };
}

/**
 * Each journey the report includes, logged as read before anything is written out: a report that
 * cannot be logged is not made. The actor is `cli:` and the account (or --as), as an auditor.
 */
async function logReads(context: ReportContext, journeyIds: readonly string[], route: string, detail: string): Promise<void> {
  const file = accessLogFile({ eventStore: 'sqlite', sqliteFile: context.sqliteFile });
  let log: SqliteAccessLog | undefined;
  try {
    log = new SqliteAccessLog(file);
    const at = context.io.now();
    const actor = { id: `cli:${context.as ?? context.io.user}`, role: 'auditor' as const };
    await log.record(journeyIds.map((journeyId) => ({ at, actor, route, detail, journeyId })));
  } catch (error) {
    throw new CliUsageError(`could not record the report in the access log ${file} (${(error as Error).message}); nothing was written`);
  } finally {
    await log?.close();
  }
}

/** Findings listed on the terminal; the summary file lists them all. */
const PRINTED_FINDINGS = 20;

function summaryFileOf(out: string): string {
  return `${out.replace(/\.csv$/i, '')}.summary.txt`;
}

async function readJourneys(context: ReportContext, cutoff: string | null): Promise<ReportJourneys> {
  return journeysAsRecorded(context.store, context.registry, cutoff, progressOn(context.io));
}

export async function cldCommand(context: ReportContext, options: Options): Promise<number> {
  const period = { from: dayOption('from', options.from), to: dayOption('to', options.to) };
  if (period.to < period.from) throw new CliUsageError(`--to ${period.to} is before --from ${period.from}`);
  if (options.out === undefined) throw new CliUsageError('--out <file.csv> is required');
  const asRecordedBy = cutoffOption(options['as-recorded-by']);
  const laCode = options['la-code'] ?? context.io.env.CLD_LA_CODE ?? '';
  const report = buildCldReport(await readJourneys(context, asRecordedBy), { period, laCode });
  const detail = `from=${period.from};to=${period.to}${asRecordedBy ? `;as-recorded-by=${asRecordedBy}` : ''}`;
  await logReads(context, report.includedJourneys, 'CLI report cld', detail);
  const summaryContext = { period, laCode, asRecordedBy };
  context.io.writeFile(options.out, toCsv(CLD_HEADERS, report.rows));
  context.io.writeFile(summaryFileOf(options.out), `${describeCldReport(report, summaryContext).join('\n')}\n`);
  describeCldReport(report, summaryContext, PRINTED_FINDINGS).forEach((line) => context.io.out(line));
  context.io.err(`wrote ${report.rows.length} rows to ${options.out} and the summary to ${summaryFileOf(options.out)}`);
  // A journey left out is a hole in the return, as much as an error in a row.
  return errorsOf(report).length === 0 && report.excluded.length === 0 ? EXIT.ok : EXIT.failed;
}

function phbLines(counts: PhbCounts, at: string): string[] {
  const total = (cohort: (typeof PHB_COHORTS)[number]) => PHB_TYPES.reduce((sum, type) => sum + counts[cohort][type], 0);
  return [
    `personal health budgets in force on ${at}`,
    `cohort, ${PHB_TYPES.join(', ')}, total`,
    ...PHB_COHORTS.map((cohort) => `${cohort}, ${PHB_TYPES.map((type) => counts[cohort][type]).join(', ')}, ${total(cohort)}`),
  ];
}

export async function phbCommand(context: ReportContext, options: Options): Promise<number> {
  const at = dayOption('at', options.at);
  const asRecordedBy = cutoffOption(options['as-recorded-by']);
  const journeys = await readJourneys(context, asRecordedBy);
  const budgets = journeys.timelines.map((timeline) => phbInForce(timeline, at)).filter((budget) => budget !== null);
  await logReads(
    context,
    budgets.map((budget) => budget.journeyId),
    'CLI report phb',
    `at=${at}${asRecordedBy ? `;as-recorded-by=${asRecordedBy}` : ''}`,
  );
  const counts = countPhbs(budgets);
  phbLines(counts, at).forEach((line) => context.io.out(line));
  journeys.excluded.forEach((journey) => context.io.err(`EXCLUDED journey ${journey.journeyId}: ${journey.reason}`));
  if (options.out !== undefined) {
    const rows = PHB_COHORTS.flatMap((cohort) => PHB_TYPES.map((type) => ({ at, cohort, type, count: String(counts[cohort][type]) })));
    context.io.writeFile(options.out, toCsv(['at', 'cohort', 'type', 'count'], rows));
  }
  return journeys.excluded.length === 0 ? EXIT.ok : EXIT.failed;
}

const COMMANDS = { cld: cldCommand, phb: phbCommand } as const;

function isCommand(name: string): name is keyof typeof COMMANDS {
  return Object.prototype.hasOwnProperty.call(COMMANDS, name);
}

/** Runs one report; returns the exit code. Never throws for a problem the user can fix. */
export async function runReport(argv: readonly string[], io: CliIo, registry = new WorkflowRegistry()): Promise<number> {
  let store: SqliteEventStore | undefined;
  try {
    const { values: options, positionals } = parse(argv);
    const [command, ...extra] = positionals;
    if (options.help || command === undefined) {
      if (options.help) io.out(USAGE);
      else io.err(USAGE);
      return options.help ? EXIT.ok : EXIT.usage;
    }
    if (!isCommand(command)) throw new CliUsageError(`unknown command ${command}`);
    if (extra.length > 0) throw new CliUsageError(`unexpected argument ${extra[0]}`);
    const { sqliteFile } = auditSettings(io.env, options.file);
    if (!existsSync(sqliteFile)) throw new CliUsageError(`no event store at ${sqliteFile} (set SQLITE_FILE or pass --file)`);
    store = new SqliteEventStore(sqliteFile, { readonly: true });
    return await COMMANDS[command]({ io, store, sqliteFile, registry, as: asOption(options) }, options);
  } catch (error) {
    if (error instanceof CliUsageError) {
      io.err(`report: ${error.message}`);
      io.err('run with --help for the commands');
      return EXIT.usage;
    }
    throw error;
  } finally {
    await store?.close();
  }
}
