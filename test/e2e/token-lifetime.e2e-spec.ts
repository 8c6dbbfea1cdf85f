/**
 * Tokens are refused when issued in the future (beyond the clock skew) or minted to live longer
 * than AUTH_MAX_TOKEN_LIFETIME (12 h unless configured), through the real app.
 */
import { SignJWT } from 'jose';
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from '../../src/auth/tokens';
import { TEST_SECRET, startApp, type TestApp } from '../support/test-app';

function token(issuedAtOffset: number, lifetime: number): Promise<string> {
  const issuedAt = Math.floor(Date.now() / 1000) + issuedAtOffset;
  return new SignJWT({ role: 'case-worker' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('case-worker-1')
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + lifetime)
    .sign(new TextEncoder().encode(TEST_SECRET));
}

describe('token times', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({ env: { AUTH_MAX_TOKEN_LIFETIME: '2h' } });
  });
  afterAll(() => t.close());

  async function whoami(bearerToken: string) {
    return t.http().get('/auth/whoami').set('Authorization', `Bearer ${bearerToken}`);
  }

  it('refuses a token issued an hour in the future', async () => {
    const response = await whoami(await token(3600, 1800));
    expect([response.status, response.body.error, response.body.message]).toEqual([
      401,
      'AUTH.UNAUTHENTICATED',
      'token was issued in the future (beyond the allowed clock skew)',
    ]);
  });

  it('refuses a token that lives longer than AUTH_MAX_TOKEN_LIFETIME, and takes one within it', async () => {
    const tooLong = await whoami(await token(0, 2 * 3600 + 1));
    expect([tooLong.status, tooLong.body.message]).toEqual([401, 'token lifetime (exp - iat) is longer than the 7200 s allowed']);
    await whoami(await token(-10, 2 * 3600)).then((response) => expect(response.status).toBe(200));
  });
});
