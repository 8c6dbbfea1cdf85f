import { createRemoteJWKSet, decodeJwt } from 'jose';
import { createSecretKey } from 'node:crypto';
import { LruCache } from '../common/lru-cache';
import { AppConfig } from '../config/app-config';
import type { Actor } from './actor';
import { CLAIMS, HS256_POLICY, JWKS_ALGORITHMS, VerificationKey, VerificationPolicy, verifyWith } from './tokens';

/** How long one fetch of the key set may take before the request is answered 503. */
const JWKS_TIMEOUT_MS = 5_000;
/**
 * After a fetch, an unknown `kid` triggers a new fetch only after this pause: a key rotation is
 * picked up within seconds, yet a flood of tokens with made-up kids cannot hammer the provider.
 */
const JWKS_COOLDOWN_MS = 30_000;
/** Keys are fetched again at least this often, so a withdrawn key stops working. */
const JWKS_CACHE_MAX_AGE_MS = 10 * 60_000;
/**
 * A token verified once is taken again, byte for byte the same, for this long at most (and never
 * past its `exp`): a caller sends the same token with every request, and checking its signature
 * and claims each time was 4.5% of a command's CPU (issue 16). Bounded so that a withdrawn
 * signing key stops working within a minute, as the key set's own cooldown allows anyway.
 */
export const VERIFIED_TOKEN_TTL_MS = 60_000;
/** Distinct tokens remembered: a caseload's worth of callers; a flood of new ones only evicts. */
const VERIFIED_TOKENS_KEPT = 10_000;

interface VerifiedToken {
  actor: Readonly<Actor>;
  /** Milliseconds since the epoch after which the token is verified again. */
  until: number;
}

/**
 * Turns a bearer token into the Actor it proves, as configured: the identity provider's keys
 * (AUTH_JWKS_URL, RS256/ES256) in production, the shared HS256 secret otherwise. Built once, so
 * the remote key set and its cache live as long as the app. A class so Nest can inject it.
 */
export class TokenVerifier {
  private readonly verified = new LruCache<VerifiedToken>(VERIFIED_TOKENS_KEPT);

  constructor(
    private readonly key: VerificationKey,
    readonly policy: VerificationPolicy,
    /** The clock the remembered verdicts expire by; a test moves it. */
    private readonly clock: () => number = Date.now,
  ) {}

  static fromConfig(config: AppConfig): TokenVerifier {
    const claims = { ...CLAIMS, role: config.authRoleClaim, organisation: config.authOrgClaim };
    const clockToleranceSeconds = config.authClockSkewSeconds;
    const maxLifetimeSeconds = config.authMaxTokenLifetimeSeconds;
    if (config.authJwksUrl !== undefined) {
      const keySet = createRemoteJWKSet(new URL(config.authJwksUrl), {
        timeoutDuration: JWKS_TIMEOUT_MS,
        cooldownDuration: JWKS_COOLDOWN_MS,
        cacheMaxAge: JWKS_CACHE_MAX_AGE_MS,
      });
      const policy = {
        algorithms: JWKS_ALGORITHMS,
        issuer: config.authIssuer,
        audience: config.authAudience,
        clockToleranceSeconds,
        maxLifetimeSeconds,
        claims,
      };
      return new TokenVerifier(keySet, policy);
    }
    if (config.authSecret === undefined) throw new Error('AUTH_SECRET is required when AUTH_JWKS_URL is not set');
    return new TokenVerifier(createSecretKey(Buffer.from(config.authSecret, 'utf8')), {
      ...HS256_POLICY,
      clockToleranceSeconds,
      maxLifetimeSeconds,
      claims,
    });
  }

  /**
   * The Actor the token proves. `now` asks about another moment than the present, so its answer
   * is neither remembered nor taken from what was remembered.
   */
  async verify(token: string, now?: Date): Promise<Actor> {
    if (now !== undefined) return verifyWith(this.key, this.policy, token, now);
    const remembered = this.verified.get(token);
    if (remembered !== undefined && this.clock() < remembered.until) return { ...remembered.actor };
    const actor = await verifyWith(this.key, this.policy, token);
    this.remember(token, actor);
    return actor;
  }

  private remember(token: string, actor: Actor): void {
    const expiresAt = (decodeJwt(token).exp as number) * 1000;
    this.verified.set(token, { actor: Object.freeze({ ...actor }), until: Math.min(this.clock() + VERIFIED_TOKEN_TTL_MS, expiresAt) });
  }
}
