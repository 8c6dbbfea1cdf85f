import { JWTPayload, JWTVerifyGetKey, SignJWT, errors, jwtVerify } from 'jose';
import type { KeyObject } from 'node:crypto';
import {
  DEFAULT_CLOCK_SKEW_SECONDS,
  DEFAULT_MAX_TOKEN_LIFETIME_SECONDS,
  DEFAULT_ORG_CLAIM,
  DEFAULT_ROLE_CLAIM,
  DEFAULT_TOKEN_AUDIENCE,
  DEFAULT_TOKEN_ISSUER,
} from '../config/app-config';
import { MIN_AUTH_SECRET_LENGTH } from '../config/load-config';
import { AuthKeysUnavailableError, UnauthenticatedError } from '../errors/domain-errors';
import { Actor, ROLES, Role, isInternalRole, isRole } from './actor';

export const TOKEN_ISSUER = DEFAULT_TOKEN_ISSUER;
export const TOKEN_AUDIENCE = DEFAULT_TOKEN_AUDIENCE;
/** The embedded default: a shared secret, for one service and its own tools. */
export const TOKEN_ALGORITHM = 'HS256';
/**
 * What an identity provider signs with. Asymmetric only: with a JWKS the engine holds no secret
 * that could mint a token, so HS256 is refused outright (an `alg` switch cannot smuggle one in).
 */
export const JWKS_ALGORITHMS = ['RS256', 'ES256'] as const;
export const CLOCK_TOLERANCE_SECONDS = DEFAULT_CLOCK_SKEW_SECONDS;
export const DEFAULT_TOKEN_LIFETIME = '1h';
const SPAN_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Claim names beyond the registered ones (`sub`, `exp`...); role and organisation are configurable. */
export interface ClaimNames {
  role: string;
  organisation: string;
  onBehalfOf: string;
}

export const CLAIMS: Readonly<ClaimNames> = { role: DEFAULT_ROLE_CLAIM, organisation: DEFAULT_ORG_CLAIM, onBehalfOf: 'on_behalf_of' };

/** What a token must satisfy, besides its signature. */
export interface VerificationPolicy {
  algorithms: readonly string[];
  issuer: string;
  audience: string;
  clockToleranceSeconds: number;
  /** Longest `exp - iat` accepted (AUTH_MAX_TOKEN_LIFETIME): a token minted to last for years is refused. */
  maxLifetimeSeconds: number;
  claims: ClaimNames;
}

/** The embedded default: HS256 tokens as signToken makes them. */
export const HS256_POLICY: Readonly<VerificationPolicy> = {
  algorithms: [TOKEN_ALGORITHM],
  issuer: TOKEN_ISSUER,
  audience: TOKEN_AUDIENCE,
  clockToleranceSeconds: CLOCK_TOLERANCE_SECONDS,
  maxLifetimeSeconds: DEFAULT_MAX_TOKEN_LIFETIME_SECONDS,
  claims: CLAIMS,
};

/** A shared secret (HS256), or a key set that picks the public key by the token's header (JWKS). */
/** A secret (raw bytes, or imported once as a KeyObject: jose re-imports raw bytes per token), or a key set. */
export type VerificationKey = Uint8Array | KeyObject | JWTVerifyGetKey;

export interface TokenRequest {
  sub: string;
  role: Role;
  organisation?: string;
  onBehalfOf?: string;
  /** A span such as '90s', '15m', '8h', '1d', or seconds. Default one hour. */
  expiresIn?: string | number;
  /** The issue time; defaults to now. Given by tests that need an expired token. */
  now?: Date;
  /** Claim names, when AUTH_ROLE_CLAIM / AUTH_ORG_CLAIM rename them; the defaults otherwise. */
  claims?: ClaimNames;
}

/** Signs an HS256 token the engine accepts. For the CLI, the tests and local tools. */
export async function signToken(secret: string, request: TokenRequest): Promise<string> {
  if (secret.length < MIN_AUTH_SECRET_LENGTH) {
    throw new RangeError(`the signing secret must be at least ${MIN_AUTH_SECRET_LENGTH} characters long`);
  }
  const issuedAt = Math.floor((request.now ?? new Date()).getTime() / 1000);
  return new SignJWT(claimsOf(request))
    .setProtectedHeader({ alg: TOKEN_ALGORITHM, typ: 'JWT' })
    .setSubject(request.sub)
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + lifetimeSeconds(request.expiresIn ?? DEFAULT_TOKEN_LIFETIME))
    .sign(secretKey(secret));
}

