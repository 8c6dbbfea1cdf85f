/**
 * Production identity over HTTP: the app started with AUTH_JWKS_URL pointing at a tiny JWKS server
 * on 127.0.0.1 (no outside network), accepting the identity provider's RS256/ES256 tokens with the
 * configured claim names and refusing everything else with 401, the reason logged, never the token.
 */
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT, type KeyLike } from 'jose';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ManualClock } from '../../src/common/clock';
import { CapturedLogger } from '../support/captured-logger';
import { bearer, startApp, type TestApp } from '../support/test-app';

const ISSUER = 'https://login.council.example/';
const AUDIENCE = 'api://support-planning';

interface ProviderKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: KeyLike;
}

describe('tokens from the identity provider (AUTH_JWKS_URL)', () => {
  const logger = new CapturedLogger();
  let server: Server;
  let t: TestApp;
  let rsa: ProviderKey;
  let ec: ProviderKey;
  let stranger: ProviderKey;

  beforeAll(async () => {
    const rsaPair = await generateKeyPair('RS256');
    const ecPair = await generateKeyPair('ES256');
    rsa = { kid: 'rsa-2026', alg: 'RS256', privateKey: rsaPair.privateKey };
    ec = { kid: 'ec-2026', alg: 'ES256', privateKey: ecPair.privateKey };
    stranger = { kid: 'rsa-2026', alg: 'RS256', privateKey: (await generateKeyPair('RS256')).privateKey };
    const jwks = JSON.stringify({
      keys: [
        { ...(await exportJWK(rsaPair.publicKey)), kid: rsa.kid, alg: 'RS256', use: 'sig' },
        { ...(await exportJWK(ecPair.publicKey)), kid: ec.kid, alg: 'ES256', use: 'sig' },
      ],
    });
    server = createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end(jwks));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const env = {
      AUTH_JWKS_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`,
      AUTH_ISSUER: ISSUER,
      AUTH_AUDIENCE: AUDIENCE,
      AUTH_ROLE_CLAIM: 'roles',
      AUTH_ORG_CLAIM: 'tenant',
    };
    t = await startApp({ env, logger, clock: new ManualClock(new Date()) });
  });

  afterAll(async () => {
    await t?.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  function issue(key: ProviderKey, edit: (jwt: SignJWT) => SignJWT = (jwt) => jwt): Promise<string> {
    const jwt = new SignJWT({ roles: ['staff', 'case-worker'], tenant: 'council-a' })
      .setProtectedHeader({ alg: key.alg, kid: key.kid })
      .setSubject('alice@council-a')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('10m');
    return edit(jwt).sign(key.privateKey);
  }

  const whoami = (token: string) => t.http().get('/auth/whoami').set('Authorization', `Bearer ${token}`);

  it.each([
    ['RS256', () => rsa],
    ['ES256', () => ec],
  ])('accepts an %s token and reads role and organisation from the configured claims', async (_alg, key) => {
    const response = await whoami(await issue(key())).expect(200);
    expect(response.body).toEqual({ id: 'alice@council-a', role: 'case-worker', organisation: 'council-a' });
  });

  it('records with the actor the provider’s token proves', async () => {
    const token = await issue(rsa);
    const data = {
      personId: '4c0ffee0-1d2e-4f3a-8b4c-5d6e7f8a9b0c',
      fundingStream: 'social-care',
      route: 'standard',
      source: 'GP',
      summary: 'x',
    };
    const opened = await t.http().post('/journeys').set('Authorization', `Bearer ${token}`).send({ data }).expect(201);
    const history = await t.http().get(`/journeys/${opened.body.id}/history`).set('Authorization', `Bearer ${token}`).expect(200);
    expect(history.body.events[0].actor).toEqual({ id: 'alice@council-a', role: 'case-worker' });
  });

  const refusals: Array<[string, () => Promise<string>, string]> = [
    [
      'an HS256 token signed with the engine’s own secret',
      async () => (await bearer('alice', 'auditor')).slice('Bearer '.length),
      'token algorithm is not allowed (only RS256, ES256)',
    ],
    [
      'an expired token (beyond the skew)',
      () => issue(rsa, (j) => j.setIssuedAt(Math.floor(Date.now() / 1000) - 7200).setExpirationTime(Math.floor(Date.now() / 1000) - 60)),
      'token has expired',
    ],
    [
      'an unsigned token (alg none)',
      async () =>
        new UnsecuredJWT({ roles: 'auditor' }).setSubject('a').setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime('10m').encode(),
      'token algorithm is not allowed (only RS256, ES256)',
    ],
    ['a token signed by a key the provider does not hold', () => issue(stranger), 'token signature is not valid'],
    ['a token for another audience', () => issue(ec, (j) => j.setAudience('api://payroll')), 'token is for another audience'],
    ['a token from another issuer', () => issue(ec, (j) => j.setIssuer('https://login.other.example/')), 'token is from another issuer'],
  ];

  it.each(refusals)('refuses %s with 401, logs the reason, never the token', async (_label, make, reason) => {
    const token = await make();
    const response = await whoami(token).expect(401);
    expect(response.body).toMatchObject({ error: 'AUTH.UNAUTHENTICATED', message: reason });
    expect(response.headers['www-authenticate']).toContain('Bearer');
    expect(logger.text).toContain(`refused GET /auth/whoami: ${reason}`);
    expect(logger.text).not.toContain(token);
    expect(logger.text).not.toContain(token.split('.')[1]);
  });
});
