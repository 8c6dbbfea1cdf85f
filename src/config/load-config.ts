/**
 * Reads the configuration once at start-up: the environment through the validated class
 * (environment-variables.ts; plainToInstance + validateSync, as Nest's configuration docs show),
 * then the HS256 secret, then the AppConfig the rest of the app is given.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AppConfig, type AppConfigValues, type AuthSecretSource, type OidcSettings } from './app-config';
import { readEnvironment, type ConfigIssue, type Env } from './env-rules';
import { EnvironmentVariables } from './environment-variables';
import { MIN_AUTH_SECRET_LENGTH } from './variable-rules';
import { defaultObservability, type ObservabilityConfig } from './observability-config';

export type { ConfigIssue, Env } from './env-rules';
export { DEFAULT_PORT, DEFAULT_SQLITE_FILE, EnvironmentVariables } from './environment-variables';
export { MAX_CLOCK_SKEW_SECONDS, MIN_AUTH_SECRET_DISTINCT_CHARACTERS, MIN_AUTH_SECRET_LENGTH, spanSeconds } from './variable-rules';

/** File name of the development secret, kept in the directory of SQLITE_FILE. */
export const AUTH_SECRET_FILE_NAME = 'auth-secret';

/** Thrown by loadConfig; its message lists every bad variable so one restart fixes them all. */
export class ConfigError extends Error {
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(['Invalid configuration:', ...issues.map((i) => `  - ${i.variable} ${i.rule}`)].join('\n'));
    this.name = 'ConfigError';
  }
}

/** The configuration as the environment gives it: the secret may still be missing (resolved by loadConfig). */
export type ParsedEnv = Omit<AppConfigValues, 'authSecretSource' | 'observability'> & { observability: ObservabilityConfig };

/**
 * Reads the configuration from `env` (pass `process.env`). Pure apart from one thing: when
 * AUTH_SECRET is unset outside production, a random secret is generated once and kept in
 * `<dir of SQLITE_FILE>/auth-secret` (mode 0600), so that `npm start` and `npm run token`
 * agree out of the box and tokens survive a restart.
 */
export function loadConfig(env: Env): AppConfig {
  const parsed = parseEnv(env);
  const { secret, source } = resolveAuthSecret(parsed);
  return new AppConfig({ ...parsed, authSecret: secret, authSecretSource: source });
}

/** Validates every variable without touching the disk; throws one ConfigError naming them all. */
export function validateEnv(env: Env): EnvironmentVariables {
  const { variables, issues } = readEnvironment(EnvironmentVariables, env);
  if (issues.length > 0) throw new ConfigError(issues);
  return variables;
}

/** validateEnv, named as AppConfig names things. */
export function parseEnv(env: Env): ParsedEnv {
  const variables = validateEnv(env);
  return {
    port: variables.PORT,
    eventStore: variables.EVENT_STORE,
    sqliteFile: variables.SQLITE_FILE,
    kurrentdbConnectionString: variables.KURRENTDB_CONNECTION_STRING,
    postgresUrl: variables.POSTGRES_URL,
    postgresMigrationUrl: variables.POSTGRES_MIGRATION_URL,
    postgresSchema: variables.POSTGRES_SCHEMA,
    authSecret: variables.AUTH_SECRET,
    nodeEnv: variables.NODE_ENV,
    authJwksUrl: variables.AUTH_JWKS_URL,
    authIssuer: variables.AUTH_ISSUER,
    authAudience: variables.AUTH_AUDIENCE,
    authClockSkewSeconds: variables.AUTH_CLOCK_SKEW_SECONDS,
    authRoleClaim: variables.AUTH_ROLE_CLAIM,
    authOrgClaim: variables.AUTH_ORG_CLAIM,
    rateLimitWritesPerMinute: variables.RATE_LIMIT_WRITES_PER_MINUTE,
    rateLimitReadsPerMinute: variables.RATE_LIMIT_READS_PER_MINUTE,
    authMaxTokenLifetimeSeconds: variables.AUTH_MAX_TOKEN_LIFETIME,
    accessLogResetAcknowledged: variables.ACCESS_LOG_RESET_ACKNOWLEDGED,
    corsOrigins: variables.CORS_ORIGINS,
    workflowVersion: variables.WORKFLOW_VERSION,
    observability: {
      logLevel: variables.LOG_LEVEL,
      logFormat: variables.LOG_FORMAT ?? defaultObservability(variables.NODE_ENV).logFormat,
      metricsToken: variables.METRICS_TOKEN,
      metricsPort: variables.METRICS_PORT,
      otlpEndpoint: variables.OTEL_EXPORTER_OTLP_ENDPOINT,
      serviceName: variables.OTEL_SERVICE_NAME,
    },
    oidc: oidcSettings(variables),
    sessionSecret: variables.SESSION_SECRET,
    publicUrl: variables.PUBLIC_URL,
  };
}

/** All three OIDC variables or none (the class refuses some). */
function oidcSettings(variables: EnvironmentVariables): OidcSettings | undefined {
  const { OIDC_ISSUER_URL: issuerUrl, OIDC_CLIENT_ID: clientId, OIDC_CLIENT_SECRET: clientSecret } = variables;
  if (issuerUrl === undefined || clientId === undefined || clientSecret === undefined) return undefined;
  return { issuerUrl, clientId, clientSecret };
}

/** Path of the development secret file for a given database file. */
export function authSecretFilePath(sqliteFile: string): string {
  return join(dirname(sqliteFile), AUTH_SECRET_FILE_NAME);
}

function resolveAuthSecret(parsed: ParsedEnv): { secret?: string; source: AuthSecretSource } {
  if (parsed.authSecret !== undefined) return { secret: parsed.authSecret, source: 'env' };
  // With a JWKS the secret is not used: generating one would only leave a file to steal.
  if (parsed.authJwksUrl !== undefined) return { source: 'none' };
  // parseEnv has already refused a missing secret in production.
  return keepDevelopmentSecret(authSecretFilePath(parsed.sqliteFile));
}

/**
 * Creates the secret file exclusively ('wx'), so two processes starting together (the service
 * and `npm run token`) cannot each write a different secret: the loser reads the winner's.
 */
function keepDevelopmentSecret(path: string): { secret: string; source: AuthSecretSource } {
  const generated = randomBytes(32).toString('base64url');
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileSync(path, `${generated}\n`, { mode: 0o600, flag: 'wx' });
    return { secret: generated, source: 'generated' };
  } catch (error) {
    if (errorCode(error) !== 'EEXIST') {
      throw secretFileError(path, `could not be written (${errorCode(error) ?? 'error'})`);
    }
  }
  return { secret: readDevelopmentSecret(path), source: 'file' };
}

function readDevelopmentSecret(path: string): string {
  let secret: string;
  try {
    secret = readFileSync(path, 'utf8').trim();
  } catch (error) {
    throw secretFileError(path, `could not be read (${errorCode(error) ?? 'error'})`);
  }
  if (secret.length < MIN_AUTH_SECRET_LENGTH) {
    const problem = `does not hold a secret of at least ${MIN_AUTH_SECRET_LENGTH} characters`;
    throw secretFileError(path, `${problem}; delete it to generate a new one`);
  }
  return secret;
}

function secretFileError(path: string, problem: string): ConfigError {
  return new ConfigError([{ variable: 'AUTH_SECRET', rule: `is not set and the secret file ${path} ${problem}, or set AUTH_SECRET` }]);
}

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
}
