/**
 * npm run audit -- <command> [options]   (`--help`, and `<command> --help`, list them)
 *
 *   verify [--journey <id> | --all] [--file <sqlite>] [--json]
 *   verify --checkpoint <file> [--public-key <pem>] [--file <sqlite>] [--json]
 *   checkpoint [--out <file>] [--file <sqlite>]
 *   replay [--all | --journey <id>] [--file <sqlite>] [--json]
 *   export --journey <id> [--format json|html] [--out <file>] [--as <name>] [--file <sqlite>]
 *
 * Exit 0 when everything checked is sound, 1 when something is broken or changed, 2 when the
 * command could not run (arguments, configuration, missing files): EXIT in src/common/cli.ts.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { validate as isUuid } from 'uuid';
import { WorkflowRegistry } from '../../../workflows';
import { cliProgram, EXIT, HELP_HINT, runProgram, UsageError } from '../../common/cli';
import { CheckpointFormatError } from '../checkpoint/checkpoint';
import { SigningKeyError } from '../checkpoint/signing-key';
import { EventFileError, SqliteJourneyReader } from '../verify/sqlite-journey-reader';
import { auditSettings, type AuditIo } from './cli-io';
import { checkpointCommand, exportCommand, replayCommand, verifyCheckpointCommand, verifyCommand, type CommandContext } from './commands';

const DESCRIPTION = 'Check the record straight from the event file, with or without the service running.';

const NOTES = `
The event file is SQLITE_FILE (or --file); the signing key AUDIT_SIGNING_KEY_FILE.
Exit 0: sound; 1: something broken or changed; 2: the command could not run.`;

const EXPORT_NOTE = `Exports are written to the access log beside the event file (access-log.db) before they are
made, as a read by cli:<account> (or cli:<--as>).`;

interface CommonOptions {
  file?: string;
  json?: boolean;
}

/** Journey ids are compared in lower case, as the store names streams. */
function journeyId(value: string): string {
  if (!isUuid(value)) throw new InvalidArgumentError(`--journey must be a journey UUID (got ${value})`);
  return value.toLowerCase();
}

/** Who to log an export as, when the account is shared: a name, not free text. */
function accountName(value: string): string {
  if (!/^[A-Za-z0-9._@-]{1,100}$/.test(value))
    throw new InvalidArgumentError(`--as must be a name of letters, digits and . _ @ - (got ${value})`);
  return value;
}

const fileOption = () => new Option('--file <sqlite>', 'the SQLite event file (default: SQLITE_FILE, else ./data/events.db)');
const jsonOption = () => new Option('--json', 'print the result as JSON');
const journeyOption = () => new Option('--journey <id>', 'one journey, by its UUID').argParser(journeyId).conflicts('all');
const allOption = () => new Option('--all', 'every journey (the default)');

type Run = (context: CommandContext) => Promise<number>;

/**
 * The subcommands, each an action that opens the event file, runs its command and keeps the exit
 * code in `result`. Commander checks the options (names, values, conflicts); the commands check
 * the record.
 */
function auditProgram(io: AuditIo, registry: WorkflowRegistry, result: { code?: number }): Command {
  const program = cliProgram('audit', io).usage('<command> [options]').description(DESCRIPTION).addHelpText('after', NOTES);
  const action =
    <O extends CommonOptions>(run: (options: O) => Run) =>
    async (options: O) => {
      result.code = await withReader(io, registry, options.file, run(options));
    };

  program
    .command('verify')
    .description('chain and workflow replay of each journey; with --checkpoint, that nothing signed in it changed since')
    .addOption(journeyOption())
    .addOption(allOption())
    .addOption(new Option('--checkpoint <file>', 'a checkpoint file written by `checkpoint`').conflicts(['journey', 'all']))
    .addOption(new Option('--public-key <pem>', 'the Ed25519 public key to check the checkpoint with'))
    .addOption(fileOption())
    .addOption(jsonOption())
    .action(
      action(
        (options: CommonOptions & { journey?: string; checkpoint?: string; publicKey?: string }) => (context) =>
          options.checkpoint === undefined
            ? verifyCommand(context, { journey: options.journey, json: options.json ?? false })
            : verifyCheckpointCommand(context, {
                checkpoint: options.checkpoint,
                publicKey: options.publicKey,
                json: options.json ?? false,
              }),
      ),
    );

  program
    .command('checkpoint')
    .description("sign every journey's chain head (Ed25519)")
    .addOption(new Option('--out <file>', 'write the checkpoint here rather than to stdout'))
    .addOption(fileOption())
    .action(action((options: CommonOptions & { out?: string }) => (context) => checkpointCommand(context, { out: options.out })));

  program
    .command('replay')
    .description('replay with progress, then a summary of the caseload')
    .addOption(allOption())
    .addOption(journeyOption())
    .addOption(fileOption())
    .addOption(jsonOption())
    .action(
      action(
        (options: CommonOptions & { journey?: string }) => (context) =>
          replayCommand(context, { journey: options.journey, json: options.json ?? false }),
      ),
    );

  program
    .command('export')
    .description('one self-contained file of the journey, logged as a read')
    .addOption(new Option('--journey <id>', 'the journey, by its UUID').argParser(journeyId).makeOptionMandatory())
    .addOption(new Option('--format <format>', 'the file to write').choices(['json', 'html']).default('json'))
    .addOption(new Option('--out <file>', 'write it here rather than to stdout'))
    .addOption(new Option('--as <name>', 'log the export as cli:<name> (a shared account)').argParser(accountName))
    .addOption(fileOption())
    .addHelpText('after', `\n${EXPORT_NOTE}`)
    .action(
      action(
        (options: CommonOptions & { journey: string; format: 'json' | 'html'; out?: string; as?: string }) => (context) =>
          exportCommand(context, { journey: options.journey, format: options.format, out: options.out, as: options.as }),
      ),
    );

  return program;
}

/** Opens the event file the command names, runs it, and closes the file whatever happens. */
async function withReader(io: AuditIo, registry: WorkflowRegistry, file: string | undefined, run: Run): Promise<number> {
  const settings = auditSettings(io.env, file);
  const reader = SqliteJourneyReader.open(settings.sqliteFile);
  try {
    return await run({ io, reader, registry, settings });
  } finally {
    await reader.close();
  }
}

/** Problems the person running the command can fix: exit 2 with the message, never a stack. */
function isUsageProblem(error: unknown): error is Error {
  return (
    error instanceof UsageError ||
    error instanceof EventFileError ||
    error instanceof SigningKeyError ||
    error instanceof CheckpointFormatError
  );
}

/** Runs one audit command; returns the exit code. Never throws for a problem the user can fix. */
export async function runAudit(argv: readonly string[], io: AuditIo, registry = new WorkflowRegistry()): Promise<number> {
  const result: { code?: number } = {};
  try {
    return await runProgram(auditProgram(io, registry, result), argv, () => result.code);
  } catch (error) {
    if (!isUsageProblem(error)) throw error;
    io.err(`audit: ${error.message}`);
    if (error instanceof UsageError) io.err(HELP_HINT);
    return EXIT.usage;
  }
}
