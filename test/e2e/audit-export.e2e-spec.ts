/**
 * The export an auditor or an advocate keeps, and the replay of the whole store.
 *
 * The HTML export is checked structurally here, with a small strict reader
 * (src/audit/testing/html-structure.ts) that checks every element is closed in order, nothing
 * external is referenced, and the text a reader would see says what it must; it is rendered in
 * headless Chromium in audit-export-chromium.e2e-spec.ts.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JourneyExport } from '../../src/audit/export/journey-export';
import { readHtml } from '../../src/audit/testing/html-structure';
import { SqliteEventStore } from '../../src/event-store/sqlite/sqlite-event-store';
import { verifyChain } from '../../src/integrity/hash-chain';
import { tempDataDir, type TestApp } from '../support/test-app';
import {
  HOME_WISH,
  NURSING_HOME_OVERRIDE,
  PERSON,
  callers,
  openJourney,
  record,
  recordFastTrackStory,
  runAuditOn,
  startAuditApp,
  type Caller,
} from './audit.helpers';

let t: TestApp;
let auth: Record<Caller, string>;
let data: ReturnType<typeof tempDataDir>;
let story: string;

beforeAll(async () => {
  auth = await callers();
  data = tempDataDir();
  t = await startAuditApp({ file: data.file });
  story = await recordFastTrackStory(t, auth);
});
afterAll(async () => {
  await t.close();
  data.remove();
});

const audit = (...argv: string[]) => runAuditOn(data.file, argv);

/** What every export of the story must say, whichever way it was made. */
function expectStoryPage(html: string, headHash: string): void {
  const page = readHtml(html);
  expect(page.doctype).toBe(true);
  expect(page.elements.filter((element) => ['link', 'img', 'iframe', 'object', 'embed', 'base'].includes(element.name))).toEqual([]);
  expect(page.elements.filter((element) => element.attributes.src !== undefined || element.attributes.href !== undefined)).toEqual([]);
  expect(page.elements.filter((element) => element.name === 'script').map((script) => script.attributes.type)).toEqual([
    'application/json',
  ]);
  expect(html).not.toMatch(/https?:\/\//);
  expect(page.byId('state')?.text).toBe('open.approved');
  expect(page.byId('chain-head')?.text).toBe(`revision 8, ${headHash}`);
  expect(page.byId('persons-words')?.text).toContain(HOME_WISH);
  const approval = page.byId('decision-8');
  expect(approval?.attributes.class).toBe('decision against');
  expect(approval?.text).toContain('senior-approver-1 (senior-approver)');
  expect(approval?.text).toContain('Safest placement available');
  expect(approval?.text).toContain(`reason given: ${NURSING_HOME_OVERRIDE}`);
  expect(page.byId('decision-4')?.text).toContain('followed the preference on place-of-care (home)');
  expect(page.elements.filter((element) => element.name === 'tr' && element.attributes.id?.startsWith('event-'))).toHaveLength(9);
}

async function headHash(): Promise<string> {
  const history = await t.http().get(`/journeys/${story}/history`).set('Authorization', auth.auditor).expect(200);
  return history.body.events[8].hash as string;
}

describe('GET /journeys/:id/export', () => {
  it('?format=html: one standalone page, downloaded as a file, saying who decided what and why', async () => {
    const response = await t.http().get(`/journeys/${story}/export?format=html`).set('Authorization', auth.advocate).expect(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.headers['content-disposition']).toBe(`attachment; filename="journey-${story}.html"`);
    expectStoryPage(response.text, await headHash());
  });

  it('JSON by default, with the chain head to check the copy against later', async () => {
    const response = await t.http().get(`/journeys/${story}/export`).set('Authorization', auth.person).expect(200);
    expect(response.body).toMatchObject({
      format: 'support-planning-engine/journey-export',
      journeyId: story,
      exportedAt: '2026-03-02T18:00:00.000Z',
      verification: { events: 9, chain: { intact: true }, head: { revision: 8, hash: await headHash() } },
    });
    expect(response.body.timeline).toHaveLength(9);
    expect(response.body.warning).toBeNull();
    expect(verifyChain(response.body.events)).toBeNull();
  });

  it('is refused to strangers (404) and to an unknown format (400)', async () => {
    await t.http().get(`/journeys/${story}/export`).set('Authorization', auth.otherPerson).expect(404);
    await t.http().get(`/journeys/${story}/export?format=pdf`).set('Authorization', auth.auditor).expect(400);
  });
});

describe('npm run audit -- export', () => {
  it('--format html --out writes the same self-contained page', async () => {
    const out = join(data.dir, 'exports', 'story.html');
    const result = await audit('export', '--journey', story, '--format', 'html', '--out', out);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`exported journey ${story} (9 events, head 8)`);
    expectStoryPage(readFileSync(out, 'utf8'), await headHash());
  });

  it('JSON to stdout by default; --journey is required', async () => {
    const result = await audit('export', '--journey', story);
    expect(JSON.parse(result.stdout)).toMatchObject({ journeyId: story, state: 'open.approved' });
    expect((await audit('export')).code).toBe(2);
  });

  it('is a read of the record: the person sees it in who has looked, as cli:<account> or --as', async () => {
    expect((await audit('export', '--journey', story)).code).toBe(0);
    expect((await audit('export', '--journey', story, '--format', 'html', '--as', 'alice.auditor@council')).code).toBe(0);
    const looked = await t.http().get(`/journeys/${story}/access?limit=500`).set('Authorization', auth.person).expect(200);
    const exports = looked.body.entries.filter((entry: { route: string }) => entry.route === 'CLI audit export');
    expect(exports.slice(-2)).toEqual([
      expect.objectContaining({ actor: { id: 'cli:shell-auditor', role: 'auditor' }, detail: 'format=json', journeyId: story }),
      expect.objectContaining({ actor: { id: 'cli:alice.auditor@council', role: 'auditor' }, detail: 'format=html', journeyId: story }),
    ]);
    const refused = await audit('export', '--journey', story, '--as', 'two words');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--as must be a name');
  });

  it('makes no export when the access log cannot be written', async () => {
    // A copy of the event file whose access log cannot open (a directory stands in its place).
    const copy = tempDataDir();
    try {
      // With its WAL: the running app's latest commits may still be only there.
      for (const suffix of ['', '-wal']) if (existsSync(data.file + suffix)) copyFileSync(data.file + suffix, copy.file + suffix);
      mkdirSync(join(copy.dir, 'access-log.db'));
      const out = join(copy.dir, 'exports', 'story.json');
      const result = await runAuditOn(copy.file, ['export', '--journey', story, '--out', out]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('could not record the export in the access log');
      expect(existsSync(out)).toBe(false);
      expect(result.stdout).toBe('');
    } finally {
      copy.remove();
    }
  });
});

describe('the JSON export, checked from the file alone', () => {
  it('holds every stored event verbatim: its chain recomputes intact, and one byte changed in a data value breaks it there', async () => {
    const out = join(data.dir, 'exports', 'story.json');
    expect((await audit('export', '--journey', story, '--out', out)).code).toBe(0);
    const text = readFileSync(out, 'utf8');
    const exported = JSON.parse(text) as JourneyExport;
    const store = new SqliteEventStore(data.file, { readonly: true });
    const stored = await store.readStream(`journey-${story}`);
    await store.close();
    expect(exported.events).toEqual(stored.map(({ position: _position, ...event }) => event));
    expect(verifyChain(exported.events)).toBeNull();

    // The indicative budget's 180000 pence become 180001 in the stored events (the timeline is for reading).
    const at = text.indexOf('180000', text.indexOf('"events": ['));
    expect(text.slice(at - 15, at)).toBe('"amountPence": ');
    const edited = JSON.parse(`${text.slice(0, at + 5)}1${text.slice(at + 6)}`) as JourneyExport;
    expect(edited.events[5].data.amountPence).toBe(180_001);
    expect(verifyChain(edited.events)).toEqual({ revision: 5, problem: 'hash-mismatch' });
  });
});

describe('npm run audit -- replay --all', () => {
  it('prints progress to stderr and a summary: by state, by funding stream, clocks missed and past due, challenges', async () => {
    const standard = await openJourney(t, auth.caseWorker, { personId: PERSON });
    await record(t, standard, auth.caseWorker, 'AssessmentStarted');
    await record(t, standard, auth.caseWorker, 'AssessmentCompleted', {
      eligible: false,
      eligibleOutcomes: [],
      reasons: 'Needs do not meet reg. 2',
    });
    const challenge = await record(t, standard, auth.person, 'DecisionChallenged', { decisionRevision: 2, raisedBy: PERSON });
    await record(t, standard, auth.approver, 'ChallengeResolved', { challengeRevision: challenge, outcome: 'not-upheld' });

    const result = await audit('replay', '--all');
    expect(result.code).toBe(0);
    const progress = result.err.filter((line) => / journeys \(\d+%\)/.test(line));
    expect(progress.length).toBeGreaterThanOrEqual(1);
    expect(progress[progress.length - 1]).toMatch(/^2\/2 journeys \(100%\), \d+ events, [\d,]+ journeys\/s, [\d,]+ events\/s, done in /);
    expect(result.stdout).toContain('replayed 2 journeys');
    expect(result.stdout).toContain('by state: open.approved 1, open.notEligible 1');
    expect(result.stdout).toContain('by funding stream: nhs-chc 1, social-care 1');
    expect(result.stdout).toContain('clocks missed (DeadlineMissed, work not done): none');
    expect(result.stdout).toContain('challenges: not-upheld 1');

    const json = JSON.parse((await audit('replay', '--all', '--json')).stdout);
    expect(json).toMatchObject({ journeys: 2, sound: 2, byFundingStream: { 'nhs-chc': 1, 'social-care': 1 } });
  });
});
