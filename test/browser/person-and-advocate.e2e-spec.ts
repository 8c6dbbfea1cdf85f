/// <reference lib="dom" />
/**
 * The person and their advocate, in Chromium: the record read as they see it (their words
 * highlighted, the decision that went against them flagged with its reason, the clocks, who has
 * read it), the forms filled in with the keyboard alone, a refusal by the workflow shown as an
 * error summary, the same 404 as the API for a stranger, and every page checked by axe-core.
 */
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { callers, HOME_WISH, NURSING_HOME_OVERRIDE, PERSON, recordFastTrackStory, startAuditApp, type Caller } from '../e2e/audit.helpers';
import type { TestApp } from '../support/test-app';
import { checkPage, keepScreenshot, loadsNewPage, openBrowser, signInAs, type BrowserSession } from './support/browser';

jest.setTimeout(120_000);

describe('pages for the person and their advocate', () => {
  let t: TestApp;
  let auth: Record<Caller, string>;
  let session: BrowserSession;
  let id: string;
  let page: Page;

  beforeAll(async () => {
    t = await startAuditApp();
    auth = await callers();
    id = await recordFastTrackStory(t, auth);
    // A case worker reads the journey through the API: the person will see that read.
    expect((await t.http().get(`/journeys/${id}`).set('Authorization', auth.caseWorker)).status).toBe(200);
    session = await openBrowser(t);
  });
  afterAll(async () => {
    await session?.close();
    await t?.close();
  });

  it('sends a visitor who is not signed in to the sign-in page, and back afterwards', async () => {
    page = await session.visitor();
    await page.goto(`${session.baseUrl}/app/journeys/${id}`);
    expect(new URL(page.url()).pathname).toBe('/app/sign-in');
    await checkPage(page, 'sign-in');
    await signInAs(page, session.baseUrl, { role: 'person', subject: PERSON });
    expect(new URL(page.url()).pathname).toBe(`/app/journeys/${id}`);
  });

  it('keeps the session in a signed, httpOnly, SameSite cookie', async () => {
    const cookies = await session.browser.cookies(`${session.baseUrl}/app`);
    const names = cookies.map((cookie) => cookie.name).sort();
    // One cookie: the session and its signature (`value.signature`, @fastify/cookie).
    expect(names).toEqual(['spe_session']);
    for (const cookie of cookies)
      expect([cookie.name, cookie.httpOnly, cookie.sameSite, cookie.path]).toEqual([cookie.name, true, 'Lax', '/app']);
  });

  it('shows the person their record in plain English: their words, the decision against them and why, clocks, who read it', async () => {
    await page.goto(`${session.baseUrl}/app/journeys/${id}`);
    expect(await page.locator('h1').innerText()).toBe('Your support planning record');
    // The page down to the decision that went against her wishes: the README's screenshot (docs/screenshots/).
    const flagged = await page.locator('.app-against-wishes').boundingBox();
    await keepScreenshot(page, 'journey-person-readme', Math.ceil((flagged?.y ?? 2000) + (flagged?.height ?? 0) + 40));
    expect(await page.locator('.app-own-words').first().innerText()).toContain(HOME_WISH);
    const decision = page.locator('.app-decision', { hasText: 'signed off the plan' });
    expect(await decision.locator('h3').innerText()).toBe(
      'senior-approver-1, senior approver, signed off the plan with a final budget of £1,750 a week on 2 March 2026.',
    );
    expect(await decision.innerText()).toContain('Reason: Safest placement available Signed off at the fast-track panel');
    const against = await decision.locator('.app-against-wishes').innerText();
    expect(against).toContain(
      `This went against what the person asked for about place of care (“${HOME_WISH}”): nursing-home was chosen instead.`,
    );
    expect(against).toContain(`Reason given: ${NURSING_HOME_OVERRIDE}.`);
    expect(await page.locator('#deadlines + ul').innerText()).toMatch(
      /Your first review is due by|Your .* is due by \d{1,2} [A-Z][a-z]+ 2026/,
    );
    expect(await page.locator('.app-reads').innerText()).toContain(
      'case-worker-1, case worker, looked at the record through the API at 6pm on 2 March 2026.',
    );
    await checkPage(page, 'journey-person');
  });

  it('gives the person a copy of the whole record to keep, logged as a read', async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download a copy of the whole record' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`journey-${id}.html`);
    const copy = readFileSync(await download.path(), 'utf8');
    expect(copy).toContain('I want to be at home with my family');
  });

  it('writes each page view to the access log exactly as an API read', async () => {
    const answer = await t.http().get(`/journeys/${id}/access`).set('Authorization', auth.auditor);
    const pageReads = (answer.body.entries as Array<{ route: string; actor: { id: string; role: string } }>).filter(
      (entry) => entry.route === 'GET /app/journeys/:id',
    );
    expect(pageReads.length).toBeGreaterThanOrEqual(2);
    expect(pageReads[0].actor).toEqual({ id: PERSON, role: 'person' });
    const copies = (answer.body.entries as Array<{ route: string }>).filter((entry) => entry.route === 'GET /app/journeys/:id/copy');
    expect(copies).toHaveLength(1);
  });

  it('adds a preference with the keyboard alone, after the error summary for an empty form', async () => {
    await page.goto(`${session.baseUrl}/app/journeys/${id}`);
    await loadsNewPage(page, () => page.getByRole('link', { name: 'Tell us what you want, in your own words' }).click());
    await loadsNewPage(page, () => page.getByRole('button', { name: 'Save what I want' }).click());
    expect(await page.title()).toMatch(/^Error: /);
    const summary = page.locator('.govuk-error-summary');
    expect(await summary.locator('li').allInnerTexts()).toEqual([
      'Select what your preference is about',
      'Enter what you want, in a few words',
      'Enter what you want in your own words',
    ]);
    await checkPage(page, 'preference-form-errors');

    // Keyboard only: from the top of the page, Tab until the first radio, then the fields in order.
    await page.goto(`${session.baseUrl}/app/journeys/${id}/preference`);
    await checkPage(page, 'preference-form');
    await tabUntil(page, 'input[name="topic"]');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    expect(await page.locator('input[name="topic"]:checked').getAttribute('value')).toBe('provider');
    await page.keyboard.press('Tab');
    expect(await focusedName(page)).toBe('value');
    await page.keyboard.type('The agency we chose');
    await page.keyboard.press('Tab');
    expect(await focusedName(page)).toBe('inTheirWords');
    await page.keyboard.type('We chose Homecare Together. Please keep them.');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Save what I want');
    await Promise.all([page.waitForURL(/done=preference/), page.keyboard.press('Enter')]);
    expect(await page.locator('.govuk-notification-banner').innerText()).toContain('Your preference has been recorded, in your words.');
    expect(await page.locator('#wishes ~ .app-own-words').allInnerTexts()).toEqual(
      expect.arrayContaining([expect.stringContaining('We chose Homecare Together. Please keep them.')]),
    );
  });

  it('shows what the workflow refuses as an error summary on the form, not a failure', async () => {
    await page.goto(`${session.baseUrl}/app/journeys/${id}/review`);
    await page.getByLabel('Why do you want a review?').fill('Mum wants to go home');
    await loadsNewPage(page, () => page.getByRole('button', { name: 'Ask for a review' }).click());
    const summary = page.locator('.govuk-error-summary');
    expect(await summary.innerText()).toContain(
      'This cannot be recorded at this step of the journey (Plan signed off, support not started yet).',
    );
    expect(await page.getByLabel('Why do you want a review?').inputValue()).toBe('Mum wants to go home');
    await checkPage(page, 'review-form-refused');
  });

  it('refuses a form sent without the session’s CSRF token', async () => {
    const response = await page.request.post(`${session.baseUrl}/app/journeys/${id}/preference`, {
      form: { topic: 'provider', value: 'x', inTheirWords: 'forged' },
      maxRedirects: 0,
    });
    expect(response.status()).toBe(403);
    expect(await response.text()).toContain('Your form could not be sent');
  });

  it('lets the advocate challenge the sign-off, picking it and giving grounds', async () => {
    page = await session.visitor();
    await signInAs(page, session.baseUrl, { role: 'advocate', subject: 'advocate-1' });
    await page.goto(`${session.baseUrl}/app/journeys/${id}`);
    await checkPage(page, 'journey-advocate');
    await loadsNewPage(page, () => page.getByRole('link', { name: 'Challenge a decision' }).click());
    await checkPage(page, 'challenge-form');
    await page.getByLabel(/signed off the plan/).check();
    await page
      .getByLabel('Why do you think it is wrong?')
      .fill('She said a nursing home is her worst nightmare; an agency can staff care at home.');
    await Promise.all([page.waitForURL(/done=challenge/), page.getByRole('button', { name: 'Send the challenge' }).click()]);
    const decision = page.locator('.app-decision', { hasText: 'signed off the plan' });
    expect(await decision.locator('.app-challenge').innerText()).toBe(
      'Challenge: advocate-1, advocate, challenged this on 2 March 2026, saying: “She said a nursing home is her worst nightmare; an agency can staff care at home.” Not answered yet.',
    );
    expect(await page.locator('#deadlines + ul').innerText()).toContain('The challenge answered is due by 30 March 2026.');
    const history = await t.http().get(`/journeys/${id}/history`).set('Authorization', auth.auditor);
    const last = history.body.events[history.body.events.length - 1];
    expect([last.type, last.actor, last.data.raisedBy]).toEqual([
      'DecisionChallenged',
      { id: 'advocate-1', role: 'advocate' },
      'advocate-1',
    ]);
  });

  it('answers 404 to someone with no relationship to the journey, as the API does', async () => {
    page = await session.visitor();
    await signInAs(page, session.baseUrl, { role: 'person', subject: '6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d' });
    const response = await page.goto(`${session.baseUrl}/app/journeys/${id}`);
    expect(response?.status()).toBe(404);
    expect(await page.locator('h1').innerText()).toBe('Page not found');
    expect((await t.http().get(`/journeys/${id}`).set('Authorization', auth.otherPerson)).status).toBe(404);
    await checkPage(page, 'not-found');
  });
});

async function focusedName(page: Page): Promise<string | null> {
  return page.evaluate(() => document.activeElement?.getAttribute('name') ?? null);
}

/** Presses Tab until the focused element matches the selector (at most 40 times). */
async function tabUntil(page: Page, selector: string): Promise<void> {
  for (let presses = 0; presses < 40; presses += 1) {
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${selector}`);
}
