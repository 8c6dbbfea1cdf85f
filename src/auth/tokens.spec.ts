import { SignJWT, UnsecuredJWT } from 'jose';
import { UnauthenticatedError } from '../errors/domain-errors';
import { TOKEN_AUDIENCE, TOKEN_ISSUER, bearerToken, lifetimeSeconds, signToken, verifyToken } from './tokens';

const SECRET = 'a-test-secret-that-is-long-enough-0123';
const key = new TextEncoder().encode(SECRET);

const OTHER_SECRET = 'another-secret-that-is-long-enough-xyz';
const longKey = new TextEncoder().encode(SECRET.repeat(2));
const APPROVER = { role: 'approver' };
const OUTSIDE_ROLES = 'case-worker, approver, senior-approver, advocate, person, auditor';

/** Issuer and audience right, nothing else set. */
function bare(claims: Record<string, unknown>, alg = 'HS256'): SignJWT {
  return new SignJWT(claims).setProtectedHeader({ alg }).setIssuer(TOKEN_ISSUER).setAudience(TOKEN_AUDIENCE);
}

function unsigned(): string {
  return new UnsecuredJWT(APPROVER).setSubject('a').setIssuer(TOKEN_ISSUER).setAudience(TOKEN_AUDIENCE).setExpirationTime('1h').encode();
}

/** A token built by hand, for the shapes signToken refuses to make. */
function handMade(claims: Record<string, unknown>, edit: (jwt: SignJWT) => SignJWT = (jwt) => jwt): Promise<string> {
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('alice')
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime('1h');
  return edit(jwt).sign(key);
}

/** Seconds since the epoch, `offset` seconds from now. */
function inSeconds(offset: number): number {
  return Math.floor(Date.now() / 1000) + offset;
}

async function refusal(token: string, now?: Date): Promise<string> {
  const error = await verifyToken(SECRET, token, now).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof UnauthenticatedError)) throw new Error(`expected UnauthenticatedError, got ${String(error)}`);
  return error.message;
}

describe('signToken and verifyToken', () => {
  it('round-trips the actor', async () => {
    const claims = { sub: 'adv-7', role: 'advocate', organisation: 'voiceability', onBehalfOf: 'p-1' } as const;
    const token = await signToken(SECRET, claims);
    await expect(verifyToken(SECRET, token)).resolves.toEqual({
      id: 'adv-7',
      role: 'advocate',
      organisation: 'voiceability',
      onBehalfOf: 'p-1',
    });
  });

  it('leaves out the optional claims when not given', async () => {
    const token = await signToken(SECRET, { sub: 'alice', role: 'case-worker' });
    await expect(verifyToken(SECRET, token)).resolves.toEqual({ id: 'alice', role: 'case-worker' });
  });

  it('refuses to sign with a short secret', async () => {
    await expect(signToken('short', { sub: 'alice', role: 'case-worker' })).rejects.toThrow(RangeError);
  });

  it('accepts an issue time up to the clock skew ahead of ours, and a 12-hour lifetime', async () => {
    const token = await handMade(APPROVER, (j) => j.setIssuedAt(inSeconds(25)).setExpirationTime(inSeconds(25 + 12 * 3600)));
    await expect(verifyToken(SECRET, token)).resolves.toMatchObject({ id: 'alice', role: 'approver' });
  });

  it('accepts a token up to 30 seconds past its expiry, not later', async () => {
    const issued = new Date('2025-01-01T10:00:00Z');
    const token = await signToken(SECRET, { sub: 'alice', role: 'case-worker', expiresIn: '15m', now: issued });
    await expect(verifyToken(SECRET, token, new Date('2025-01-01T10:15:29Z'))).resolves.toMatchObject({ id: 'alice' });
    expect(await refusal(token, new Date('2025-01-01T10:15:31Z'))).toBe('token has expired');
  });

  const refusals: [string, () => Promise<string>, string][] = [
    ['signed with another secret', () => signToken(OTHER_SECRET, { sub: 'a', role: 'approver' }), 'token signature is not valid'],
    ['for another audience', () => handMade(APPROVER, (j) => j.setAudience('someone-else')), 'token is for another audience'],
    ['from another issuer', () => handMade(APPROVER, (j) => j.setIssuer('evil')), 'token is from another issuer'],
    ['without expiry', () => bare(APPROVER).setSubject('a').setIssuedAt().sign(key), 'token has no exp claim'],
    ['without subject', () => bare(APPROVER).setIssuedAt().setExpirationTime('1h').sign(key), 'token has no sub claim'],
    ['without an issue time', () => bare(APPROVER).setSubject('a').setExpirationTime('1h').sign(key), 'token has no iat claim'],
    [
      'issued an hour in the future',
      () => handMade(APPROVER, (j) => j.setIssuedAt(inSeconds(3600)).setExpirationTime(inSeconds(7200))),
      'token was issued in the future (beyond the allowed clock skew)',
    ],
    [
      'living longer than 12 hours',
      () => handMade(APPROVER, (j) => j.setExpirationTime('13h')),
      'token lifetime (exp - iat) is longer than the 43200 s allowed',
    ],
    ['not valid yet', () => handMade(APPROVER, (j) => j.setNotBefore('10m')), 'token is not valid yet'],
    ['without a role', () => handMade({}), 'token has no role claim'],
    ['with an unknown role', () => handMade({ role: 'admin' }), `token has an unknown role; expected one of ${OUTSIDE_ROLES}`],
    ['claiming the system role', () => handMade({ role: 'system' }), "role system is the engine's own and cannot be claimed by a token"],
    ['with an empty organisation', () => handMade({ ...APPROVER, org: '' }), 'token claim org must be a non-empty string'],
    ['with alg none', async () => unsigned(), 'token algorithm is not allowed (only HS256)'],
    [
      'with alg HS512',
      () => bare(APPROVER, 'HS512').setSubject('a').setExpirationTime('1h').sign(longKey),
      'token algorithm is not allowed (only HS256)',
    ],
    ['that is not a JWT', async () => 'not-a-jwt', 'token is malformed'],
  ];

  it.each(refusals)('refuses a token %s, saying why', async (_label, make, reason) => {
    const token = await make();
    const message = await refusal(token);
    expect(message).toBe(reason);
    expect(message).not.toContain(token);
  });
});

describe('bearerToken', () => {
  it('takes the token from a Bearer header, any case', () => {
    expect(bearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(bearerToken('bearer abc.def.ghi')).toBe('abc.def.ghi');
  });

  it.each([
    [undefined, 'missing bearer token'],
    ['', 'missing bearer token'],
    ['Basic YWxpY2U6cHc=', 'authorization header is not of the form "Bearer <token>"'],
    ['Bearer', 'authorization header is not of the form "Bearer <token>"'],
    [['Bearer a', 'Bearer b'], 'authorization header is not of the form "Bearer <token>"'],
  ])('refuses %j', (header, reason) => {
    expect(() => bearerToken(header)).toThrow(new UnauthenticatedError(reason));
  });
});

describe('lifetimeSeconds', () => {
  it.each([
    ['90s', 90],
    ['15m', 900],
    ['8h', 28800],
    ['1d', 86400],
    [120, 120],
  ])('%j is %i seconds', (span, seconds) => {
    expect(lifetimeSeconds(span)).toBe(seconds);
  });

  it.each(['0h', '-1h', '1w', 'soon', 0, 1.5])('refuses %j', (span) => {
    expect(() => lifetimeSeconds(span)).toThrow(RangeError);
  });
});
