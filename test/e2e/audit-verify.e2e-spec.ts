/**
 * A record that proves itself: journeys written through the real API verify, over HTTP and with
 * the CLI reading the file; then one stored event is edited by hand in the SQLite file (the
 * trigger that forbids it dropped, the row rewritten, the hashes left alone) and both name the
 * journey and the revision.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { runAudit } from '../../src/audit/cli/run-audit';
import { tempDataDir, type TestApp } from '../support/test-app';
import {
  callers,
  capturedIo,
  finalProgress,
  openJourney,
  progressLines,
  recordFastTrackStory,
  runAuditOn,
  startAuditApp,
  tamperWithEvent,
  type Caller,
} from './audit.helpers';

const ROOT = join(__dirname, '..', '..');

let t: TestApp;
let auth: Record<Caller, string>;
let data: ReturnType<typeof tempDataDir>;
let story: string;
let other: string;

beforeAll(async () => {
  auth = await callers();
  data = tempDataDir();
  t = await startAuditApp({ file: data.file });
  story = await recordFastTrackStory(t, auth);
  other = await openJourney(t, auth.caseWorker);
});
afterAll(async () => {
  await t.close();
  data.remove();
});

const audit = (...argv: string[]) => runAuditOn(data.file, argv);

describe('before anything is changed', () => {
  it('GET /journeys/:id/verify: chain intact, replay consistent on v1, head = the last event’s hash', async () => {
    const history = await t.http().get(`/journeys/${story}/history`).set('Authorization', auth.auditor).expect(200);
    const verification = await t.http().get(`/journeys/${story}/verify`).set('Authorization', auth.auditor).expect(200);
    expect(verification.body).toEqual({
      journeyId: story,
      streamId: `journey-${story}`,
      events: 9,
      workflow: { id: 'support-planning', version: 1 },
      chain: { intact: true },
      replay: { consistent: true },
      head: { revision: 8, hash: history.body.events[8].hash },
    });
  });

  it('is for auditors only: 403 for everyone else, before the journey is even looked up', async () => {
    for (const caller of ['caseWorker', 'seniorApprover', 'advocate', 'person', 'caseWorkerB'] as const) {
      const response = await t.http().get(`/journeys/${story}/verify`).set('Authorization', auth[caller]);
      expect([caller, response.status]).toEqual([caller, 403]);
    }
    await t.http().get('/journeys/00000000-0000-4000-8000-000000000000/verify').set('Authorization', auth.caseWorker).expect(403);
    await t.http().get('/journeys/00000000-0000-4000-8000-000000000000/verify').set('Authorization', auth.auditor).expect(404);
  });

  it('npm run audit -- verify --all: every journey sound, exit 0, with the service running', async () => {
    const result = await audit('verify', '--all');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`ok     journey ${story}: 9 events, support-planning v1, chain intact, replay consistent`);
    expect(result.stdout).toContain(`ok     journey ${other}: 1 events`);
    expect(result.stdout).toContain('verified 2 journeys, 10 events: 2 sound, 0 broken');
  });

  it('verify --all prints progress to stderr, at intervals and once done, and none of it to stdout', async () => {
    // A second passes between clock readings: every journey is an interval.
    const captured = capturedIo({ SQLITE_FILE: data.file, NODE_ENV: 'test' }, undefined, 1000);
    expect(await runAudit(['verify', '--all'], captured.io)).toBe(0);
    const progress = progressLines(captured.stderr());
    expect(progress).toHaveLength(2);
    expect(progress[0]).toMatch(/^1\/2 journeys \(50%\), 9 events, [\d,]+ journeys\/s, [\d,]+ events\/s, ETA /);
    expect(progress[1]).toMatch(finalProgress(2));
    expect(progressLines(captured.stdout())).toEqual([]);
  });
});

describe('after an event is edited by hand in the SQLite file', () => {
  beforeAll(() => {
    // The indicative budget (revision 5) cut from £1,800 to £18 a week, straight in the file.
    tamperWithEvent(data.file, story, 5, (event) => ({ ...event, amountPence: 1_800 }));
  });

  it('GET /journeys/:id/verify names the revision where the chain breaks, and what the workflow now refuses', async () => {
    const verification = await t.http().get(`/journeys/${story}/verify`).set('Authorization', auth.auditor).expect(200);
    expect(verification.body.chain).toEqual({ intact: false, revision: 5, problem: 'hash-mismatch' });
    // With £18 a week, the £1,750 plan needed a reason for costing more: the submission is refused on replay.
    expect(verification.body.replay).toEqual({
      consistent: false,
      revision: 7,
      type: 'SupportPlanSubmitted',
      reason: 'planWithinBudgetOrJustified',
    });
    const untouched = await t.http().get(`/journeys/${other}/verify`).set('Authorization', auth.auditor).expect(200);
    expect(untouched.body.chain).toEqual({ intact: true });
  });

  it('verify --all names the journey and the revision, and exits 1', async () => {
    const result = await audit('verify', '--all');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`BROKEN journey ${story}: 9 events, support-planning v1, CHAIN BROKEN at revision 5 (hash-mismatch)`);
    expect(result.stdout).toContain('REPLAY REFUSED at revision 7 SupportPlanSubmitted (planWithinBudgetOrJustified)');
    expect(result.stdout).toContain(`ok     journey ${other}`);
    expect(result.stdout).toContain('verified 2 journeys, 10 events: 1 sound, 1 broken');
    expect(result.stdout).toContain(`  broken: journey ${story}`);
  });

  it('verify --journey checks one journey; --json gives the same verdicts as data', async () => {
    expect((await audit('verify', '--journey', other)).code).toBe(0);
    const result = await audit('verify', '--journey', story, '--json');
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({
      journeys: [{ journeyId: story, chain: { intact: false, revision: 5, problem: 'hash-mismatch' } }],
      summary: { journeys: 1, broken: 1 },
    });
  });

  it('the npm script itself, as a separate process: the same report and exit code 1', () => {
    const run = spawnSync('npm', ['run', '-s', 'audit', '--', 'verify', '--all', '--file', data.file], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, NODE_ENV: 'test' },
      timeout: 60_000,
    });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(`BROKEN journey ${story}`);
    expect(run.stdout).toContain('CHAIN BROKEN at revision 5 (hash-mismatch)');
  });
});

describe('asking the CLI wrongly', () => {
  it('exits 2 with a message for a missing file, an unknown command, a bad id, a journey that is not there', async () => {
    const missing = capturedIo({ SQLITE_FILE: join(data.dir, 'nope.db') });
    expect(await runAudit(['verify'], missing.io)).toBe(2);
    expect(missing.stderr()).toContain('no event store at');
    expect((await audit('frobnicate')).code).toBe(2);
    const badId = await audit('verify', '--journey', 'not-a-uuid');
    expect([badId.code, badId.stderr]).toEqual([2, expect.stringContaining('--journey must be a journey UUID')]);
    const absent = await audit('verify', '--journey', '00000000-0000-4000-8000-000000000000');
    expect([absent.code, absent.stderr]).toEqual([2, expect.stringContaining('no journey 00000000-0000-4000-8000-000000000000')]);
    expect((await audit('verify', '--bogus')).code).toBe(2);
  });
});
