/**
 * The integrity link of every stored event: SHA-256 over a canonical encoding of what the event
 * says (id, type, data, the metadata that matters, its place in the stream) and the previous
 * event's hash. Changing or removing any earlier byte breaks every later link, so an auditor can
 * prove a stream whole from its head hash alone.
 *
 * The SQL stores write data and metadata in that canonical encoding (`storedText`), so a verifier
 * holding the stored text hashes it as it is (`hashStoredText`) rather than re-encoding the parsed
 * values: the same bytes, the same hash, a fraction of the work. Text in any other form (written
 * before the stores kept it canonical, or by another writer) is hashed the original way.
 */
import * as crypto from 'node:crypto';

/** The `previousHash` of a stream's first event. */
export const GENESIS_HASH = '0'.repeat(64);

export interface Integrity {
  previousHash: string;
  hash: string;
}

export interface HashableEvent {
  streamId: string;
  revision: number;
  id: string;
  type: string;
  data: unknown;
  /** Metadata without its `integrity` entry (the hash cannot cover itself). */
  metadata: Record<string, unknown>;
  /** The data and metadata as the store holds them, when it gives its text back (SQLite, to the audit reader). */
  stored?: StoredText;
}

/** An event's data and metadata as JSON text, exactly as stored. */
export interface StoredText {
  data: string;
  metadata: string;
}

/**
 * JSON with object keys sorted at every depth and no whitespace: the same value always encodes
 * to the same bytes, whatever order a store or a JSON parser gives the keys back in.
 */
export function canonicalJson(value: unknown): string {
  // Loops rather than entries/filter/sort/map: this runs for every event of every verify and
  // append, and builds the same bytes (keys in UTF-16 order, undefined entries left out).
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let index = 0; index < value.length; index += 1) out += (index > 0 ? ',' : '') + canonicalJson(value[index]);
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  let out = '';
  for (const key of Object.keys(record).sort()) {
    const entry = record[key];
    if (entry !== undefined) out += `${out === '' ? '' : ','}${JSON.stringify(key)}:${canonicalJson(entry)}`;
  }
  return `{${out}}`;
}

export function withoutIntegrity(metadata: Record<string, unknown>): Record<string, unknown> {
  const { integrity: _integrity, ...rest } = metadata;
  return rest;
}

/**
 * SHA-256 in hex. The one-shot `crypto.hash` (Node 20.12 on) skips building a Hash object: about
 * twice as fast on an event's few hundred bytes, and verify hashes every event of the store.
 */
const sha256Hex: (text: string) => string =
  typeof crypto.hash === 'function'
    ? (text) => crypto.hash('sha256', text, 'hex')
    : (text) => crypto.createHash('sha256').update(text).digest('hex');

export function hashEvent(event: HashableEvent, previousHash: string): string {
  const encoded = canonicalJson({
    streamId: event.streamId,
    revision: event.revision,
    id: event.id,
    type: event.type,
    data: event.data,
    metadata: withoutIntegrity(event.metadata),
    previousHash,
  });
  return sha256Hex(encoded);
}

/**
 * The text an SQL store writes for an event: its data in canonical JSON, and its metadata in
 * canonical JSON with the `integrity` entry moved last, so that the text before that entry is
 * exactly what the hash covers. JSON either way: any reader parses it back to the same values.
 */
export function storedText(event: { data: unknown; metadata: Record<string, unknown> }): StoredText {
  try {
    return canonicalText(event);
  } catch (error) {
    // A cycle, which JSON.stringify refuses with a TypeError, overflows canonicalJson's recursion: refuse it alike.
    if (error instanceof RangeError) throw new TypeError(`an event that cannot be stored as JSON: ${error.message}`);
    throw error;
  }
}

function canonicalText(event: { data: unknown; metadata: Record<string, unknown> }): StoredText {
  const { integrity, ...covered } = event.metadata;
  const metadata = canonicalJson(covered);
  if (integrity === undefined) return { data: canonicalJson(event.data), metadata };
  const separator = metadata === '{}' ? '' : ',';
  return { data: canonicalJson(event.data), metadata: `${metadata.slice(0, -1)}${separator}"integrity":${canonicalJson(integrity)}}` };
}

