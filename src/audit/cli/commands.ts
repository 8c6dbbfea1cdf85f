/**
 * The audit commands. Each reads the event file through a SqliteJourneyReader, does its checking
 * with the pure functions of src/audit, prints, and returns an exit code (see EXIT).
 */
import { readFileSync } from 'node:fs';
import { WorkflowRegistry } from '../../../workflows';
import { accessLogFile, SqliteAccessLog } from '../../access-log/access-log';
import { integrityOf, verifyChain } from '../../integrity/hash-chain';
import { streamIdOf } from '../../journeys/journey-records';
import {
  checkSignature,
  compareReadWithCheckpoint,
  createCheckpoint,
  excludedFinding,
  parseCheckpoint,
  type ChainHead,
  type Checkpoint,
  type CheckpointFinding,
  type ExcludedJourney,
} from '../checkpoint/checkpoint';
import { renderExportHtml } from '../export/export-html';
import { buildExport } from '../export/journey-export';
import { readableEvents, type JourneyRead } from '../verify/journey-read';
import { verifyInParallel, verifyWorkerCount } from '../verify/parallel-verify';
import { ProgressReporter } from './progress';
import { ReplayTally, type ReplaySummary } from './replay-tally';
import { signingKeyForSigning, trustedPublicKey } from '../checkpoint/signing-key';
import type { SqliteJourneyReader } from '../verify/sqlite-journey-reader';
import { isSound, verifyRead, type JourneyVerification, type VerifiedReplay } from '../verify/verify-journey';
import { EXIT, UsageError } from '../../common/cli';
import type { AuditIo, AuditSettings } from './cli-io';

export interface CommandContext {
  io: AuditIo;
  reader: SqliteJourneyReader;
  registry: WorkflowRegistry;
  settings: AuditSettings;
}

/** Reads one journey and replays it; an unreadable row gives a verdict naming it rather than an exception. */
async function replayStream(context: CommandContext, streamId: string): Promise<VerifiedReplay> {
  return verifyRead(streamId, await context.reader.read(streamId), context.registry);
}

/** Progress of a run over `total` journeys on stderr: at intervals, and a last line when done. */
function progressOver(context: CommandContext, total: number): ProgressReporter {
  return new ProgressReporter(
    total,
    (line) => context.io.err(line),
    () => context.io.elapsedMs(),
  );
}

/** The streams a command covers: one journey (which must exist) or all of them. */
function streamsToCheck(context: CommandContext, journeyId: string | undefined): string[] {
  const all = context.reader.streamIds();
  if (journeyId === undefined) return all;
  const streamId = streamIdOf(journeyId);
  if (!all.includes(streamId)) throw new UsageError(`no journey ${journeyId} in ${context.settings.sqliteFile}`);
  return [streamId];
}

// ---- verify ----------------------------------------------------------------------------------

export function describeVerification(verification: JourneyVerification): string {
  const chain = verification.chain.intact
    ? 'chain intact'
    : `CHAIN BROKEN at revision ${verification.chain.revision} (${verification.chain.problem})`;
  const replay = verification.replay.consistent
    ? 'replay consistent'
    : `REPLAY REFUSED at revision ${verification.replay.revision} ${verification.replay.type} (${verification.replay.reason})`;
  const version = verification.workflow ? `${verification.workflow.id} v${verification.workflow.version}` : 'no workflow';
  const head = `head ${verification.head.revision} ${verification.head.hash ?? '-'}`;
  return `${isSound(verification) ? 'ok    ' : 'BROKEN'} journey ${verification.journeyId}: ${verification.events} events, ${version}, ${chain}, ${replay}, ${head}`;
}

export async function verifyCommand(context: CommandContext, options: { journey?: string; json: boolean }): Promise<number> {
  const results: JourneyVerification[] = [];
  const streams = streamsToCheck(context, options.journey);
  const progress = progressOver(context, streams.length);
  const report = (verification: JourneyVerification) => {
    results.push(verification);
    if (!options.json) context.io.out(describeVerification(verification));
    progress.advance(verification.events);
  };
  const workers = verifyWorkerCount(streams.length);
  if (workers > 1) {
    await verifyInParallel(context.settings.sqliteFile, streams, workers, report);
  } else {
    for (const streamId of streams) report((await replayStream(context, streamId)).verification);
  }
  const broken = results.filter((verification) => !isSound(verification));
  const events = results.reduce((sum, verification) => sum + verification.events, 0);
  if (options.json) {
    context.io.out(
      JSON.stringify(
        { journeys: results, summary: { journeys: results.length, events, sound: results.length - broken.length, broken: broken.length } },
        null,
        2,
      ),
    );
  } else {
    context.io.out(
      `verified ${results.length} journeys, ${events} events: ${results.length - broken.length} sound, ${broken.length} broken`,
    );
    broken.forEach((verification) => context.io.out(`  broken: journey ${verification.journeyId}`));
  }
  return broken.length === 0 ? EXIT.ok : EXIT.failed;
}

