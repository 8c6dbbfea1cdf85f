/**
 * `npm run store:copy`: the command around copyStreams and verifyCopy. It takes its arguments,
 * output streams, clock and stop signal as parameters so that tests run it as the script does.
 */
import { parseArgs } from 'node:util';
import { EXIT, messageOf, UsageError, type CliOutput } from '../common/cli';
import type { EventStore } from '../event-store/event-store';
import { copyStreams, type CopyResult } from './copy-streams';
import { progressPrinter } from './progress';
import { assertDistinct, describeStore, openStore, parseStoreSpec, type StoreSpec } from './store-spec';
import { verifyCopy, type VerifyResult } from './verify-copy';

export const USAGE = `usage: npm run store:copy -- --from <store> --to <store> [options]

  <store>  sqlite:<file>  or  kurrentdb:<connection string>
           e.g. sqlite:./data/events.db, kurrentdb:kurrentdb://localhost:2113?tls=false

Copies every journey-* stream (event ids, metadata and order kept), then verifies the copy by
replaying both sides. Run it again after an interruption: it goes on where it stopped.

  --concurrency <n>        streams copied at once (default 8)
  --batch-size <n>         events per append (default 200)
  --progress-every <ms>    how often progress is printed on stderr (default 1000)
  --verify-only            copy nothing; compare the two stores
  --skip-verify            copy only (verify later with --verify-only)
  --help`;

export interface CopyArguments {
  from: StoreSpec;
  to: StoreSpec;
  concurrency: number;
  batchSize: number;
  progressEveryMs: number;
  verifyOnly: boolean;
  skipVerify: boolean;
}

/** Where it prints (the outcome on stdout, progress and diagnostics on stderr), its clock and its stop signal. */
export interface StoreCopyIo extends CliOutput {
  now: () => number;
  signal?: AbortSignal;
  /** Opens a store; tests may substitute it. */
  open?: (spec: StoreSpec, role: 'source' | 'target') => Promise<EventStore>;
}

export function parseArguments(argv: readonly string[]): CopyArguments | 'help' {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(argv).values;
  } catch (error) {
    throw new UsageError(messageOf(error));
  }
  if (values.help) return 'help';
  if (values.from === undefined || values.to === undefined) throw new UsageError('both --from and --to are needed');
  if (values['verify-only'] && values['skip-verify']) throw new UsageError('--verify-only and --skip-verify exclude each other');
  const from = parseStoreSpec(values.from);
  const to = parseStoreSpec(values.to);
  assertDistinct(from, to);
  return {
    from,
    to,
    concurrency: positiveInteger(values.concurrency, '--concurrency', 8),
    batchSize: positiveInteger(values['batch-size'], '--batch-size', 200),
    progressEveryMs: positiveInteger(values['progress-every'], '--progress-every', 1000),
    verifyOnly: values['verify-only'] === true,
    skipVerify: values['skip-verify'] === true,
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      concurrency: { type: 'string' },
      'batch-size': { type: 'string' },
      'progress-every': { type: 'string' },
      'verify-only': { type: 'boolean' },
      'skip-verify': { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
}

function positiveInteger(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new UsageError(`${name} must be a whole number above 0, not ${text}`);
  return value;
}

/** Runs the command and returns its exit code (EXIT: 0 copied and verified, 1 failed or differences found, 2 usage, 130 stopped by a signal); never throws. */
export async function runStoreCopy(argv: readonly string[], io: StoreCopyIo): Promise<number> {
  let args: CopyArguments | 'help';
  try {
    args = parseArguments(argv);
  } catch (error) {
    io.err(`store:copy: ${messageOf(error)}`);
    io.err(USAGE);
    return EXIT.usage;
  }
  if (args === 'help') {
    io.out(USAGE);
    return EXIT.ok;
  }

  const open = io.open ?? openStore;
  const stores: EventStore[] = [];
  try {
    stores.push(await open(args.from, 'source'));
    stores.push(await open(args.to, 'target'));
    const [source, target] = stores;
    return await copyAndVerify(source, target, args, io);
  } catch (error) {
    io.err(`store:copy failed: ${messageOf(error)}`);
    if (error instanceof UsageError) return EXIT.usage;
    if (stores.length === 2) io.err('what was copied stays on the target: run the same command again to go on from there');
    return EXIT.failed;
  } finally {
    await Promise.all(stores.map((store) => store.close()));
  }
}

async function copyAndVerify(source: EventStore, target: EventStore, args: CopyArguments, io: StoreCopyIo): Promise<number> {
  const printer = progressPrinter((line) => io.err(line), { intervalMs: args.progressEveryMs, now: io.now });
  io.err(`store:copy from ${describeStore(args.from)} to ${describeStore(args.to)}`);

  if (!args.verifyOnly) {
    const copied = await copyStreams(source, target, {
      concurrency: args.concurrency,
      batchSize: args.batchSize,
      signal: io.signal,
      onProgress: printer.report,
    });
    printer.flush();
    if (copied.interrupted) {
      io.err(`stopped: ${describeCopy(copied)}; run the same command again to go on from there`);
      return EXIT.interrupted;
    }
    io.out(`copied ${describeCopy(copied)}`);
  }
  if (args.skipVerify) return EXIT.ok;

  const verified = await verifyCopy(source, target, { concurrency: args.concurrency, onProgress: printer.report });
  printer.flush();
  describeVerification(verified).forEach((line) => io.out(line));
  return verified.streamsWithProblems === 0 ? EXIT.ok : EXIT.failed;
}

function describeCopy(result: CopyResult): string {
  return `${result.streams} streams complete, ${result.events} events (${result.written} written now, ${result.alreadyThere} already on the target)`;
}

function describeVerification(result: VerifyResult): string[] {
  if (result.streamsWithProblems === 0) {
    return [`verified: ${result.streams} streams, ${result.events} events identical on both sides; every hash chain on the target intact`];
  }
  return [
    `NOT verified: ${result.streamsWithProblems} streams differ (the source has ${result.streams})${result.truncated ? `; the first ${result.problems.length} problems` : ''}:`,
    ...result.problems.map(
      (problem) => `  ${problem.streamId}${problem.revision === undefined ? '' : ` @${problem.revision}`}: ${problem.problem}`,
    ),
  ];
}
