/**
 * What the pages promise at the HTTP level, without a browser: the development sign-in does not
 * exist in production, form posts need the session's CSRF token, pages are never cached, and the
 * JSON API still refuses bodies that are not JSON (the pages' form parser is theirs alone).
 */
import request from 'supertest';
import { startApp, type TestApp } from '../support/test-app';

function csrfTokenIn(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('no CSRF field on the page');
  return match[1];
}

function sessionCookie(header: unknown): string {
  const cookie = (header as string[] | undefined)?.find((line) => line.startsWith('spe_session='));
  if (!cookie) throw new Error('no session cookie set');
  return cookie;
}

describe('the pages over HTTP', () => {
  describe('behind a TLS-terminating proxy (PUBLIC_URL is https, the hop to the service is http)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startApp({ env: { PUBLIC_URL: 'https://care.council.example' } });
    });
    afterAll(() => t.close());

    it('marks the session cookie Secure, so a browser never sends it over plain http', async () => {
      const page = await request(t.app.getHttpServer()).get('/app/sign-in').expect(200);
      expect(sessionCookie(page.headers['set-cookie'])).toMatch(/; Secure/);
    });
  });

  describe('in development', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startApp();
    });
    afterAll(() => t.close());

    it('signs in with the development form only with the session’s CSRF token', async () => {
      const agent = request.agent(t.app.getHttpServer());
      const page = await agent.get('/app/sign-in').expect(200);
      expect(page.headers['cache-control']).toBe('no-store');
      await agent.post('/app/sign-in/dev').type('form').send({ role: 'auditor', subject: 'a-1' }).expect(403);
      const signedIn = await agent
        .post('/app/sign-in/dev')
        .type('form')
        .send({ role: 'auditor', subject: 'a-1', _csrf: csrfTokenIn(page.text) })
        .expect(303);
      expect(signedIn.headers.location).toBe('/app');
      const home = await agent.get('/app').expect(200);
      expect(home.text).toContain('Signed in as <strong>a-1</strong> (auditor).');
    });

    it('refuses the engine’s own role and a subject with spaces, naming the fields', async () => {
      const agent = request.agent(t.app.getHttpServer());
      const token = csrfTokenIn((await agent.get('/app/sign-in')).text);
      const refused = await agent
        .post('/app/sign-in/dev')
        .type('form')
        .send({ role: 'system', subject: 'two words', _csrf: token })
        .expect(400);
      expect(refused.text).toContain('href="#role">Select who you are signing in as');
      expect(refused.text).toContain('href="#subject">Enter a subject');
    });

    it('sets the session cookie without Secure when the pages are served over plain http', async () => {
      const page = await request(t.app.getHttpServer()).get('/app/sign-in').expect(200);
      expect(sessionCookie(page.headers['set-cookie'])).toMatch(/; HttpOnly/);
      expect(sessionCookie(page.headers['set-cookie'])).not.toMatch(/; Secure/);
    });

    it('keeps the JSON API refusing form bodies (415)', async () => {
      await t.http().post('/journeys').type('form').send({ a: 'b' }).expect(415);
    });
  });

  describe('in production', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startApp({ env: { NODE_ENV: 'production' } });
    });
    afterAll(() => t.close());

    it('offers no development sign-in, and refuses it (404) even with a valid CSRF token', async () => {
      const agent = request.agent(t.app.getHttpServer());
      const page = await agent.get('/app/sign-in').expect(200);
      expect(page.text).not.toContain('Sign in for development');
      expect(page.text).toContain('Sign-in is not set up.');
      // No form on the page to carry the token: read it from the session cookie (signed, not secret to its holder).
      const cookie = (page.headers['set-cookie'] as unknown as string[]).find((line) => line.startsWith('spe_session='));
      const [value] = decodeURIComponent((cookie as string).split(';')[0].slice('spe_session='.length)).split('.');
      const session = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
      await agent.post('/app/sign-in/dev').type('form').send({ role: 'auditor', subject: 'a-1', _csrf: session.csrfToken }).expect(404);
    });
  });
});
