/**
 * Signed checkpoints: every journey's chain head (revision and hash) at one moment, a root hash
 * over them, signed with Ed25519. An auditor keeps the file (and the public key) outside the
 * engine. Later, for each journey it lists, the stream must still hold that revision, its chain
 * up to there must still verify, and the hash there must still be the one signed: so nothing
 * recorded before the checkpoint can have been changed or removed since without it being named.
 *
 * The hash at a revision covers, link by link, every byte of every event before it; so one hash
 * per journey is enough to pin its whole history up to the checkpoint.
 */
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import type { StoredEvent } from '../../event-store/event-store';
import { canonicalJson, integrityOf, verifyChain } from '../../integrity/hash-chain';
import { journeyIdOf } from '../../journeys/journey-records';
import { readableEvents, type JourneyRead } from '../verify/journey-read';
import type { ChainProblem } from '../verify/verify-journey';

export const CHECKPOINT_FORMAT = 'support-planning-engine/checkpoint';
export const CHECKPOINT_VERSION = 1;

export interface ChainHead {
  streamId: string;
  revision: number;
  hash: string;
}

/** A journey left out of a checkpoint because its chain was already broken: signing it would bless the break. */
export interface ExcludedJourney {
  streamId: string;
  revision: number;
  problem: ChainProblem;
}

/** What is signed: everything in the file but the signature and the key. */
export interface CheckpointPayload {
  format: typeof CHECKPOINT_FORMAT;
  version: typeof CHECKPOINT_VERSION;
  createdAt: string;
  journeys: ChainHead[];
  excluded: ExcludedJourney[];
  root: string;
}

export interface Checkpoint extends CheckpointPayload {
  /** Ed25519 over the canonical JSON of the payload, base64. */
  signature: string;
  /** The signer's public key (SPKI PEM). Trust it only if it is the key you expect. */
  publicKey: string;
}

/** Code-unit order, not locale order: the same heads sort the same everywhere. */
function byStreamId<T extends { streamId: string }>(a: T, b: T): number {
  return a.streamId < b.streamId ? -1 : a.streamId > b.streamId ? 1 : 0;
}

/** SHA-256 over the canonical JSON of the heads, sorted by stream. */
export function rootOf(heads: readonly ChainHead[]): string {
  const sorted = [...heads].sort(byStreamId).map(({ streamId, revision, hash }) => ({ streamId, revision, hash }));
  return createHash('sha256').update(canonicalJson(sorted)).digest('hex');
}

function payloadBytes(payload: CheckpointPayload): Buffer {
  const { format, version, createdAt, journeys, excluded, root } = payload;
  return Buffer.from(canonicalJson({ format, version, createdAt, journeys, excluded, root }), 'utf8');
}

export function createCheckpoint(
  heads: readonly ChainHead[],
  excluded: readonly ExcludedJourney[],
  createdAt: Date,
  privateKey: KeyObject,
): Checkpoint {
  const journeys = [...heads].sort(byStreamId);
  const payload: CheckpointPayload = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    createdAt: createdAt.toISOString(),
    journeys,
    excluded: [...excluded].sort(byStreamId),
    root: rootOf(journeys),
  };
  const signature = sign(null, payloadBytes(payload), privateKey).toString('base64');
  const publicKey = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
  return { ...payload, signature, publicKey };
}

export type SignatureVerdict =
  { valid: true } | { valid: false; problem: 'untrusted-key' | 'bad-signature' | 'root-mismatch'; message: string };

/**
 * The signature must verify with the checkpoint's key, that key must be the trusted one (anyone
 * can sign a file with a key of their own), and the root must be the root of the heads listed.
 */
export function checkSignature(checkpoint: Checkpoint, trustedPublicKey: KeyObject): SignatureVerdict {
  const embedded = createPublicKey(checkpoint.publicKey);
  if (!samePublicKey(embedded, trustedPublicKey)) {
    return { valid: false, problem: 'untrusted-key', message: 'the checkpoint is signed with a key other than the trusted one' };
  }
  if (!verify(null, payloadBytes(checkpoint), embedded, Buffer.from(checkpoint.signature, 'base64'))) {
    return { valid: false, problem: 'bad-signature', message: 'the signature does not match the checkpoint: it was changed after signing' };
  }
  if (rootOf(checkpoint.journeys) !== checkpoint.root) {
    return { valid: false, problem: 'root-mismatch', message: 'the root hash is not the root of the heads listed' };
  }
  return { valid: true };
}

