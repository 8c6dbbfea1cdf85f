/**
 * The HTML export as a reader sees it: the page the engine hands an advocate (GET
 * /journeys/:id/export?format=html, the same page `npm run audit -- export --format html` writes),
 * opened from a file in real headless Chromium, and the text of the DOM Chromium built read back.
 * audit-export.e2e-spec.ts checks the page's structure with a strict reader; this checks that a
 * browser, given nothing but the file, shows the person's words, who decided what and why, the
 * flagged override of her preference, and the chain head to check the copy against.
 *
 * Needs Debian's chromium package at /usr/bin/chromium. Without it this test fails (it never
 * skips): install it with `apt-get update && apt-get install -y chromium`.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { tempDataDir, type TestApp } from '../support/test-app';
import { HOME_WISH, NURSING_HOME_OVERRIDE, callers, recordFastTrackStory, startAuditApp, type Caller } from './audit.helpers';

const CHROMIUM = '/usr/bin/chromium';
const INSTALL = 'apt-get update && apt-get install -y chromium';
const RENDER_TIMEOUT_MS = 60_000;

const run = promisify(execFile);

/** Fails (never skips) when the browser is not there, saying how to install it. */
function requireChromium(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} not found: this test renders the HTML export in headless Chromium. ` +
        `Install Debian's chromium package (as root): ${INSTALL}`,
    );
  }
}