// ---- checkpoint -------------------------------------------------------------------------------

/**
 * Every journey's head, with its chain checked first: a journey already broken is listed as
 * excluded (and the run exits 1) rather than signed, so a checkpoint never vouches for a break.
 * Only the chain: a checkpoint proves what the record held, and `verify` judges it by the rules.
 */
export async function checkpointCommand(context: CommandContext, options: { out?: string }): Promise<number> {
  const key = signingKeyForSigning(context.settings);
  if (key.source === 'generated')
    context.io.err(`generated a development signing key at ${key.path}; keep its public half with your checkpoints`);
  const heads: ChainHead[] = [];
  const excluded: ExcludedJourney[] = [];
  const streams = context.reader.streamIds();
  const progress = progressOver(context, streams.length);
  for (const streamId of streams) {
    const read = await context.reader.read(streamId);
    const head = chainHead(streamId, read);
    if ('problem' in head) excluded.push(head);
    else heads.push(head);
    progress.advance(readableEvents(read).length);
  }
  const checkpoint = createCheckpoint(heads, excluded, context.io.now(), key.privateKey);
  const text = `${JSON.stringify(checkpoint, null, 2)}\n`;
  if (options.out === undefined) context.io.out(text.trimEnd());
  else context.io.writeFile(options.out, text);
  context.io.err(`checkpoint of ${heads.length} journeys, root ${checkpoint.root}${options.out ? `, written to ${options.out}` : ''}`);
  excluded.forEach((journey) =>
    context.io.err(`EXCLUDED journey ${journey.streamId}: chain broken at revision ${journey.revision} (${journey.problem})`),
  );
  return excluded.length === 0 ? EXIT.ok : EXIT.failed;
}

/** The stream's head if its chain is whole (the workflow replay is verify's business, not the signature's). */
function chainHead(streamId: string, read: JourneyRead): ChainHead | ExcludedJourney {
  if (read.kind === 'unreadable') return { streamId, revision: read.revision, problem: 'unreadable' };
  const chainBreak = verifyChain(read.events);
  if (chainBreak) return { streamId, ...chainBreak };
  const last = read.events[read.events.length - 1];
  return { streamId, revision: last.revision, hash: integrityOf(last.metadata)?.hash as string };
}

function readCheckpointFile(path: string): Checkpoint {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new UsageError(`cannot read the checkpoint file ${path}`);
  }
  return parseCheckpoint(text);
}

/**
 * Signature first (against the trusted key, not only the one in the file), then every journey
 * the checkpoint lists: still there, at least as long, and unchanged up to the signed head. The
 * journeys it excluded are findings too: it vouches for nothing of them.
 */
export async function verifyCheckpointCommand(
  context: CommandContext,
  options: { checkpoint: string; publicKey?: string; json: boolean },
): Promise<number> {
  const checkpoint = readCheckpointFile(options.checkpoint);
  const trusted = trustedPublicKey(context.settings, options.publicKey);
  if (options.publicKey === undefined) {
    // Whoever holds the engine's key could re-sign an altered history: only a key kept apart proves it.
    context.io.err(
      `warning: checking the signature with the engine's own key (${trusted.path}); pass --public-key <pem> kept outside the engine to verify independently`,
    );
  }
  const signature = checkSignature(checkpoint, trusted.key);
  if (!signature.valid) {
    context.io.out(`SIGNATURE INVALID (${signature.problem}): ${signature.message}`);
    return EXIT.failed;
  }
  const findings = await changesSince(context, checkpoint);
  const brokenWhenSigned = checkpoint.excluded.map(excludedFinding);
  const known = new Set([...checkpoint.journeys, ...checkpoint.excluded].map((journey) => journey.streamId));
  const newSince = context.reader.streamIds().filter((streamId) => !known.has(streamId)).length;
  if (options.json) {
    const { createdAt, journeys } = checkpoint;
    context.io.out(
      JSON.stringify(
        { signature: 'valid', createdAt, journeys: journeys.length, changed: findings, brokenWhenSigned, newSinceCheckpoint: newSince },
        null,
        2,
      ),
    );
  } else {
    context.io.out(`signature valid (trusted key ${trusted.path}); checkpoint of ${checkpoint.createdAt}, root ${checkpoint.root}`);
    findings.forEach((finding) =>
      context.io.out(
        `CHANGED journey ${finding.journeyId} (signed at revision ${finding.revision}): ${finding.problem}: ${finding.detail}`,
      ),
    );
    brokenWhenSigned.forEach((finding) => context.io.out(`BROKEN WHEN SIGNED journey ${finding.journeyId}: ${finding.detail}`));
    const excluded = brokenWhenSigned.length > 0 ? `; ${brokenWhenSigned.length} excluded when signed, already broken` : '';
    context.io.out(
      `checked ${checkpoint.journeys.length} journeys against the checkpoint: ${checkpoint.journeys.length - findings.length} unchanged, ${findings.length} changed or removed${excluded}; ${newSince} journeys opened since`,
    );
  }
  return findings.length === 0 && brokenWhenSigned.length === 0 ? EXIT.ok : EXIT.failed;
}

