/**
 * The journeys an auditor cares about most are the ones whose record no longer holds up, and the
 * audit and advocacy routes must answer for them, never with a 500: one whose replay the workflow
 * now refuses (an amount edited in the SQLite file), one with a row that is no longer JSON, and
 * one recorded on a workflow version this engine does not have. /verify reports each break (200);
 * the export and the views are given with a warning wherever they can be built, and refused by
 * name (422) where they cannot; access is judged as before, so strangers still get 404.
 */
import { runAudit } from '../../src/audit/cli/run-audit';
import { readHtml } from '../../src/audit/testing/html-structure';
import { tempDataDir, type TestApp } from '../support/test-app';
import {
  PERSON,
  callers,
  capturedIo,
  openJourney,
  record,
  recordFastTrackStory,
  rewriteRow,
  startAuditApp,
  tamperWithEvent,
  type Caller,
} from './audit.helpers';

let t: TestApp;
let auth: Record<Caller, string>;
let data: ReturnType<typeof tempDataDir>;
let story: string;
let garbled: string;
let foreign: string;

/** A journey of four facts: referral, assessment started and completed, indicative budget. */
async function shortJourney(): Promise<string> {
  const id = await openJourney(t, auth.caseWorker, { personId: PERSON });
  for (const type of ['AssessmentStarted', 'AssessmentCompleted', 'IndicativeBudgetSet'] as const)
    await record(t, id, auth.caseWorker, type);
  return id;
}

beforeAll(async () => {
  auth = await callers();
  data = tempDataDir();
  t = await startAuditApp({ file: data.file });
  story = await recordFastTrackStory(t, auth);
  garbled = await shortJourney();
  foreign = await shortJourney();
  // The indicative budget cut from £1,800 to £18 a week: the £1,750 plan's submission (revision 7) is now refused.
  tamperWithEvent(data.file, story, 5, (event) => ({ ...event, amountPence: 1_800 }));
  // The assessment's row cut short by a byte: not JSON any more.
  rewriteRow(data.file, garbled, 2, 'data', (text) => text.slice(0, -1));
  rewriteRow(data.file, foreign, 0, 'metadata', (text) =>
    JSON.stringify({ ...JSON.parse(text), workflow: { id: 'support-planning', version: 99 } }),
  );
});
afterAll(async () => {
  await t.close();
  data.remove();
});

const get = (path: string, caller: Caller) => t.http().get(path).set('Authorization', auth[caller]);

describe('a journey whose replay the workflow now refuses', () => {
  const warning = () =>
    `journey ${story} does not verify: its hash chain breaks at revision 5 (hash-mismatch); its workflow refuses revision 7 SupportPlanSubmitted (planWithinBudgetOrJustified).`;

  it('GET /export: 200, the record as it holds it, with the warning first', async () => {
    const response = await get(`/journeys/${story}/export`, 'auditor').expect(200);
    expect(response.body.warning).toContain(warning());
    expect(response.body.verification.replay).toMatchObject({ consistent: false, revision: 7 });
    expect(response.body.timeline).toHaveLength(9);
    expect(response.body.events[5].data.amountPence).toBe(1_800);
    const html = await get(`/journeys/${story}/export?format=html`, 'advocate').expect(200);
    expect(readHtml(html.text).byId('warning')?.text).toContain(warning());
  });

  it('GET /decisions and /preferences: 200, with the same warning', async () => {
    const decisions = await get(`/journeys/${story}/decisions`, 'advocate').expect(200);
    expect(decisions.body.warning).toContain(warning());
    expect(decisions.body.decisions.map((decision: { revision: number }) => decision.revision)).toEqual([4, 5, 8]);
    const preferences = await get(`/journeys/${story}/preferences`, 'person').expect(200);
    expect(preferences.body.warning).toContain(warning());
  });

  it('is still shown only to those who may see it', async () => {
    await get(`/journeys/${story}/export`, 'otherPerson').expect(404);
    await get(`/journeys/${story}/decisions`, 'caseWorkerB').expect(404);
  });

  it('a sound journey carries no warning', async () => {
    const sound = await shortJourney();
    expect((await get(`/journeys/${sound}/export`, 'person').expect(200)).body.warning).toBeNull();
    expect((await get(`/journeys/${sound}/decisions`, 'person').expect(200)).body.warning).toBeNull();
  });
});

describe('a journey with a row that is no longer JSON', () => {
  it('GET /verify: 200, the chain broken at that revision, unreadable', async () => {
    const response = await get(`/journeys/${garbled}/verify`, 'auditor').expect(200);
    expect(response.body).toMatchObject({
      journeyId: garbled,
      chain: { intact: false, revision: 2, problem: 'unreadable' },
      replay: { consistent: false, revision: 2, reason: 'unreadable' },
    });
  });

  it('GET /export, /decisions, /preferences: 422 naming the revision, since only part of the record could be shown', async () => {
    for (const [path, caller] of [
      ['export', 'auditor'],
      ['export?format=html', 'person'],
      ['decisions', 'caseWorker'],
      ['preferences', 'person'],
    ] as const) {
      const response = await get(`/journeys/${garbled}/${path}`, caller);
      expect([path, response.status]).toEqual([path, 422]);
      expect(response.body).toMatchObject({
        error: 'AUDIT.JOURNEY_UNREADABLE',
        message: expect.stringContaining('revision 2 is not readable JSON'),
      });
    }
  });

  it('is refused to strangers as a journey that is not there (404), judged on the facts before the broken row', async () => {
    await get(`/journeys/${garbled}/export`, 'otherPerson').expect(404);
    await get(`/journeys/${garbled}/decisions`, 'caseWorkerB').expect(404);
  });

  it('the CLI names the same revision', async () => {
    const captured = capturedIo({ SQLITE_FILE: data.file, NODE_ENV: 'test' });
    expect(await runAudit(['verify', '--journey', garbled], captured.io)).toBe(1);
    expect(captured.stdout()).toContain(`BROKEN journey ${garbled}: 0 events, no workflow, CHAIN BROKEN at revision 2 (unreadable)`);
  });
});

describe('a journey recorded on a workflow version this engine does not have', () => {
  it('GET /verify: 200, naming the version', async () => {
    const response = await get(`/journeys/${foreign}/verify`, 'auditor').expect(200);
    expect(response.body.replay).toEqual({
      consistent: false,
      revision: 0,
      type: 'ReferralReceived',
      reason: 'unknown-workflow support-planning v99',
    });
  });

  it('GET /export: 200 with its warning, though no decisions can be read; /decisions: 422 saying why', async () => {
    const exported = await get(`/journeys/${foreign}/export`, 'caseWorker').expect(200);
    expect(exported.body).toMatchObject({
      state: null,
      decisions: [],
      warning: expect.stringContaining('unknown-workflow support-planning v99'),
    });
    expect(exported.body.timeline).toHaveLength(4);
    const decisions = await get(`/journeys/${foreign}/decisions`, 'caseWorker').expect(422);
    expect(decisions.body.message).toContain('no registered workflow version reads it (unknown-workflow support-planning v99)');
  });
});
