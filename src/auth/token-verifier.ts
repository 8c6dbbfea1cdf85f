import { createRemoteJWKSet } from 'jose';
import { createSecretKey } from 'node:crypto';
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
 * Turns a bearer token into the Actor it proves, as configured: the identity provider's keys
 * (AUTH_JWKS_URL, RS256/ES256) in production, the shared HS256 secret otherwise. Built once, so
 * the remote key set and its cache live as long as the app. A class so Nest can inject it.
 */
export class TokenVerifier {
  constructor(
    private readonly key: VerificationKey,
    readonly policy: VerificationPolicy,
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

  verify(token: string, now?: Date): Promise<Actor> {
    return verifyWith(this.key, this.policy, token, now);
  }
}
