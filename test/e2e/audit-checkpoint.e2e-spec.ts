/**
 * Signed checkpoints, end to end: journeys recorded through the API, a checkpoint signed by the
 * CLI, more recorded afterwards (fine), then history from before the checkpoint edited by hand in
 * the file (named), and checkpoint files that were edited or signed with another key (refused).
 */
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDataDir, type TestApp } from '../support/test-app';
import {
  callers,
  finalProgress,
  openJourney,
  progressLines,
  record,
  recordFastTrackStory,
  runAuditOn,
  startAuditApp,
  tamperWithEvent,
  type Caller,
} from './audit.helpers';

let t: TestApp;
let auth: Record<Caller, string>;
let data: ReturnType<typeof tempDataDir>;
let story: string;
let short: string;
let checkpointFile: string;

beforeAll(async () => {
  auth = await callers();
  data = tempDataDir();
  checkpointFile = join(data.dir, 'kept-elsewhere', 'checkpoint.json');
  t = await startAuditApp({ file: data.file });
  story = await recordFastTrackStory(t, auth);
  short = await openJourney(t, auth.caseWorker);
  await record(t, short, auth.caseWorker, 'AssessmentStarted');
  await record(t, short, auth.caseWorker, 'AssessmentCompleted');
});
afterAll(async () => {
  await t.close();
  data.remove();
});

const audit = (argv: string[], env: Record<string, string> = {}) => runAuditOn(data.file, argv, env);

async function lastHash(id: string): Promise<string> {
  const history = await t.http().get(`/journeys/${id}/history`).set('Authorization', auth.auditor).expect(200);
  const events = history.body.events as Array<{ hash: string }>;
  return events[events.length - 1].hash;
}

