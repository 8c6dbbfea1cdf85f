import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathTo } from '../../../workflows/testing/facts';
import { integrityOf } from '../../integrity/hash-chain';
import {
  checkSignature,
  compareReadWithCheckpoint,
  compareWithCheckpoint,
  createCheckpoint,
  excludedFinding,
  parseCheckpoint,
  rootOf,
  type ChainHead,
  type Checkpoint,
} from './checkpoint';
import { signingKeyForSigning, SigningKeyError, trustedPublicKey } from './signing-key';
import { sealFacts } from '../testing/seal-facts';

const A = '11111111-1111-4111-8111-111111111111';
const B = '22222222-2222-4222-8222-222222222222';
const key = generateKeyPairSync('ed25519');
const headOf = (events: ReturnType<typeof sealFacts>): ChainHead => {
  const last = events[events.length - 1];
  return { streamId: last.streamId, revision: last.revision, hash: integrityOf(last.metadata)?.hash as string };
};

describe('createCheckpoint / checkSignature', () => {
  const heads = [headOf(sealFacts(B, pathTo.approved())), headOf(sealFacts(A, pathTo.signOff()))];
  const checkpoint = createCheckpoint(heads, [], new Date('2026-04-01T12:00:00Z'), key.privateKey);

  it('lists the heads sorted by stream, with their root, time, signature and public key', () => {
    expect(checkpoint.journeys.map((head) => [head.streamId, head.revision])).toEqual([
      [`journey-${A}`, 5],
      [`journey-${B}`, 6],
    ]);
    expect(checkpoint.root).toBe(rootOf(heads));
    expect(checkpoint.createdAt).toBe('2026-04-01T12:00:00.000Z');
    expect(checkpoint.publicKey).toContain('BEGIN PUBLIC KEY');
    expect(checkCheckpoint(checkpoint)).toEqual({ valid: true });
  });

  it('the root does not depend on the order the heads were found in', () => {
    expect(rootOf([...heads].reverse())).toBe(rootOf(heads));
  });

  it('a changed head, time or exclusion breaks the signature', () => {
    const changedHead = { ...checkpoint, journeys: [{ ...checkpoint.journeys[0], revision: 4 }, checkpoint.journeys[1]] };
    expect(checkCheckpoint(changedHead)).toMatchObject({ valid: false, problem: 'bad-signature' });
    expect(checkCheckpoint({ ...checkpoint, createdAt: '2026-05-01T12:00:00.000Z' })).toMatchObject({
      valid: false,
      problem: 'bad-signature',
    });
    expect(checkCheckpoint({ ...checkpoint, excluded: [{ streamId: 'journey-x', revision: 0, problem: 'hash-mismatch' }] })).toMatchObject({
      valid: false,
      problem: 'bad-signature',
    });
  });

  it('a checkpoint re-signed with another key is refused, however valid its own signature', () => {
    const other = generateKeyPairSync('ed25519');
    const forged = createCheckpoint(heads.slice(1), [], new Date('2026-04-01T12:00:00Z'), other.privateKey);
    expect(checkSignature(forged, other.publicKey)).toEqual({ valid: true });
    expect(checkCheckpoint(forged)).toMatchObject({ valid: false, problem: 'untrusted-key' });
  });

  it('survives a round trip through a file', () => {
    expect(checkCheckpoint(parseCheckpoint(JSON.stringify(checkpoint, null, 2)))).toEqual({ valid: true });
  });

  it('refuses a file that is not a checkpoint, saying why', () => {
    expect(() => parseCheckpoint('nope')).toThrow('not a checkpoint file: it is not JSON');
    expect(() => parseCheckpoint('{"format":"other"}')).toThrow(/is not a support-planning-engine\/checkpoint v1 file/);
    expect(() => parseCheckpoint(JSON.stringify({ ...checkpoint, journeys: [{ streamId: 'x' }] }))).toThrow(
      'journeys is not a list of heads',
    );
    expect(() => parseCheckpoint(JSON.stringify({ ...checkpoint, excluded: [{ streamId: 'x' }] }))).toThrow(
      'excluded is not a list of journeys',
    );
  });
});

function checkCheckpoint(checkpoint: Checkpoint) {
  return checkSignature(checkpoint, key.publicKey);
}