/** The end of stored metadata as `storedText` writes it: the integrity entry, last, in canonical form. */
const STORED_INTEGRITY = /^,"integrity":\{"hash":"[0-9a-f]{64}","previousHash":"[0-9a-f]{64}"\}\}$/;
const STORED_INTEGRITY_LENGTH = ',"integrity":{"hash":"","previousHash":""}}'.length + 2 * GENESIS_HASH.length;

/**
 * `hashEvent`, computed from the stored text: the v1 encoding assembled from the stored bytes
 * (already canonical) instead of re-encoded from the parsed values. Null when the metadata text
 * does not end as `storedText` writes it; text that is not canonical otherwise simply gives
 * another hash, so a match proves the stored text is the very encoding the hash was made over.
 * The text must be what was parsed into the event's data and metadata.
 */
export function hashStoredText(event: HashableEvent, stored: StoredText, previousHash: string): string | null {
  const metadata = stored.metadata;
  const cut = metadata.length - STORED_INTEGRITY_LENGTH;
  if (cut <= 1 || !STORED_INTEGRITY.test(metadata.slice(cut))) return null;
  const covered = metadata.slice(0, cut);
  // canonicalJson's key order: data, id, metadata, previousHash, revision, streamId, type.
  const encoded =
    `{"data":${stored.data},"id":${JSON.stringify(event.id)},"metadata":${covered}},"previousHash":${JSON.stringify(previousHash)}` +
    `,"revision":${JSON.stringify(event.revision)},"streamId":${JSON.stringify(event.streamId)},"type":${JSON.stringify(event.type)}}`;
  return sha256Hex(encoded);
}

/**
 * Does the event hash to `expected`? From its stored text when that is in the stored canonical
 * form (the fast way), else (old rows, another writer's text, or a changed row) by the v1
 * definition over its parsed values, which decides.
 */
function hashMatches(event: HashableEvent, previousHash: string, expected: string): boolean {
  if (event.stored !== undefined && hashStoredText(event, event.stored, previousHash) === expected) return true;
  return hashEvent(event, previousHash) === expected;
}

/** The hash stored on an event, or null when it carries none (written before the chain existed). */
export function integrityOf(metadata: Record<string, unknown>): Integrity | null {
  const integrity = metadata.integrity as Partial<Integrity> | undefined;
  if (!integrity || typeof integrity.hash !== 'string' || typeof integrity.previousHash !== 'string') return null;
  return { hash: integrity.hash, previousHash: integrity.previousHash };
}

export interface ChainBreak {
  revision: number;
  problem: 'missing-integrity' | 'previous-hash-mismatch' | 'hash-mismatch' | 'revision-gap';
}

/** Where a chain was last found whole: the revision checked up to and the hash it carries. */
export interface ChainHead {
  revision: number;
  hash: string;
}

/**
 * Check a stream link by link. Returns the first break, or null when every event's hash is
 * recomputed equal and links to its predecessor.
 */
export function verifyChain(events: readonly (HashableEvent & { metadata: Record<string, unknown> })[]): ChainBreak | null {
  return verifyChainFrom(events, null);
}

/**
 * Check the events that follow a head already verified (or, with a null head, a whole stream from
 * its first event): the first must link to the head's hash, so a tail is checked as strictly as
 * the whole stream would be, at the cost of the tail alone.
 */
export function verifyChainFrom(
  events: readonly (HashableEvent & { metadata: Record<string, unknown> })[],
  head: ChainHead | null,
): ChainBreak | null {
  let previousHash = head?.hash ?? GENESIS_HASH;
  const firstRevision = head === null ? 0 : head.revision + 1;
  for (let index = 0; index < events.length; index += 1) {
    const event = events[index];
    const revision = firstRevision + index;
    if (event.revision !== revision) return { revision, problem: 'revision-gap' };
    const integrity = integrityOf(event.metadata);
    if (!integrity) return { revision: event.revision, problem: 'missing-integrity' };
    if (integrity.previousHash !== previousHash) return { revision: event.revision, problem: 'previous-hash-mismatch' };
    if (!hashMatches(event, previousHash, integrity.hash)) return { revision: event.revision, problem: 'hash-mismatch' };
    previousHash = integrity.hash;
  }
  return null;
}