/** Seconds in a span such as '15m'; computed here so that `now` also moves the expiry. */
export function lifetimeSeconds(span: string | number): number {
  if (typeof span === 'number' && Number.isInteger(span) && span > 0) return span;
  const match = typeof span === 'string' ? /^(\d+) *([smhd])$/.exec(span.trim()) : null;
  if (!match || Number(match[1]) === 0) {
    throw new RangeError(`token lifetime must be a positive span such as 90s, 15m, 8h or 1d (got ${String(span)})`);
  }
  return Number(match[1]) * SPAN_UNITS[match[2]];
}

/** Verifies an HS256 token made by signToken with this secret. */
export async function verifyToken(secret: string, token: string, now?: Date): Promise<Actor> {
  return verifyWith(secretKey(secret), HS256_POLICY, token, now);
}

/**
 * Verifies a token against a key and a policy and returns the Actor it proves. Every refusal is
 * an UnauthenticatedError whose message says why (for the client and the log) without quoting
 * the token or its claims; a key set that cannot be fetched is an AuthKeysUnavailableError (503).
 */
export async function verifyWith(key: VerificationKey, policy: VerificationPolicy, token: string, now?: Date): Promise<Actor> {
  const options = {
    algorithms: [...policy.algorithms],
    issuer: policy.issuer,
    audience: policy.audience,
    clockTolerance: policy.clockToleranceSeconds,
    requiredClaims: ['sub', 'exp', 'iat'],
    currentDate: now,
  };
  let payload: JWTPayload;
  try {
    // Two calls rather than one: jose's overloads take either a key or a key set, not the union.
    ({ payload } = typeof key === 'function' ? await jwtVerify(token, key, options) : await jwtVerify(token, key, options));
  } catch (error) {
    if (typeof key === 'function' && isKeyFetchFailure(error)) throw new AuthKeysUnavailableError();
    throw new UnauthenticatedError(refusalReason(error, policy));
  }
  assertTimely(payload, policy, now ?? new Date());
  return actorOf(payload, policy.claims);
}

/**
 * jose checks `exp` and `nbf`, but takes `iat` on trust: a token stamped as issued an hour from
 * now, or minted to last a year, would pass. Both are refused: `iat` may be ahead of our clock by
 * the allowed skew at most, and `exp - iat` may not exceed the configured lifetime.
 */
function assertTimely(payload: JWTPayload, policy: VerificationPolicy, now: Date): void {
  const issuedAt = payload.iat as number;
  const expiresAt = payload.exp as number;
  if (issuedAt > Math.floor(now.getTime() / 1000) + policy.clockToleranceSeconds) {
    throw new UnauthenticatedError('token was issued in the future (beyond the allowed clock skew)');
  }
  if (expiresAt - issuedAt > policy.maxLifetimeSeconds) {
    throw new UnauthenticatedError(`token lifetime (exp - iat) is longer than the ${policy.maxLifetimeSeconds} s allowed`);
  }
}

/** Extracts the token from an `Authorization: Bearer <token>` header (scheme is case-insensitive). */
export function bearerToken(header: string | string[] | undefined): string {
  if (header === undefined || header === '') throw new UnauthenticatedError('missing bearer token');
  const match = typeof header === 'string' ? /^Bearer +([^ ]+) *$/i.exec(header) : null;
  if (!match) throw new UnauthenticatedError('authorization header is not of the form "Bearer <token>"');
  return match[1];
}

