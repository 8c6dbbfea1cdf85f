/**
 * What every command-line tool of the engine shares (`npm run audit`, `npm run store:copy`,
 * `npm run token`): where it prints, what its exit codes mean, how a mistake in the way it was
 * asked is told apart from a failure, and how a commander program runs in-process so that tests
 * call a tool exactly as its script does and read what it printed.
 */
import { Command, CommanderError } from 'commander';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DEFAULT_SQLITE_FILE } from '../config/load-config';

/**
 * Exit codes, the same for every tool: 0 done and sound; 1 it ran and found something wrong (a
 * broken record, a copy that differs) or failed part-way; 2 it could not run as asked (arguments,
 * configuration, missing files); 130 stopped by a signal, with what was done kept.
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

/** A problem with how the command was asked (arguments, configuration, files): exit 2 with its message. */
export class UsageError extends Error {
  readonly code = 'CLI.USAGE';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * The SQLite event file a tool reads: `--file`, else SQLITE_FILE as the service finds it. A tool
 * reads files, so a service configured for another store must be pointed at a file.
 */
export function eventFileOf(env: Record<string, string | undefined>, fileOption: string | undefined, tool: string, otherwise = ''): string {
  const store = env.EVENT_STORE?.trim() || 'sqlite';
  if (fileOption === undefined && store !== 'sqlite') {
    throw new UsageError(`the ${tool} CLI reads SQLite event files; EVENT_STORE is ${store}: pass --file <sqlite file>${otherwise}`);
  }
  return fileOption ?? (env.SQLITE_FILE?.trim() || DEFAULT_SQLITE_FILE);
}

/** Where a tool prints: the result on stdout, progress, warnings and errors on stderr. One line (or block) a call. */
export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
}

export function processOutput(): CliOutput {
  return {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
  };
}

/** Said after a refused command line, so the person knows where the list of commands is. */
export const HELP_HINT = '(add --help for the commands and their options)';

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A commander program that prints through `output` and never calls process.exit: help, a bad
 * option or an unknown command end `runProgram` with an exit code instead. Commander's own error
 * lines are prefixed with the tool's name, like the tool's other messages.
 */
export function cliProgram(name: string, output: CliOutput): Command {
  // Subcommands made with .command() inherit all of this (commander's copyInheritedSettings).
  return new Command(name)
    .exitOverride()
    .showSuggestionAfterError(true)
    .showHelpAfterError(HELP_HINT)
    .configureOutput({
      writeOut: (text) => output.out(text.replace(/\n$/, '')),
      writeErr: (text) => output.err(text.replace(/\n$/, '')),
      outputError: (text, write) => write(`${name}: ${text.replace(/^error: /, '')}`),
    });
}

/**
 * Parses `argv` (the arguments after the script's name) and runs the chosen action; the action
 * reports its exit code through `result`. Help asked for exits 0; any other refusal by commander
 * (unknown option or command, a missing or invalid value, no command at all) exits 2.
 */
export async function runProgram(program: Command, argv: readonly string[], result: () => number | undefined): Promise<number> {
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    throw error;
  }
  return result() ?? EXIT.ok;
}

/**
 * A one-command tool's options and positionals (node's parseArgs, strict): an unknown or
 * malformed option is a UsageError (exit 2), never a crash.
 */
export function parseCommandLine<O extends NonNullable<ParseArgsConfig['options']>>(argv: readonly string[], options: O) {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
