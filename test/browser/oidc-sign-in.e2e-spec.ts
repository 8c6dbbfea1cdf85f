/// <reference lib="dom" />
/**
 * Sign-in through a real OpenID Connect provider (oidc-provider, in this process, with its
 * development login and consent pages): authorization code with PKCE required by the provider,
 * the ID token's claims read as the API reads a token's (here a `roles` array, AUTH_ROLE_CLAIM),
 * and a callback whose state does not match refused.
 */
import { createServer, type Server } from 'node:http';
import { ManualClock } from '../../src/common/clock';
import { startApp, type TestApp } from '../support/test-app';
import { checkPage, freePort, loadsNewPage, openBrowser, type BrowserSession } from './support/browser';

jest.setTimeout(120_000);

// oidc-provider 7 ships no types; this is the little of it the test uses.
type ProviderConstructor = new (
  issuer: string,
  configuration: Record<string, unknown>,
) => { callback: () => (req: unknown, res: unknown) => void };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Provider } = require('oidc-provider') as { Provider: ProviderConstructor };

const CLIENT_ID = 'support-planning-pages';
const CLIENT_SECRET = 'a-client-secret-that-is-long-enough-0123456789';

describe('signing in with an OpenID Connect provider', () => {
  let t: TestApp;
  let session: BrowserSession;
  let idp: Server;

  beforeAll(async () => {
    // The provider warns, rightly, that its development adapter, keys and login pages are not for
    // production; that is what a test provider is. Its warnings would bury the test's output.
    jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    jest.spyOn(console, 'info').mockImplementation(() => undefined);
    const appPort = await freePort();
    idp = createServer();
    await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
    const issuer = `http://127.0.0.1:${(idp.address() as { port: number }).port}`;
    const provider = new Provider(issuer, {
      clients: [
        {
          client_id: CLIENT_ID,
          client_secret: CLIENT_SECRET,
          redirect_uris: [`http://127.0.0.1:${appPort}/app/auth/callback`],
          grant_types: ['authorization_code'],
          response_types: ['code'],
        },
      ],
      // Any login name is an account; the council's directory gives it a role among others, and an organisation.
      findAccount: async (_ctx: unknown, sub: string) => ({
        accountId: sub,
        claims: async () => ({ sub, roles: ['staff', 'case-worker'], org: 'council-a' }),
      }),
      claims: { openid: ['sub', 'roles', 'org'] },
      conformIdTokenClaims: false,
      pkce: { methods: ['S256'], required: () => true },
      cookies: { keys: ['provider-cookie-key-0123456789'] },
    });
    idp.on('request', provider.callback());
    t = await startApp({
      clock: new ManualClock(new Date()),
      env: {
        OIDC_ISSUER_URL: issuer,
        OIDC_CLIENT_ID: CLIENT_ID,
        OIDC_CLIENT_SECRET: CLIENT_SECRET,
        PUBLIC_URL: `http://127.0.0.1:${appPort}`,
        AUTH_ROLE_CLAIM: 'roles',
      },
    });
    session = await openBrowser(t, appPort);
  });
  afterAll(async () => {
    await session?.close();
    await t?.close();
    await new Promise((resolve) => idp?.close(resolve));
    jest.restoreAllMocks();
  });

  it('signs a case worker in through the provider, with the role and organisation its ID token carries', async () => {
    const page = await session.visitor();
    await page.goto(`${session.baseUrl}/app/caseload`);
    await loadsNewPage(page, () =>
      page
        .getByRole('button', { name: 'Sign in with your organisation' })
        .or(page.getByRole('link', { name: 'Sign in with your organisation' }))
        .click(),
    );
    // The provider's own development pages: log in with any name, then consent.
    expect(new URL(page.url()).origin).not.toBe(session.baseUrl);
    await page.locator('input[name="login"]').fill('sam.patel');
    await page.locator('input[name="password"]').fill('anything');
    await loadsNewPage(page, () => page.locator('button[type="submit"]').click());
    await loadsNewPage(page, () => page.locator('button[type="submit"]').click());
    await page.waitForURL(`${session.baseUrl}/app/caseload`);
    expect(await page.locator('.app-signed-in').innerText()).toContain('Signed in as sam.patel (case worker, council-a).');
    await checkPage(page, 'caseload-after-oidc');
  });

  it('refuses a callback whose state is not the one this browser was sent with', async () => {
    const page = await session.visitor();
    await page.goto(`${session.baseUrl}/app/sign-in/oidc`);
    const response = await page.goto(`${session.baseUrl}/app/auth/callback?code=forged&state=not-the-state`);
    expect(response?.status()).toBe(401);
    expect(await page.locator('h1').innerText()).toBe('You could not be signed in');
    await checkPage(page, 'sign-in-failed');
  });
});