function secretKey(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

function claimsOf(request: TokenRequest): JWTPayload {
  const names = request.claims ?? CLAIMS;
  const claims: JWTPayload = { [names.role]: request.role };
  if (request.organisation !== undefined) claims[names.organisation] = request.organisation;
  if (request.onBehalfOf !== undefined) claims[names.onBehalfOf] = request.onBehalfOf;
  return claims;
}

/** The actor a verified set of claims names (shared with the pages' OIDC sign-in, so both read role and organisation alike). */
export function actorOf(payload: JWTPayload, claims: ClaimNames): Actor {
  const role = roleOf(payload[claims.role]);
  if (isInternalRole(role)) {
    throw new UnauthenticatedError(`role ${role} is the engine's own and cannot be claimed by a token`);
  }
  const actor: Actor = { id: nonEmpty(payload.sub, 'sub'), role };
  const organisation = optionalClaim(payload, claims.organisation);
  const onBehalfOf = wellFormedId(optionalClaim(payload, claims.onBehalfOf), claims.onBehalfOf);
  if (organisation !== undefined) actor.organisation = organisation;
  if (onBehalfOf !== undefined) actor.onBehalfOf = onBehalfOf;
  return actor;
}

/**
 * The role claim is a string, or (as identity providers often send roles) an array holding exactly
 * one of the engine's roles; other entries (the provider's own roles) are ignored. Two engine
 * roles in one token are refused rather than one picked: which one the caller meant is unknowable.
 */
function roleOf(claim: unknown): Role {
  if (claim === undefined) throw new UnauthenticatedError('token has no role claim');
  const candidates = Array.isArray(claim) ? claim.filter(isRole) : [claim];
  if (Array.isArray(claim) && candidates.length > 1) {
    throw new UnauthenticatedError("token carries more than one of the engine's roles; it must carry exactly one");
  }
  const [role] = candidates;
  if (!isRole(role)) {
    throw new UnauthenticatedError(`token has an unknown role; expected one of ${externalRoles().join(', ')}`);
  }
  return role;
}

/** An id names someone (`p-1`, a UUID, an email-like subject); words such as "for the-minister" are not one. */
const WELL_FORMED_ID = /^[A-Za-z0-9][A-Za-z0-9._:@|-]{0,199}$/;

function wellFormedId(value: string | undefined, name: string): string | undefined {
  if (value === undefined || WELL_FORMED_ID.test(value)) return value;
  throw new UnauthenticatedError(`token claim ${name} must be an id (letters, digits and . _ : @ | -), not free text`);
}

function optionalClaim(payload: JWTPayload, name: string): string | undefined {
  return payload[name] === undefined ? undefined : nonEmpty(payload[name], name);
}

function nonEmpty(value: unknown, name: string): string {
  if (typeof value === 'string' && value.trim() !== '') return value;
  throw new UnauthenticatedError(`token claim ${name} must be a non-empty string`);
}

function externalRoles(): Role[] {
  return ROLES.filter((role) => !isInternalRole(role));
}

/** jose's error classes name the exact failure; translate the ones a caller can act on. */
function refusalReason(error: unknown, policy: VerificationPolicy): string {
  if (error instanceof errors.JWTExpired) return 'token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) return claimReason(error);
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'token signature is not valid';
  if (error instanceof errors.JOSEAlgNotAllowed) return `token algorithm is not allowed (only ${policy.algorithms.join(', ')})`;
  if (error instanceof errors.JWKSNoMatchingKey) return 'token is signed with a key the issuer does not publish';
  if (error instanceof errors.JWKSMultipleMatchingKeys) return "token does not say which of the issuer's keys signed it";
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return 'token is malformed';
  return 'token could not be verified';
}

/**
 * Failures of fetching the key set rather than of the token: a timeout, an answer that is not a
 * key set, a non-200 (jose's generic error), or a network error (not jose's at all).
 */
function isKeyFetchFailure(error: unknown): boolean {
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) return true;
  // A TypeError is jose refusing an input (a published key unfit for the token's alg): the
  // token's problem. Any other foreign error is the HTTP request for the key set failing.
  if (!(error instanceof errors.JOSEError)) return !(error instanceof TypeError);
  return error.code === errors.JOSEError.code;
}

function claimReason(error: errors.JWTClaimValidationFailed): string {
  if (error.reason === 'missing') return `token has no ${error.claim} claim`;
  switch (error.claim) {
    case 'aud':
      return 'token is for another audience';
    case 'iss':
      return 'token is from another issuer';
    case 'nbf':
      return 'token is not valid yet';
    case 'iat':
      return 'token was issued in the future';
    default:
      return `token claim ${error.claim} is not valid`;
  }
}