describe('compareWithCheckpoint', () => {
  const events = sealFacts(A, pathTo.liveSupport());
  const head = headOf(events.slice(0, 5));

  it('history after the checkpoint is not its business; history before it must be unchanged', () => {
    expect(compareWithCheckpoint(head, events)).toBeNull();
  });

  it('names a changed event before the checkpoint', () => {
    const changed = events.map((event) => (event.revision === 2 ? { ...event, data: { ...event.data, reasons: 'edited' } } : event));
    expect(compareWithCheckpoint(head, changed)).toMatchObject({ journeyId: A, revision: 4, problem: 'chain-broken' });
  });

  it('names a change after the checkpoint as nothing', () => {
    const changed = events.map((event) => (event.revision === 6 ? { ...event, data: { ...event.data, reasons: 'edited' } } : event));
    expect(compareWithCheckpoint(head, changed)).toBeNull();
  });

  it('names a history rewritten and resealed: the chain verifies but the signed hash is gone', () => {
    // The same facts under other event ids: a whole, valid chain, but not the history that was signed.
    const rewritten = sealFacts(A, pathTo.planDrafted(), {
      eventId: (revision) => `aaaaaaaa-0000-4000-8000-${String(revision).padStart(12, '0')}`,
    });
    expect(compareWithCheckpoint(head, rewritten)).toMatchObject({ problem: 'hash-differs', revision: 4 });
  });

  it('names a removed stream and a truncated one', () => {
    expect(compareWithCheckpoint(head, [])).toMatchObject({ problem: 'missing' });
    expect(compareWithCheckpoint(head, events.slice(0, 3))).toMatchObject({ problem: 'truncated' });
  });

  it('names a row that no longer parses up to the signed head, and leaves one after it alone', () => {
    const unreadableAt = (revision: number) => ({ kind: 'unreadable' as const, revision, readable: events.slice(0, revision) });
    expect(compareReadWithCheckpoint(head, unreadableAt(2))).toMatchObject({
      problem: 'chain-broken',
      detail: 'revision 2 is not readable JSON',
    });
    expect(compareReadWithCheckpoint(head, unreadableAt(6))).toBeNull();
  });

  it('names a journey the checkpoint left out as broken when signed', () => {
    expect(excludedFinding({ streamId: `journey-${A}`, revision: 1, problem: 'hash-mismatch' })).toEqual({
      journeyId: A,
      streamId: `journey-${A}`,
      revision: 1,
      problem: 'broken-when-signed',
      detail: 'left out of the checkpoint: its chain was already broken at revision 1 (hash-mismatch)',
    });
  });
});

describe('the signing key', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'spe-key-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is generated once beside the event file in development, mode 0600, and reused', () => {
    const settings = { sqliteFile: join(dir, 'data', 'events.db'), production: false };
    const first = signingKeyForSigning(settings);
    const second = signingKeyForSigning(settings);
    expect(first.source).toBe('generated');
    expect(second.source).toBe('file');
    expect(first.path).toBe(join(dir, 'data', 'audit-signing-key.pem'));
    expect(statSync(first.path).mode & 0o777).toBe(0o600);
    expect(second.publicKey.export({ type: 'spki', format: 'pem' })).toEqual(first.publicKey.export({ type: 'spki', format: 'pem' }));
    expect(trustedPublicKey(settings).key.export({ type: 'spki', format: 'pem' })).toEqual(
      first.publicKey.export({ type: 'spki', format: 'pem' }),
    );
  });

  it('is required in production, and never generated to verify with', () => {
    const sqliteFile = join(dir, 'events.db');
    expect(() => signingKeyForSigning({ sqliteFile, production: true })).toThrow(SigningKeyError);
    expect(() => trustedPublicKey({ sqliteFile, production: false })).toThrow(/could not be read/);
  });

  it('reads AUDIT_SIGNING_KEY_FILE, and a --public-key file with only the public half', () => {
    const keyFile = join(dir, 'key.pem');
    const publicFile = join(dir, 'key.pub.pem');
    writeFileSync(keyFile, key.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(publicFile, key.publicKey.export({ type: 'spki', format: 'pem' }));
    const settings = { signingKeyFile: keyFile, sqliteFile: join(dir, 'events.db'), production: true };
    expect(signingKeyForSigning(settings).source).toBe('file');
    expect(trustedPublicKey(settings, publicFile).key.equals(key.publicKey)).toBe(true);
  });

  it('refuses a file that holds another kind of key', () => {
    const keyFile = join(dir, 'rsa.pem');
    writeFileSync(keyFile, generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    expect(() => signingKeyForSigning({ signingKeyFile: keyFile, sqliteFile: join(dir, 'events.db'), production: false })).toThrow(
      /does not hold an Ed25519 private key/,
    );
    expect(readFileSync(keyFile, 'utf8')).toContain('PRIVATE KEY');
  });
});
