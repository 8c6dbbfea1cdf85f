import { defaultObservability, type ObservabilityConfig } from './observability-config';

import { createHmac, randomBytes } from 'node:crypto';
/** Which event store adapter the service runs on. */
export const EVENT_STORE_KINDS = ['sqlite', 'memory', 'kurrentdb', 'postgres'] as const;
export type EventStoreKind = (typeof EVENT_STORE_KINDS)[number];

/**
 * NODE_ENV is checked against a closed list: a typo such as `prod` must not quietly fall back to
 * development behaviour (a generated secret kept on disk).
 */
export const NODE_ENVS = ['development', 'test', 'production'] as const;
export type NodeEnv = (typeof NODE_ENVS)[number];

/**
 * Where the HS256 secret came from, so start-up can say so without printing it. `none`: tokens
 * are verified through AUTH_JWKS_URL and no secret was given, so none is generated either.
 */
export type AuthSecretSource = 'env' | 'file' | 'generated' | 'none';

/** The embedded default: tokens signed by this engine (`npm run token`) with the HS256 secret. */
export const DEFAULT_TOKEN_ISSUER = 'support-planning-engine';
export const DEFAULT_TOKEN_AUDIENCE = 'support-planning-engine';
/** How far apart the issuer's clock and ours may be: enough for drift, too little to matter. */
export const DEFAULT_CLOCK_SKEW_SECONDS = 30;
export const DEFAULT_ROLE_CLAIM = 'role';
export const DEFAULT_ORG_CLAIM = 'org';
/** Writes per token subject per minute: far above what a person types, low enough to stop a runaway loop. */
export const DEFAULT_RATE_LIMIT_WRITES_PER_MINUTE = 600;
/**
 * Reads per token subject per minute: a page view costs a handful, a tool polling a caseload a few
 * a second; a loop or a scraper replaying whole journeys is stopped.
 */
export const DEFAULT_RATE_LIMIT_READS_PER_MINUTE = 3000;
/** The longest token lifetime (exp - iat) accepted: a working day and then some. */
export const DEFAULT_MAX_TOKEN_LIFETIME_SECONDS = 12 * 3600;

export interface AppConfigValues {
  port: number;
  eventStore: EventStoreKind;
  sqliteFile: string;
  kurrentdbConnectionString?: string;
  /** EVENT_STORE=postgres: the engine's connection, the schema owner's (migrations), and the schema. */
  postgresUrl?: string;
  postgresMigrationUrl?: string;
  postgresSchema?: string;
  /** The HS256 secret; absent only when tokens are verified through a JWKS URL. */
  authSecret?: string;
  authSecretSource: AuthSecretSource;
  nodeEnv: NodeEnv;
  /** Production identity: the identity provider's key set (RS256/ES256). When set, HS256 is refused. */
  authJwksUrl?: string;
  /** `iss` and `aud` a token must carry; the engine's own names unless AUTH_JWKS_URL is used. */
  authIssuer?: string;
  authAudience?: string;
  authClockSkewSeconds?: number;
  /** Claim names for the role and the organisation, as the identity provider spells them. */
  authRoleClaim?: string;
  authOrgClaim?: string;
  rateLimitWritesPerMinute?: number;
  rateLimitReadsPerMinute?: number;
  /** AUTH_MAX_TOKEN_LIFETIME in seconds. */
  authMaxTokenLifetimeSeconds?: number;
  /** ACCESS_LOG_RESET_ACKNOWLEDGED: start with a new access log although the store holds journeys (recorded as a gap). */
  accessLogResetAcknowledged?: boolean;
  /** Browser origins allowed by CORS; empty (the default) means CORS stays closed. */
  corsOrigins?: readonly string[];
  /** The support-planning version new journeys start on (WORKFLOW_VERSION); the latest by default. */
  workflowVersion?: number;
  /** Logs, metrics and traces (LOG_*, METRICS_*, OTEL_*). */
  observability?: ObservabilityConfig;
  /** The pages' sign-in: an OpenID Connect provider (authorization code with PKCE), when set. */
  oidc?: OidcSettings;
  /** Signs the pages' session cookie; derived from AUTH_SECRET when not set. */
  sessionSecret?: string;
  /** Where people reach this service (the OIDC redirect URI is built from it); `http://localhost:<PORT>` by default. */
  publicUrl?: string;
}

/** OIDC_ISSUER_URL, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET: the council's or NHS body's identity provider. */
export interface OidcSettings {
  issuerUrl: string;
  clientId: string;
  clientSecret: string;
}

/**
 * The validated configuration. A class rather than an interface so that Nest can use it as the
 * injection token (`constructor(private readonly config: AppConfig)`).
 */
export class AppConfig implements AppConfigValues {
  readonly port: number;
  readonly eventStore: EventStoreKind;
  readonly sqliteFile: string;
  readonly kurrentdbConnectionString?: string;
  readonly postgresUrl?: string;
  readonly postgresMigrationUrl?: string;
  readonly postgresSchema?: string;
  readonly authSecret?: string;
  readonly authSecretSource: AuthSecretSource;
  readonly nodeEnv: NodeEnv;
  readonly authJwksUrl?: string;
  readonly authIssuer: string;
  readonly authAudience: string;
  readonly authClockSkewSeconds: number;
  readonly authRoleClaim: string;
  readonly authOrgClaim: string;
  readonly rateLimitWritesPerMinute: number;
  readonly rateLimitReadsPerMinute: number;
  readonly authMaxTokenLifetimeSeconds: number;
  readonly accessLogResetAcknowledged: boolean;
  readonly corsOrigins: readonly string[];
  readonly workflowVersion?: number;
  readonly observability: ObservabilityConfig;
  readonly oidc?: OidcSettings;
  readonly sessionSecret: string;
  readonly publicUrl: string;