describe('npm run audit -- checkpoint', () => {
  it('signs every journey’s chain head, with the root, the time and the public key', async () => {
    const result = await audit(['checkpoint', '--out', checkpointFile]);
    expect(result.code).toBe(0);
    expect(progressLines(result.stderr).pop()).toMatch(finalProgress(2));
    expect(result.stderr).toContain(`generated a development signing key at ${join(data.dir, 'audit-signing-key.pem')}`);
    expect(statSync(join(data.dir, 'audit-signing-key.pem')).mode & 0o777).toBe(0o600);
    const checkpoint = JSON.parse(readFileSync(checkpointFile, 'utf8'));
    const expectedHeads = [
      { streamId: `journey-${story}`, revision: 8, hash: await lastHash(story) },
      { streamId: `journey-${short}`, revision: 2, hash: await lastHash(short) },
    ].sort((a, b) => (a.streamId < b.streamId ? -1 : 1));
    expect(checkpoint).toMatchObject({
      format: 'support-planning-engine/checkpoint',
      createdAt: '2026-03-02T18:00:00.000Z',
      journeys: expectedHeads,
      excluded: [],
      root: expect.stringMatching(/^[0-9a-f]{64}$/),
      signature: expect.any(String),
      publicKey: expect.stringContaining('BEGIN PUBLIC KEY'),
    });
  });

  it('verify --checkpoint: signature valid and nothing changed', async () => {
    const result = await audit(['verify', '--checkpoint', checkpointFile]);
    expect(result.code).toBe(0);
    expect(progressLines(result.stderr).pop()).toMatch(finalProgress(2));
    expect(result.stdout).toContain('signature valid');
    expect(result.stdout).toContain(
      'checked 2 journeys against the checkpoint: 2 unchanged, 0 changed or removed; 0 journeys opened since',
    );
    expect(result.stderr).toContain("warning: checking the signature with the engine's own key");
  });

  it('what is recorded after the checkpoint does not disturb it', async () => {
    await record(t, short, auth.caseWorker, 'IndicativeBudgetSet');
    await openJourney(t, auth.caseWorker);
    const result = await audit(['verify', '--checkpoint', checkpointFile]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('2 unchanged, 0 changed or removed; 1 journeys opened since');
  });
});

describe('history changed after the checkpoint was signed', () => {
  it('an event from before the checkpoint edited in the file: the journey is named, exit 1', async () => {
    tamperWithEvent(data.file, short, 1, (event) => ({ ...event, assessor: 'someone-else' }));
    const result = await audit(['verify', '--checkpoint', checkpointFile]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      `CHANGED journey ${short} (signed at revision 2): chain-broken: the chain breaks at revision 1 (hash-mismatch)`,
    );
    expect(result.stdout).toContain('1 unchanged, 1 changed or removed');
    expect(result.stdout).not.toContain(`CHANGED journey ${story}`);
  });

  it('an event recorded after the checkpoint and then edited is not the checkpoint’s to judge, but plain verify finds it', async () => {
    tamperWithEvent(data.file, short, 3, (event) => ({ ...event, amountPence: 1 }));
    const checkpointRun = await audit(['verify', '--checkpoint', checkpointFile, '--json']);
    expect(JSON.parse(checkpointRun.stdout).changed.map((finding: { journeyId: string }) => finding.journeyId)).toEqual([short]);
    const plain = await audit(['verify', '--journey', short]);
    expect(plain.code).toBe(1);
    expect(plain.stdout).toContain('CHAIN BROKEN at revision 1');
  });

  it('a journey whose stream was emptied is named as removed', async () => {
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(data.file);
    db.exec('DROP TRIGGER IF EXISTS events_refuse_delete');
    db.prepare('DELETE FROM events WHERE stream_id = ?').run(`journey-${story}`);
    db.close();
    const result = await audit(['verify', '--checkpoint', checkpointFile]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`CHANGED journey ${story} (signed at revision 8): missing: the stream is gone`);
  });
});

describe('checkpoint files that cannot be trusted', () => {
  it('an edited checkpoint (a head moved back to hide a removal) fails its signature', async () => {
    const checkpoint = JSON.parse(readFileSync(checkpointFile, 'utf8'));
    checkpoint.journeys = checkpoint.journeys.filter((head: { streamId: string }) => head.streamId !== `journey-${story}`);
    const edited = join(data.dir, 'edited.json');
    writeFileSync(edited, JSON.stringify(checkpoint));
    const result = await audit(['verify', '--checkpoint', edited]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('SIGNATURE INVALID (bad-signature)');
  });

  it('a checkpoint re-signed with another key is refused against the trusted public key', async () => {
    const other = generateKeyPairSync('ed25519');
    const otherKeyFile = join(data.dir, 'other-key.pem');
    writeFileSync(otherKeyFile, other.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const forgedFile = join(data.dir, 'forged.json');
    const signed = await audit(['checkpoint', '--out', forgedFile], { AUDIT_SIGNING_KEY_FILE: otherKeyFile });
    // Journeys whose chain is already broken are left out and named, never signed: exit 1.
    expect(signed.code).toBe(1);
    expect(signed.stderr).toContain(`EXCLUDED journey journey-${short}: chain broken at revision 1 (hash-mismatch)`);
    expect(JSON.parse(readFileSync(forgedFile, 'utf8')).excluded).toEqual([
      { streamId: `journey-${short}`, revision: 1, problem: 'hash-mismatch' },
    ]);
    // The auditor kept the real public key beside the checkpoints.
    const trustedFile = join(data.dir, 'trusted.pub.pem');
    writeFileSync(trustedFile, JSON.parse(readFileSync(checkpointFile, 'utf8')).publicKey);
    const result = await audit(['verify', '--checkpoint', forgedFile, '--public-key', trustedFile]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('SIGNATURE INVALID (untrusted-key)');
    // The genuine checkpoint verifies against that same kept key (its journeys have since been changed: exit 1, signature fine).
    const genuine = await audit(['verify', '--checkpoint', checkpointFile, '--public-key', trustedFile]);
    expect(genuine.stdout).toContain('signature valid');
    expect(genuine.stderr).not.toContain('warning');
  });

  it('a file that is not a checkpoint is a usage error (exit 2)', async () => {
    const notCheckpoint = join(data.dir, 'not.json');
    writeFileSync(notCheckpoint, '{"hello": "world"}');
    const result = await audit(['verify', '--checkpoint', notCheckpoint]);
    expect([result.code, result.stderr]).toEqual([2, expect.stringContaining('not a checkpoint file')]);
  });

  it('in production the key must be configured: no key is invented', async () => {
    const result = await audit(['checkpoint'], { NODE_ENV: 'production' });
    expect([result.code, result.stderr]).toEqual([2, expect.stringContaining('AUDIT_SIGNING_KEY_FILE is required in production')]);
  });
});

describe('a checkpoint signed while a journey was already broken', () => {
  it('verify --checkpoint names the journey it left out (it vouches for none of it), exits 1, and does not count it as new', async () => {
    // By now the short journey's chain is broken (above), the story is gone and one journey was opened since.
    const signedFile = join(data.dir, 'signed-with-a-break.json');
    expect((await audit(['checkpoint', '--out', signedFile])).code).toBe(1);
    const result = await audit(['verify', '--checkpoint', signedFile]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      `BROKEN WHEN SIGNED journey ${short}: left out of the checkpoint: its chain was already broken at revision 1 (hash-mismatch)`,
    );
    expect(result.stdout).toContain(
      'checked 1 journeys against the checkpoint: 1 unchanged, 0 changed or removed; 1 excluded when signed, already broken; 0 journeys opened since',
    );
    const json = JSON.parse((await audit(['verify', '--checkpoint', signedFile, '--json'])).stdout);
    expect(json).toMatchObject({
      changed: [],
      brokenWhenSigned: [{ journeyId: short, revision: 1, problem: 'broken-when-signed' }],
      newSinceCheckpoint: 0,
    });
  });
});