/** Each journey the checkpoint signed, compared with the store now. */
async function changesSince(context: CommandContext, checkpoint: Checkpoint): Promise<CheckpointFinding[]> {
  const findings: CheckpointFinding[] = [];
  const progress = progressOver(context, checkpoint.journeys.length);
  for (const head of checkpoint.journeys) {
    const read = await context.reader.read(head.streamId);
    const finding = compareReadWithCheckpoint(head, read);
    if (finding) findings.push(finding);
    progress.advance(readableEvents(read).length);
  }
  return findings;
}

// ---- replay -----------------------------------------------------------------------------------

function countsLine(counts: Record<string, number>): string {
  const entries = Object.entries(counts).filter(([, count]) => count > 0);
  return entries.length === 0 ? 'none' : entries.map(([name, count]) => `${name} ${count}`).join(', ');
}

export function describeSummary(summary: ReplaySummary): string[] {
  return [
    `replayed ${summary.journeys} journeys, ${summary.events} events: ${summary.sound} sound, ${summary.broken.length} broken`,
    `by state: ${countsLine(summary.byState)}`,
    `by funding stream: ${countsLine(summary.byFundingStream)}`,
    `clocks missed (DeadlineMissed, work not done): ${countsLine(summary.overdueClocks.missed)}`,
    `clocks past due, not yet recorded missed: ${countsLine(summary.overdueClocks.pastDue)}`,
    `challenges: ${countsLine(summary.challenges)}`,
    ...summary.broken.map((journey) => `  broken: journey ${journey.journeyId}`),
  ];
}

export async function replayCommand(context: CommandContext, options: { journey?: string; json: boolean }): Promise<number> {
  const streams = streamsToCheck(context, options.journey);
  const tally = new ReplayTally(context.io.now());
  const progress = progressOver(context, streams.length);
  for (const streamId of streams) {
    const replayed = await replayStream(context, streamId);
    tally.add(replayed);
    progress.advance(replayed.verification.events);
  }
  const summary = tally.result();
  if (options.json) context.io.out(JSON.stringify(summary, null, 2));
  else describeSummary(summary).forEach((line) => context.io.out(line));
  return summary.broken.length === 0 ? EXIT.ok : EXIT.failed;
}

// ---- export -----------------------------------------------------------------------------------

export async function exportCommand(
  context: CommandContext,
  options: { journey: string; format: 'json' | 'html'; out?: string; as?: string },
): Promise<number> {
  const [streamId] = streamsToCheck(context, options.journey);
  const read = await context.reader.read(streamId);
  if (read.kind === 'unreadable')
    throw new UsageError(`journey ${options.journey} cannot be exported: revision ${read.revision} is not readable JSON (run verify)`);
  const document = buildExport(read.events, context.registry, context.io.now());
  await logExport(context, options);
  const text = options.format === 'html' ? renderExportHtml(document) : `${JSON.stringify(document, null, 2)}\n`;
  if (options.out === undefined) context.io.out(text.trimEnd());
  else {
    context.io.writeFile(options.out, text);
    context.io.err(
      `exported journey ${options.journey} (${document.verification.events} events, head ${document.verification.head.revision}) to ${options.out}`,
    );
  }
  if (document.warning) context.io.err(`WARNING: ${document.warning} The export says where it breaks.`);
  return document.warning === null ? EXIT.ok : EXIT.failed;
}

/**
 * An export is a read of the person's whole record, so it goes in the access log beside the event
 * file, as the API's reads do, before anything is written out: an export that cannot be logged
 * is not made. The actor is `cli:` and the account (or `--as`), as an auditor.
 */
async function logExport(context: CommandContext, options: { journey: string; format: string; as?: string }): Promise<void> {
  const file = accessLogFile({ eventStore: 'sqlite', sqliteFile: context.settings.sqliteFile });
  let log: SqliteAccessLog | undefined;
  try {
    log = new SqliteAccessLog(file);
    await log.record([
      {
        at: context.io.now(),
        actor: { id: `cli:${options.as ?? context.io.user}`, role: 'auditor' },
        route: 'CLI audit export',
        detail: `format=${options.format}`,
        journeyId: options.journey,
      },
    ]);
  } catch (error) {
    throw new UsageError(`could not record the export in the access log ${file} (${(error as Error).message}); nothing was exported`);
  } finally {
    await log?.close();
  }
}