  /** Values left out take the defaults above, so a test can build a config from the few it needs. */
  constructor(values: AppConfigValues) {
    this.port = values.port;
    this.eventStore = values.eventStore;
    this.sqliteFile = values.sqliteFile;
    this.kurrentdbConnectionString = values.kurrentdbConnectionString;
    this.postgresUrl = values.postgresUrl;
    this.postgresMigrationUrl = values.postgresMigrationUrl;
    this.postgresSchema = values.postgresSchema;
    this.authSecret = values.authSecret;
    this.authSecretSource = values.authSecretSource;
    this.nodeEnv = values.nodeEnv;
    this.authJwksUrl = values.authJwksUrl;
    this.authIssuer = values.authIssuer ?? DEFAULT_TOKEN_ISSUER;
    this.authAudience = values.authAudience ?? DEFAULT_TOKEN_AUDIENCE;
    this.authClockSkewSeconds = values.authClockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS;
    this.authRoleClaim = values.authRoleClaim ?? DEFAULT_ROLE_CLAIM;
    this.authOrgClaim = values.authOrgClaim ?? DEFAULT_ORG_CLAIM;
    this.rateLimitWritesPerMinute = values.rateLimitWritesPerMinute ?? DEFAULT_RATE_LIMIT_WRITES_PER_MINUTE;
    this.rateLimitReadsPerMinute = values.rateLimitReadsPerMinute ?? DEFAULT_RATE_LIMIT_READS_PER_MINUTE;
    this.authMaxTokenLifetimeSeconds = values.authMaxTokenLifetimeSeconds ?? DEFAULT_MAX_TOKEN_LIFETIME_SECONDS;
    this.accessLogResetAcknowledged = values.accessLogResetAcknowledged ?? false;
    this.corsOrigins = Object.freeze([...(values.corsOrigins ?? [])]);
    this.workflowVersion = values.workflowVersion;
    this.observability = Object.freeze(values.observability ?? defaultObservability(values.nodeEnv));
    this.oidc = values.oidc === undefined ? undefined : Object.freeze({ ...values.oidc });
    this.sessionSecret = values.sessionSecret ?? developmentSessionSecret(values.authSecret);
    this.publicUrl = (values.publicUrl ?? `http://localhost:${values.port}`).replace(/\/+$/, '');
    Object.freeze(this);
  }

  get isProduction(): boolean {
    return this.nodeEnv === 'production';
  }

  /** The pages' sign-in page that picks a role and subject: never in production. */
  get devSignIn(): boolean {
    return !this.isProduction;
  }

  /** Secrets never reach a log line or an error body through JSON.stringify. */
  toJSON(): Record<string, unknown> {
    return {
      port: this.port,
      eventStore: this.eventStore,
      sqliteFile: this.sqliteFile,
      kurrentdbConnectionString: this.kurrentdbConnectionString === undefined ? undefined : '[redacted]',
      postgresUrl: this.postgresUrl === undefined ? undefined : '[redacted]',
      postgresMigrationUrl: this.postgresMigrationUrl === undefined ? undefined : '[redacted]',
      postgresSchema: this.postgresSchema,
      authSecret: this.authSecret === undefined ? undefined : '[redacted]',
      authSecretSource: this.authSecretSource,
      nodeEnv: this.nodeEnv,
      authJwksUrl: this.authJwksUrl,
      authIssuer: this.authIssuer,
      authAudience: this.authAudience,
      authClockSkewSeconds: this.authClockSkewSeconds,
      authRoleClaim: this.authRoleClaim,
      authOrgClaim: this.authOrgClaim,
      rateLimitWritesPerMinute: this.rateLimitWritesPerMinute,
      rateLimitReadsPerMinute: this.rateLimitReadsPerMinute,
      authMaxTokenLifetimeSeconds: this.authMaxTokenLifetimeSeconds,
      accessLogResetAcknowledged: this.accessLogResetAcknowledged,
      corsOrigins: this.corsOrigins,
      workflowVersion: this.workflowVersion,
      observability: { ...this.observability, metricsToken: this.observability.metricsToken === undefined ? undefined : '[redacted]' },
      oidc:
        this.oidc === undefined ? undefined : { issuerUrl: this.oidc.issuerUrl, clientId: this.oidc.clientId, clientSecret: '[redacted]' },
      sessionSecret: '[redacted]',
      publicUrl: this.publicUrl,
    };
  }
}

/**
 * The session secret may be left unset: it is then derived from the token secret (a one-way
 * HMAC, so the cookie key reveals nothing of the token key, and sessions survive a restart as
 * tokens do), or random for this process when there is none.
 */
function developmentSessionSecret(authSecret: string | undefined): string {
  const key = authSecret ?? randomBytes(32).toString('base64url');
  return createHmac('sha256', key).update('pages-session-cookie').digest('base64url');
}
