/**
 * npm run audit -- <command> [options]
 *
 *   verify [--journey <id> | --all] [--file <sqlite>] [--json]
 *   verify --checkpoint <file> [--public-key <pem>] [--file <sqlite>] [--json]
 *   checkpoint [--out <file>] [--file <sqlite>]
 *   replay [--all | --journey <id>] [--file <sqlite>] [--json]
 *   export --journey <id> [--format json|html] [--out <file>] [--as <name>] [--file <sqlite>]
 *
 * Exit 0 when everything checked is sound, 1 when something is broken or changed, 2 when the
 * command could not run (arguments, configuration, missing files).
 */
import { parseArgs } from 'node:util';
import { validate as isUuid } from 'uuid';
import { WorkflowRegistry } from '../../../workflows';
import { CheckpointFormatError } from '../checkpoint';
import { SigningKeyError } from '../signing-key';
import { EventFileError, SqliteJourneyReader } from '../sqlite-journey-reader';
import { CliUsageError, EXIT, auditSettings, type CliIo } from './cli-io';
import { checkpointCommand, exportCommand, replayCommand, verifyCheckpointCommand, verifyCommand, type CommandContext } from './commands';

export const USAGE = `usage: npm run audit -- <command> [options]
  verify [--journey <id> | --all] [--file <sqlite>] [--json]      chain and workflow replay of each journey
  verify --checkpoint <file> [--public-key <pem>] [--file <sqlite>]  nothing signed in the checkpoint changed since
  checkpoint [--out <file>] [--file <sqlite>]                       sign every journey's chain head (Ed25519)
  replay [--all | --journey <id>] [--file <sqlite>] [--json]      replay with progress, summary of the caseload
  export --journey <id> [--format json|html] [--out <file>] [--as <name>]
                                                                   one self-contained file of the journey,
                                                                   logged as a read by cli:<account or --as>
The event file is SQLITE_FILE (or --file); the signing key AUDIT_SIGNING_KEY_FILE.
Exports are written to the access log beside the event file (access-log.db) before they are made.
Exit 0: sound; 1: something broken or changed; 2: the command could not run.`;

const OPTIONS = {
  journey: { type: 'string' },
  all: { type: 'boolean' },
  file: { type: 'string' },
  json: { type: 'boolean' },
  checkpoint: { type: 'string' },
  'public-key': { type: 'string' },
  out: { type: 'string' },
  format: { type: 'string' },
  as: { type: 'string' },
  help: { type: 'boolean' },
} as const;

type Options = ReturnType<typeof parse>['values'];

function parse(argv: readonly string[]) {
  try {
    return parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: true });
  } catch (error) {
    throw new CliUsageError((error as Error).message);
  }
}

function journeyOption(options: Options, required: boolean): string | undefined {
  if (options.journey === undefined) {
    if (required) throw new CliUsageError('--journey <id> is required');
    return undefined;
  }
  if (options.all) throw new CliUsageError('give --journey <id> or --all, not both');
  if (!isUuid(options.journey)) throw new CliUsageError(`--journey must be a journey UUID (got ${options.journey})`);
  return options.journey.toLowerCase();
}

/** Who to log an export as, when the account is shared: a name, not free text. */
function asOption(options: Options): string | undefined {
  if (options.as === undefined) return undefined;
  if (!/^[A-Za-z0-9._@-]{1,100}$/.test(options.as)) throw new CliUsageError(`--as must be a name of letters, digits and . _ @ - (got ${options.as})`);
  return options.as;
}

function formatOption(options: Options): 'json' | 'html' {
  const format = options.format ?? 'json';
  if (format !== 'json' && format !== 'html') throw new CliUsageError(`--format must be json or html (got ${format})`);
  return format;
}

async function dispatch(command: string, options: Options, context: CommandContext): Promise<number> {
  const json = options.json ?? false;
  switch (command) {
    case 'verify':
      if (options.checkpoint !== undefined) {
        return verifyCheckpointCommand(context, { checkpoint: options.checkpoint, publicKey: options['public-key'], json });
      }
      return verifyCommand(context, { journey: journeyOption(options, false), json });
    case 'checkpoint':
      return checkpointCommand(context, { out: options.out });
    case 'replay':
      return replayCommand(context, { journey: journeyOption(options, false), json });
    case 'export':
      return exportCommand(context, { journey: journeyOption(options, true) as string, format: formatOption(options), out: options.out, as: asOption(options) });
    default:
      throw new CliUsageError(`unknown command ${command}`);
  }
}

const COMMANDS = ['verify', 'checkpoint', 'replay', 'export'];

/** Runs one audit command; returns the exit code. Never throws for a problem the user can fix. */
export async function runAudit(argv: readonly string[], io: CliIo, registry = new WorkflowRegistry()): Promise<number> {
  let reader: SqliteJourneyReader | undefined;
  try {
    const { values: options, positionals } = parse(argv);
    const [command, ...extra] = positionals;
    if (options.help || command === undefined) {
      (options.help ? io.out : io.err)(USAGE);
      return options.help ? EXIT.ok : EXIT.usage;
    }
    if (!COMMANDS.includes(command)) throw new CliUsageError(`unknown command ${command}`);
    if (extra.length > 0) throw new CliUsageError(`unexpected argument ${extra[0]}`);
    const settings = auditSettings(io.env, options.file);
    reader = SqliteJourneyReader.open(settings.sqliteFile);
    return await dispatch(command, options, { io, reader, registry, settings });
  } catch (error) {
    if (error instanceof CliUsageError || error instanceof EventFileError || error instanceof SigningKeyError || error instanceof CheckpointFormatError) {
      io.err(`audit: ${error.message}`);
      if (error instanceof CliUsageError) io.err('run with --help for the commands');
      return EXIT.usage;
    }
    throw error;
  } finally {
    await reader?.close();
  }
}
