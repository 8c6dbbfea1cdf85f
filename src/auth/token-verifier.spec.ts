import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, UnsecuredJWT, type JSONWebKeySet, type KeyLike } from 'jose';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppConfig, DEFAULT_MAX_TOKEN_LIFETIME_SECONDS, type AppConfigValues } from '../config/app-config';
import { AuthKeysUnavailableError, UnauthenticatedError } from '../errors/domain-errors';
import { TokenVerifier, VERIFIED_TOKEN_TTL_MS } from './token-verifier';
import { CLAIMS, JWKS_ALGORITHMS, signToken } from './tokens';

/** The identity provider as a test sees it: a key pair per algorithm, published as a JWKS. */
const ISSUER = 'https://login.council.example/';
const AUDIENCE = 'api://support-planning';
const ROLE_CLAIM = 'https://council.example/roles';
const ORG_CLAIM = 'tenant';
const NOW = new Date('2026-02-01T12:00:00Z');
const SECRET = 'a-test-secret-that-is-long-enough-0123';

interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: KeyLike;
}

let rsa: SigningKey;
let ec: SigningKey;
/** Same kid as `rsa`, another key: what a forger without the provider's private key can do. */
let forged: SigningKey;
let jwks: JSONWebKeySet;

async function keyPair(alg: 'RS256' | 'ES256', kid: string): Promise<{ key: SigningKey; publicKey: KeyLike }> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  return { key: { kid, alg, privateKey }, publicKey };
}

