/// <reference lib="dom" />
/**
 * The case worker and the auditor, in Chromium: the caseload with its filters and the overdue
 * board scoped to the organisation as the API scopes them, each journey with what may be recorded
 * next; the auditor's verification, the state at a chosen fact or date, and the access log search
 * that shows those very page views. Every page checked by axe-core, with a screenshot kept.
 */
import type { Page } from 'playwright-core';
import { ManualClock } from '../../src/common/clock';
import { callers, PERSON, recordFastTrackStory, startAuditApp, STORY_NOW, type Caller } from '../e2e/audit.helpers';
import { EXAMPLE_PERSON } from '../../src/pages/example-journey';
import type { TestApp } from '../support/test-app';
import { checkPage, loadsNewPage, openBrowser, signInAs, type BrowserSession } from './support/browser';

jest.setTimeout(120_000);

const DAY = 86_400_000;

describe('pages for the case worker and the auditor', () => {
  let t: TestApp;
  let auth: Record<Caller, string>;
  let session: BrowserSession;
  let id: string;
  let page: Page;
  const clock = new ManualClock(new Date(STORY_NOW));

  beforeAll(async () => {
    t = await startAuditApp({ clock });
    auth = await callers();
    id = await recordFastTrackStory(t, auth);
    // Wait (through the API) until the read models have the story's last fact.
    const last = await t
      .http()
      .post(`/journeys/${id}/events`)
      .set('Authorization', auth.person)
      .send({ type: 'PreferenceRecorded', data: { topic: 'provider', value: 'Homecare Together', inTheirWords: 'The agency we chose' } });
    expect(last.status).toBe(201);
    expect((await t.http().get(`/journeys?after=${last.body.position}&waitMs=10000`).set('Authorization', auth.auditor)).status).toBe(200);
    session = await openBrowser(t);
  });
  afterAll(async () => {
    await session?.close();
    await t?.close();
  });

  it('shows the case worker their organisation’s caseload, with filters', async () => {
    page = await session.visitor();
    await signInAs(page, session.baseUrl, { role: 'case-worker', subject: 'case-worker-1', organisation: 'council-a' });
    await page.goto(`${session.baseUrl}/app/caseload`);
    const rows = page.locator('table.app-caseload tbody tr');
    expect(await rows.count()).toBe(1);
    expect(await rows.first().innerText()).toContain('Plan signed off, support not started yet');
    await checkPage(page, 'caseload');
    await page.getByLabel('Route').selectOption('standard');
    await loadsNewPage(page, () => page.getByRole('button', { name: 'Apply filters' }).click());
    expect(new URL(page.url()).searchParams.get('route')).toBe('standard');
    expect(await page.locator('table.app-caseload').count()).toBe(0);
    expect(await page.locator('main').innerText()).toContain('Showing 0 of 0 journeys.');
  });

  it('shows the overdue board, most urgent first, with the missed clock in red', async () => {
    clock.advance(3 * DAY);
    await page.goto(`${session.baseUrl}/app/overdue`);
    const first = page.locator('table.app-overdue tbody tr').first();
    expect(await first.innerText()).toContain('Fast-track care in place');
    expect(await first.locator('.govuk-tag--red').innerText()).toMatch(/^\d+ (day|hour)s? late$/i);
    await checkPage(page, 'overdue');
  });

  it('shows each journey with what the case worker may record next', async () => {
    await page.goto(`${session.baseUrl}/app/journeys/${id}`);
    const next = await page.locator('#next ~ ul').first().innerText();
    expect(next).toContain('Record that support has started');
    expect(await page.locator('#reads').count()).toBe(0);
    // Three days on, the 48-hour fast-track clock has passed: shown in red, with when it was due.
    expect(await page.locator('.app-clock--missed').innerText()).toBe('The fast-track care in place was due by 4 March 2026 and is late.');
    const colour = await page.locator('.app-clock .govuk-tag--red').evaluate((tag) => getComputedStyle(tag).color);
    expect(colour).not.toBe('rgb(11, 12, 12)');
    await checkPage(page, 'journey-case-worker');
  });

  it('shows the workflow of the journey as a diagram with its current step highlighted, and its rules in words', async () => {
    await page.goto(`${session.baseUrl}/app/journeys/${id}`);
    await loadsNewPage(page, () => page.getByRole('link', { name: 'See where this is in the process' }).click());
    expect(await page.locator('.app-current-step').innerText()).toBe(
      'This journey is at: Plan signed off, support not started yet. It follows version 1 of the rules, the version it started on.',
    );
    expect(await page.locator('svg .app-step--current text').textContent()).toBe('Plan signed off, support not started yet (now)');
    expect(await page.locator('svg .app-step').count()).toBeGreaterThan(8);
    expect(await page.locator('.app-rules').innerText()).toContain(
      'Separation of duties: the approver is not the actor who drafted the plan.',
    );
    await checkPage(page, 'workflow');
  });

  it('logs every journey a list page showed, as the API’s lists are', async () => {
    const answer = await t.http().get(`/journeys/${id}/access`).set('Authorization', auth.auditor);
    const routes = (answer.body.entries as Array<{ route: string; actor: { id: string } }>)
      .filter((entry) => entry.actor.id === 'case-worker-1')
      .map((entry) => entry.route);
    expect(routes).toEqual(expect.arrayContaining(['GET /app/caseload', 'GET /app/overdue', 'GET /app/journeys/:id']));
  });

  it('hides the journey from another organisation’s case worker (404) and refuses lists to the person (403)', async () => {
    page = await session.visitor();
    await signInAs(page, session.baseUrl, { role: 'case-worker', subject: 'case-worker-9', organisation: 'council-b' });
    expect((await page.goto(`${session.baseUrl}/app/journeys/${id}`))?.status()).toBe(404);
    await page.goto(`${session.baseUrl}/app/caseload`);
    expect(await page.locator('table.app-caseload').count()).toBe(0);
    page = await session.visitor();
    await signInAs(page, session.baseUrl, { role: 'person', subject: PERSON });
    const refused = await page.goto(`${session.baseUrl}/app/caseload`);
    expect(refused?.status()).toBe(403);
    expect(await page.locator('h1').innerText()).toBe('You cannot do that');
    await checkPage(page, 'forbidden');
  });

  it('lets the auditor verify a journey and see it after a chosen fact and on a chosen date', async () => {
    page = await session.visitor();
    await signInAs(page, session.baseUrl, { role: 'auditor', subject: 'auditor-7' });
    await page.goto(`${session.baseUrl}/app/journeys/${id}`);
    await loadsNewPage(page, () => page.getByRole('link', { name: 'Check the record and see it at an earlier time' }).click());
    expect(await page.locator('.app-verdict').innerText()).toBe('Whole and unaltered');
    expect(await page.locator('.app-verification').innerText()).toContain('The hash chain is whole');
    await checkPage(page, 'audit');
    await page.getByLabel('After fact number').fill('4');
    await loadsNewPage(page, () => page.getByRole('button', { name: 'Show it after this fact' }).click());
    expect(await page.locator('#as-of').innerText()).toBe('The record just after fact number 4');
    expect(await page.locator('#as-of ~ ol li').count()).toBe(5);
    await page.getByLabel('Day').fill('1');
    await page.getByLabel('Month').fill('3');
    await page.getByLabel('Year').fill('2026');
    await loadsNewPage(page, () => page.getByRole('button', { name: 'Show it at this time' }).click());
    expect(await page.locator('.govuk-error-summary').innerText()).toContain('The journey did not exist yet at that point.');
    await checkPage(page, 'audit-error');
    expect(await page.getByLabel('Day').inputValue()).toBe('1');
    await page.getByLabel('Day').fill('2');
    await page.getByLabel('Time (UTC, optional)').fill('');
    await loadsNewPage(page, () => page.getByRole('button', { name: 'Show it at this time' }).click());
    expect(new URL(page.url()).searchParams.get('at')).toBe('2026-03-02T23:59:59.000Z');
    expect(await page.locator('#as-of').innerText()).toContain('as the service knew it at 2026-03-02T23:59:59.000Z');
  });

  it('lets the auditor search the access log, which holds the page views with their detail', async () => {
    await page.goto(`${session.baseUrl}/app/access-log`);
    await page.getByLabel('Who read it (their user id)').fill('auditor-7');
    await loadsNewPage(page, () => page.getByRole('button', { name: 'Search' }).click());
    const text = await page.locator('table.app-access-log').innerText();
    expect(text).toContain('GET /app/journeys/:id/audit (revision=4)');
    expect(text).toContain('GET /app/journeys/:id/audit (at=2026-03-02T23:59:59.000Z)');
    await checkPage(page, 'access-log');
  });
  it('lets a case worker in development record an example journey, then walk through it as the person', async () => {
    page = await session.visitor();
    await signInAs(page, session.baseUrl, { role: 'case-worker', subject: 'case-worker-5', organisation: 'council-e' });
    await checkPage(page, 'home-case-worker');
    await Promise.all([page.waitForURL(/done=example/), page.getByRole('button', { name: 'Create an example journey' }).click()]);
    expect(await page.locator('.govuk-notification-banner').innerText()).toContain(`sign in as the person (subject ${EXAMPLE_PERSON})`);
    expect(await page.locator('.govuk-summary-list').innerText()).toContain('Support in place');
    const example = new URL(page.url()).pathname;
    page = await session.visitor();
    await signInAs(page, session.baseUrl, { role: 'person', subject: EXAMPLE_PERSON });
    await checkPage(page, 'home-person');
    await page.goto(`${session.baseUrl}${example}`);
    expect(await page.locator('.app-own-words').first().innerText()).toContain('I want to stay in my own home');
    expect(await page.locator('#deadlines + ul').innerText()).toMatch(/Your first review is due by \d{1,2} [A-Z][a-z]+ 2026\./);
  });
});