/** Opens the file in headless Chromium with a fresh profile and returns the DOM it built. */
async function dumpDom(file: string, profile: string): Promise<string> {
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    `--user-data-dir=${profile}`,
    '--dump-dom',
    pathToFileURL(file).href,
  ];
  try {
    const { stdout } = await run(CHROMIUM, args, { timeout: RENDER_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const failure = error as Error & { stderr?: string; killed?: boolean };
    const tail = (failure.stderr ?? '').split('\n').slice(-20).join('\n');
    throw new Error(
      `${CHROMIUM} --dump-dom failed${failure.killed ? ` (killed after ${RENDER_TIMEOUT_MS} ms)` : ''}: ${failure.message}\n${tail}`,
    );
  }
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/**
 * The text a reader sees in a piece of serialised DOM: no head (title, style), no script (the
 * embedded JSON copy repeats every word and must not count), no tags, entities decoded, white
 * space collapsed as the browser lays it out.
 */
function visibleText(markup: string): string {
  return markup
    .replace(/<head[\s>][\s\S]*?<\/head>/gi, ' ')
    .replace(/<(script|style|template|noscript)[\s>][\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
      if (name[0] === '#') return String.fromCodePoint(name[1].toLowerCase() === 'x' ? parseInt(name.slice(2), 16) : Number(name.slice(1)));
      return ENTITIES[name.toLowerCase()] ?? whole;
    })
    .replace(/\s+/g, ' ')
    .trim();
}

/** The serialised element of this id (first tag to its closing tag; the export does not nest them). */
function element(dom: string, tag: string, id: string): string {
  const match = new RegExp(`<${tag}\\b[^>]*\\bid="${id}"[^>]*>[\\s\\S]*?</${tag}>`).exec(dom);
  if (!match) throw new Error(`no <${tag} id="${id}"> in the DOM Chromium built`);
  return match[0];
}

let t: TestApp;
let auth: Record<Caller, string>;
let data: ReturnType<typeof tempDataDir>;
let work: string;
let story: string;
let head: { revision: number; hash: string };
let exported: { decisions: Array<{ revision: number; actor: { id: string; role: string }; reasons: string }> };
let html: string;
let dom: string;
let text: string;

beforeAll(async () => {
  requireChromium();
  auth = await callers();
  data = tempDataDir();
  work = mkdtempSync(join(tmpdir(), 'spe-chromium-'));
  t = await startAuditApp({ file: data.file });
  story = await recordFastTrackStory(t, auth);

  const history = await t.http().get(`/journeys/${story}/history`).set('Authorization', auth.auditor).expect(200);
  head = { revision: history.body.events[8].revision as number, hash: history.body.events[8].hash as string };
  exported = (await t.http().get(`/journeys/${story}/export`).set('Authorization', auth.auditor).expect(200)).body;

  const response = await t.http().get(`/journeys/${story}/export?format=html`).set('Authorization', auth.advocate).expect(200);
  expect(response.headers['content-type']).toMatch(/^text\/html/);
  html = response.text;
  const file = join(work, `journey-${story}.html`);
  writeFileSync(file, html);
  dom = await dumpDom(file, join(work, 'profile'));
  text = visibleText(dom);
}, RENDER_TIMEOUT_MS + 30_000);

afterAll(async () => {
  await t?.close();
  data?.remove();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the HTML export, opened in headless Chromium from the file alone', () => {
  it('is the page itself, built from the file with nothing fetched and no script building it', () => {
    // Chromium printed the export's document, not an error page.
    expect(dom.trimStart().startsWith('<!DOCTYPE html>')).toBe(true);
    expect(dom).toContain(`<title>Journey ${story}</title>`);
    expect(dom).toMatch(/<\/html>\s*$/);
    // Nothing remote to load: no address in the file, none in what the browser built.
    expect(html).not.toMatch(/https?:\/\//i);
    expect(dom).not.toMatch(/https?:\/\//i);
    expect(dom).not.toMatch(/<(link|img|iframe|frame|object|embed|base|video|audio|source)\b/i);
    expect(dom).not.toMatch(/\s(src|href|srcset|action|poster)=/i);
    expect(dom).not.toMatch(/url\(/i);
    // The only script is the inert JSON copy, so the text below is the file's, as the browser shows it.
    expect(dom.match(/<script\b[^>]*>/gi)).toEqual(['<script type="application/json" id="journey-export">']);
    const copy = JSON.parse(/<script type="application\/json" id="journey-export">([\s\S]*?)<\/script>/.exec(dom)![1]);
    expect(copy).toMatchObject({ journeyId: story, verification: { head } });
  });

  it("shows the person's own words", () => {
    expect(text).toContain(HOME_WISH);
    expect(visibleText(element(dom, 'section', 'persons-words'))).toContain(HOME_WISH);
    expect(text).toContain('A nursing home is my worst nightmare');
  });

  it('shows, for each decision, who made it and the reasons given', () => {
    const assessment = visibleText(element(dom, 'article', 'decision-4'));
    expect(assessment).toContain('Decided by case-worker-1 (case-worker)');
    expect(assessment).toContain('Reasons Rapidly deteriorating condition entering a terminal phase');
    expect(assessment).toContain('followed the preference on place-of-care (home)');

    const approval = visibleText(element(dom, 'article', 'decision-8'));
    expect(approval).toContain('Decided by senior-approver-1 (senior-approver)');
    expect(approval).toContain('Reasons Safest placement available');
    expect(approval).toContain('Recorded with: Signed off at the fast-track panel');

    // Every decision the export lists, not only the two above, is on the page with its actor and reasons.
    expect(exported.decisions.map((decision) => decision.revision)).toEqual(expect.arrayContaining([4, 8]));
    for (const decision of exported.decisions) {
      const card = visibleText(element(dom, 'article', `decision-${decision.revision}`));
      expect(card).toContain(`Decided by ${decision.actor.id} (${decision.actor.role})`);
      expect(card).toContain(`Reasons ${decision.reasons}`);
    }
  });

  it('flags the approval that overrode her preference, with the reason given', () => {
    const approval = element(dom, 'article', 'decision-8');
    expect(approval).toMatch(/^<article class="decision against"/);
    const seen = visibleText(approval);
    expect(seen).toContain('This decision went against a preference the person recorded.');
    expect(seen).toContain(
      `went against the preference on place-of-care: wanted home, decided nursing-home; reason given: ${NURSING_HOME_OVERRIDE}`,
    );
    expect(visibleText(element(dom, 'article', 'decision-4'))).not.toContain('went against');
  });

  it('shows the chain head: revision and hash', () => {
    expect(head.revision).toBe(8);
    expect(head.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(visibleText(element(dom, 'td', 'chain-head'))).toBe(`revision 8, ${head.hash}`);
    expect(text).toContain(`Chain head revision 8, ${head.hash}`);
    expect(text).toContain('Hash chain intact');
  });
});