beforeAll(async () => {
  const rsaPair = await keyPair('RS256', 'rsa-1');
  const ecPair = await keyPair('ES256', 'ec-1');
  rsa = rsaPair.key;
  ec = ecPair.key;
  forged = (await keyPair('RS256', 'rsa-1')).key;
  jwks = {
    keys: [
      { ...(await exportJWK(rsaPair.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
      { ...(await exportJWK(ecPair.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
    ],
  };
});

/** A token as the identity provider issues it, an hour long from NOW, then edited. */
function providerToken(key: SigningKey, claims: Record<string, unknown>, edit: (jwt: SignJWT) => SignJWT = (jwt) => jwt): Promise<string> {
  const issuedAt = Math.floor(NOW.getTime() / 1000);
  const jwt = new SignJWT({ [ROLE_CLAIM]: ['staff', 'case-worker'], [ORG_CLAIM]: 'council-a', ...claims })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .setSubject('alice')
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + 3600);
  return edit(jwt).sign(key.privateKey);
}

function localVerifier(skew = 30): TokenVerifier {
  return new TokenVerifier(createLocalJWKSet(jwks), {
    algorithms: JWKS_ALGORITHMS,
    issuer: ISSUER,
    audience: AUDIENCE,
    clockToleranceSeconds: skew,
    maxLifetimeSeconds: DEFAULT_MAX_TOKEN_LIFETIME_SECONDS,
    claims: { ...CLAIMS, role: ROLE_CLAIM, organisation: ORG_CLAIM },
  });
}

async function refusal(verifier: TokenVerifier, token: string, now = NOW): Promise<string> {
  const error = await verifier.verify(token, now).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof UnauthenticatedError)) throw new Error(`expected UnauthenticatedError, got ${String(error)}`);
  expect(error.message).not.toContain(token);
  return error.message;
}

describe('TokenVerifier with the identity provider’s key set (RS256/ES256)', () => {
  it.each(['rsa', 'ec'])('accepts a %s token, reading role and organisation from the configured claims', async (which) => {
    const token = await providerToken(which === 'rsa' ? rsa : ec, {});
    await expect(localVerifier().verify(token, NOW)).resolves.toEqual({ id: 'alice', role: 'case-worker', organisation: 'council-a' });
  });

  it('accepts the role as a plain string claim too', async () => {
    const token = await providerToken(rsa, { [ROLE_CLAIM]: 'auditor', [ORG_CLAIM]: undefined });
    await expect(localVerifier().verify(token, NOW)).resolves.toEqual({ id: 'alice', role: 'auditor' });
  });

  it('ignores the default claim names once they are renamed', async () => {
    const token = await providerToken(rsa, { [ROLE_CLAIM]: undefined, role: 'auditor' });
    expect(await refusal(localVerifier(), token)).toBe('token has no role claim');
  });

  it('accepts a token up to the configured skew past its expiry, not later', async () => {
    const token = await providerToken(ec, {});
    const expiry = NOW.getTime() + 3600_000;
    await expect(localVerifier(10).verify(token, new Date(expiry + 9_000))).resolves.toMatchObject({ id: 'alice' });
    expect(await refusal(localVerifier(10), token, new Date(expiry + 11_000))).toBe('token has expired');
  });

  const refusals: Array<[string, () => Promise<string>, string]> = [
    [
      'an HS256 token, even one the engine itself signed',
      () => signToken(SECRET, { sub: 'a', role: 'auditor' }),
      'token algorithm is not allowed (only RS256, ES256)',
    ],
    [
      'an unsigned token (alg none)',
      async () =>
        new UnsecuredJWT({ [ROLE_CLAIM]: 'auditor' })
          .setSubject('a')
          .setIssuer(ISSUER)
          .setAudience(AUDIENCE)
          .setExpirationTime('1h')
          .encode(),
      'token algorithm is not allowed (only RS256, ES256)',
    ],
    ['a token signed by another key under a published kid', () => providerToken(forged, {}), 'token signature is not valid'],
    [
      'a token naming a kid the issuer does not publish',
      () => providerToken({ ...rsa, kid: 'rsa-9' }, {}),
      'token is signed with a key the issuer does not publish',
    ],
    ['a token for another audience', () => providerToken(rsa, {}, (j) => j.setAudience('api://payroll')), 'token is for another audience'],
    [
      'a token from another issuer',
      () => providerToken(rsa, {}, (j) => j.setIssuer('https://evil.example/')),
      'token is from another issuer',
    ],
    [
      'a token with two of the engine’s roles',
      () => providerToken(rsa, { [ROLE_CLAIM]: ['case-worker', 'approver'] }),
      "token carries more than one of the engine's roles; it must carry exactly one",
    ],
    [
      'a token with none of the engine’s roles',
      () => providerToken(rsa, { [ROLE_CLAIM]: ['staff'] }),
      expect.stringMatching(/^token has an unknown role/),
    ],
    [
      'a token claiming the system role',
      () => providerToken(rsa, { [ROLE_CLAIM]: 'system' }),
      "role system is the engine's own and cannot be claimed by a token",
    ],
  ];

  it.each(refusals)('refuses %s with 401, saying why', async (_label, make, reason) => {
    expect(await refusal(localVerifier(), await make())).toEqual(reason);
  });
});

describe('TokenVerifier remembers a verified token for a short while', () => {
  let clock: number;
  /** The provider's published keys as the verifier finds them at each look-up. */
  let published: JSONWebKeySet;

  function rememberingVerifier(): TokenVerifier {
    const policy = localVerifier().policy;
    return new TokenVerifier(
      (header, token) => createLocalJWKSet(published)(header, token),
      policy,
      () => clock,
    );
  }

  /** Issued now by the real clock (the cache's verdicts are about the present), lasting `seconds`. */
  function tokenIssuedNow(key: SigningKey, seconds = 3600): Promise<string> {
    const issuedAt = Math.floor(Date.now() / 1000);
    return providerToken(key, {}, (jwt) => jwt.setIssuedAt(issuedAt).setExpirationTime(issuedAt + seconds));
  }

  beforeEach(() => {
    clock = Date.now();
    published = jwks;
  });

  it('takes the same token again without its key, for a minute at most', async () => {
    const verifier = rememberingVerifier();
    const token = await tokenIssuedNow(rsa);
    const actor = await verifier.verify(token);
    published = { keys: [] }; // the provider withdraws the key
    await expect(verifier.verify(token)).resolves.toEqual(actor);
    clock += VERIFIED_TOKEN_TTL_MS;
    await expect(verifier.verify(token)).rejects.toBeInstanceOf(UnauthenticatedError);
  });

  it('never past the token’s own expiry', async () => {
    const verifier = rememberingVerifier();
    const token = await tokenIssuedNow(ec, 10);
    await verifier.verify(token);
    published = { keys: [] };
    clock += 10_000;
    await expect(verifier.verify(token)).rejects.toBeInstanceOf(UnauthenticatedError);
  });

  it('takes no other token for the remembered one: the same claims signed with another key are refused', async () => {
    const verifier = rememberingVerifier();
    await verifier.verify(await tokenIssuedNow(rsa));
    await expect(verifier.verify(await tokenIssuedNow(forged))).rejects.toBeInstanceOf(UnauthenticatedError);
  });

  it('answers each caller with its own copy: changing one does not change the next answer', async () => {
    const verifier = rememberingVerifier();
    const token = await tokenIssuedNow(rsa);
    const first = await verifier.verify(token);
    first.role = 'auditor';
    await expect(verifier.verify(token)).resolves.toMatchObject({ id: 'alice', role: 'case-worker' });
  });

  it('remembers nothing about a moment asked for explicitly', async () => {
    const verifier = rememberingVerifier();
    const token = await tokenIssuedNow(rsa);
    await verifier.verify(token, new Date());
    published = { keys: [] };
    await expect(verifier.verify(token)).rejects.toBeInstanceOf(UnauthenticatedError);
  });
});

describe('TokenVerifier.fromConfig', () => {
  const base: AppConfigValues = { port: 3000, eventStore: 'memory', sqliteFile: ':memory:', authSecretSource: 'env', nodeEnv: 'test' };

  it('verifies the engine’s own HS256 tokens with the secret when no JWKS is configured', async () => {
    const verifier = TokenVerifier.fromConfig(new AppConfig({ ...base, authSecret: SECRET }));
    const token = await signToken(SECRET, { sub: 'bob', role: 'approver', organisation: 'council-a' });
    await expect(verifier.verify(token)).resolves.toEqual({ id: 'bob', role: 'approver', organisation: 'council-a' });
  });

  it('reads the renamed claims from HS256 tokens too', async () => {
    const config = new AppConfig({ ...base, authSecret: SECRET, authRoleClaim: 'groups', authOrgClaim: 'tenant' });
    const claims = { ...CLAIMS, role: 'groups', organisation: 'tenant' };
    const token = await signToken(SECRET, { sub: 'bob', role: 'approver', organisation: 'council-b', claims });
    await expect(TokenVerifier.fromConfig(config).verify(token)).resolves.toEqual({
      id: 'bob',
      role: 'approver',
      organisation: 'council-b',
    });
  });

  describe('with AUTH_JWKS_URL served by a local HTTP server', () => {
    let server: Server;
    let status = 200;
    let fetches = 0;

    beforeAll(async () => {
      server = createServer((_request, response) => {
        fetches += 1;
        response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(jwks));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    function remoteVerifier(url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`): TokenVerifier {
      return TokenVerifier.fromConfig(
        new AppConfig({
          ...base,
          authSecretSource: 'none',
          authJwksUrl: url,
          authIssuer: ISSUER,
          authAudience: AUDIENCE,
          authRoleClaim: ROLE_CLAIM,
          authOrgClaim: ORG_CLAIM,
        }),
      );
    }

    it('fetches the keys once and verifies tokens with them', async () => {
      status = 200;
      fetches = 0;
      const verifier = remoteVerifier();
      const rsaToken = await providerToken(rsa, {}, (j) => j.setIssuedAt().setExpirationTime('1h'));
      const ecToken = await providerToken(ec, {}, (j) => j.setIssuedAt().setExpirationTime('1h'));
      await expect(verifier.verify(rsaToken)).resolves.toMatchObject({ id: 'alice', role: 'case-worker' });
      await expect(verifier.verify(ecToken)).resolves.toMatchObject({ id: 'alice', organisation: 'council-a' });
      expect(fetches).toBe(1);
    });

    it('refuses HS256 even when AUTH_SECRET is also set', async () => {
      status = 200;
      const config = new AppConfig({
        ...base,
        authSecret: SECRET,
        authJwksUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`,
        authIssuer: ISSUER,
        authAudience: AUDIENCE,
      });
      const token = await signToken(SECRET, { sub: 'a', role: 'auditor' });
      expect(await refusal(TokenVerifier.fromConfig(config), token, new Date())).toBe('token algorithm is not allowed (only RS256, ES256)');
    });

    it('answers 503 (not 401) when the provider answers with an error', async () => {
      status = 500;
      const token = await providerToken(rsa, {}, (j) => j.setIssuedAt().setExpirationTime('1h'));
      await expect(remoteVerifier().verify(token)).rejects.toBeInstanceOf(AuthKeysUnavailableError);
    });

    it('answers 503 (not 401) when nothing listens at the URL', async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      const token = await providerToken(rsa, {}, (j) => j.setIssuedAt().setExpirationTime('1h'));
      await expect(remoteVerifier(`http://127.0.0.1:${port}/jwks`).verify(token)).rejects.toBeInstanceOf(AuthKeysUnavailableError);
    });
  });
});
