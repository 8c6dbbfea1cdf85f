/// <reference lib="dom" />
/**
 * The pages in real headless Chromium (Debian's package, driven by playwright-core): one browser
 * per test file, a fresh profile, the service listening on a free port. Helpers to sign in through
 * the development page, to run axe-core on the page as it stands, and to keep a screenshot of
 * every page visited in test-artifacts/ (gitignored).
 */
import axe from 'axe-core';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { TestApp } from '../../support/test-app';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = join(__dirname, '..', '..', '..', 'test-artifacts', 'pages');

const LAUNCH_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface BrowserSession {
  browser: BrowserContext;
  baseUrl: string;
  /** A new tab with no cookies: a new visitor. */
  visitor: () => Promise<Page>;
  close: () => Promise<void>;
}

/** Fails (never skips) without the browser, saying how to install it. */
function requireChromium(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} not found: the page tests drive Debian's chromium. As root: apt-get update && apt-get install -y chromium (npm test runs scripts/ensure-chromium.sh)`,
    );
  }
}

/** Starts the app on a free port and one Chromium with a fresh profile for the whole file. */
export async function openBrowser(t: TestApp, port = 0): Promise<BrowserSession> {
  requireChromium();
  await t.app.listen(port, '127.0.0.1');
  const baseUrl = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
  const profile = mkdtempSync(join(tmpdir(), 'spe-chromium-'));
  // launchPersistentContext is how playwright takes a --user-data-dir of our own.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: LAUNCH_FLAGS,
    headless: true,
    // axe-core is injected as a script; the service's CSP (rightly) refuses inline scripts.
    bypassCSP: true,
    viewport: { width: 1024, height: 900 },
  });
  const browserProcess: Browser | null = context.browser();
  return {
    browser: context,
    baseUrl,
    visitor: async () => {
      // One profile for the file: a new visitor is the same browser with its cookies cleared.
      await context.clearCookies();
      const page = context.pages()[0] ?? (await context.newPage());
      return page;
    },
    close: async () => {
      await context.close();
      await browserProcess?.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Runs an action that loads a new page (a link followed, a form sent) and waits until that page
 * has loaded: what a test reads next is read from the new page, never from the one before it.
 * (A click returns once the navigation starts; reads such as title(), url(), count() and
 * allInnerTexts() do not wait, so without this they race the server's answer.)
 */
export async function loadsNewPage(page: Page, action: () => Promise<unknown>): Promise<void> {
  const committed = page.waitForEvent('framenavigated', { predicate: (frame) => frame === page.mainFrame() });
  await action();
  await committed;
  await page.waitForLoadState('load');
}

/** Signs in on the development page, with the keyboard only (Tab, arrows, Space, Enter). */
export async function signInAs(page: Page, baseUrl: string, who: { role: string; subject: string; organisation?: string }): Promise<void> {
  await page.goto(`${baseUrl}/app/sign-in`);
  await page.getByLabel(roleLabel(who.role), { exact: true }).check();
  await page.getByLabel('Subject (your user id)').fill(who.subject);
  if (who.organisation) await page.getByLabel('Organisation (optional)').fill(who.organisation);
  await Promise.all([
    page.waitForURL((url) => !url.pathname.startsWith('/app/sign-in')),
    page.getByRole('button', { name: 'Sign in' }).click(),
  ]);
}

function roleLabel(role: string): string {
  const words = role === 'person' ? 'the person' : role.replace(/-/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export interface AxeFinding {
  id: string;
  impact: string | null | undefined;
  help: string;
  nodes: string[];
}

/** axe-core on the page as it stands: the violations that are serious or critical (WCAG 2.2 AA rules). */
export async function seriousViolations(page: Page): Promise<AxeFinding[]> {
  await page.addScriptTag({ content: axe.source });
  const results = await page.evaluate(async () => {
    const run = (window as unknown as { axe: typeof axe }).axe.run;
    return run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] } });
  });
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      nodes: violation.nodes.map((node) => node.target.join(' ')),
    }));
}

/** A full-page screenshot kept as a test artefact, named for the page and the role that saw it. */
export async function keepScreenshot(page: Page, name: string, heightLimit?: number): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = join(ARTIFACTS, `${name}.png`);
  const clip = heightLimit === undefined ? undefined : { x: 0, y: 0, width: page.viewportSize()?.width ?? 1024, height: heightLimit };
  await page.screenshot({ path: file, fullPage: true, clip });
  return file;
}

/** Checks a page the way every page is checked: no serious accessibility problem, and a screenshot kept. */
export async function checkPage(page: Page, name: string): Promise<void> {
  await keepScreenshot(page, name);
  expect({ page: name, violations: await seriousViolations(page) }).toEqual({ page: name, violations: [] });
}

/** A port free now, for a server whose address must be known before it starts (an OIDC redirect URI). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