function samePublicKey(a: KeyObject, b: KeyObject): boolean {
  const der = (key: KeyObject) => key.export({ type: 'spki', format: 'der' });
  return der(a).equals(der(b));
}

/** `broken-when-signed`: a journey the checkpoint excluded, so it vouches for none of its history. */
export type CheckpointProblem = 'missing' | 'truncated' | 'chain-broken' | 'hash-differs' | 'broken-when-signed';

export interface CheckpointFinding {
  journeyId: string;
  streamId: string;
  /** The revision the checkpoint holds for this journey (for an excluded one, where it was broken). */
  revision: number;
  problem: CheckpointProblem;
  detail: string;
}

function findingOn(at: { streamId: string; revision: number }, problem: CheckpointProblem, detail: string): CheckpointFinding {
  return { journeyId: journeyIdOf(at.streamId), streamId: at.streamId, revision: at.revision, problem, detail };
}

/** A journey left out when the checkpoint was signed: a finding on every check, since nothing of it is vouched for. */
export function excludedFinding(journey: ExcludedJourney): CheckpointFinding {
  return findingOn(
    journey,
    'broken-when-signed',
    `left out of the checkpoint: its chain was already broken at revision ${journey.revision} (${journey.problem})`,
  );
}

/** As compareWithCheckpoint, for a stream as read: a row that no longer parses counts only up to the signed head. */
export function compareReadWithCheckpoint(head: ChainHead, read: JourneyRead): CheckpointFinding | null {
  if (read.kind === 'unreadable' && read.revision <= head.revision) {
    return findingOn(head, 'chain-broken', `revision ${read.revision} is not readable JSON`);
  }
  return compareWithCheckpoint(head, readableEvents(read));
}

/**
 * Does the stream still hold, unchanged, the history the checkpoint signed? Only events up to
 * the checkpoint's revision are looked at: what was recorded since is not the checkpoint's to judge.
 */
export function compareWithCheckpoint(head: ChainHead, events: readonly StoredEvent[]): CheckpointFinding | null {
  const finding = (problem: CheckpointProblem, detail: string): CheckpointFinding => findingOn(head, problem, detail);
  if (events.length === 0) return finding('missing', 'the stream is gone');
  const upToHead = events.filter((event) => event.revision <= head.revision);
  if (upToHead.length <= head.revision || upToHead[upToHead.length - 1].revision !== head.revision) {
    return finding('truncated', `the stream no longer holds revision ${head.revision}`);
  }
  const chainBreak = verifyChain(upToHead);
  if (chainBreak) return finding('chain-broken', `the chain breaks at revision ${chainBreak.revision} (${chainBreak.problem})`);
  const stored = integrityOf(upToHead[upToHead.length - 1].metadata)?.hash;
  if (stored !== head.hash) return finding('hash-differs', `the hash at revision ${head.revision} is not the one signed`);
  return null;
}

/** A checkpoint read from a file, its shape checked before anything is trusted. */
export function parseCheckpoint(text: string): Checkpoint {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CheckpointFormatError('it is not JSON');
  }
  if (!isRecord(value) || value.format !== CHECKPOINT_FORMAT || value.version !== CHECKPOINT_VERSION) {
    throw new CheckpointFormatError(`it is not a ${CHECKPOINT_FORMAT} v${CHECKPOINT_VERSION} file`);
  }
  const strings = ['createdAt', 'root', 'signature', 'publicKey'] as const;
  const missing = strings.filter((name) => typeof value[name] !== 'string');
  if (missing.length > 0) throw new CheckpointFormatError(`${missing.join(', ')} missing`);
  if (!Array.isArray(value.journeys) || !value.journeys.every(isChainHead))
    throw new CheckpointFormatError('journeys is not a list of heads');
  if (!Array.isArray(value.excluded) || !value.excluded.every(isExcluded))
    throw new CheckpointFormatError('excluded is not a list of journeys');
  return value as unknown as Checkpoint;
}

export class CheckpointFormatError extends Error {
  constructor(problem: string) {
    super(`not a checkpoint file: ${problem}`);
    this.name = 'CheckpointFormatError';
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isChainHead(value: unknown): value is ChainHead {
  return (
    isRecord(value) &&
    typeof value.streamId === 'string' &&
    Number.isSafeInteger(value.revision) &&
    (value.revision as number) >= 0 &&
    typeof value.hash === 'string'
  );
}

function isExcluded(value: unknown): value is ExcludedJourney {
  return isRecord(value) && typeof value.streamId === 'string' && Number.isSafeInteger(value.revision) && typeof value.problem === 'string';
}
