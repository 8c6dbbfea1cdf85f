import { randomBytes } from 'node:crypto';
import { SUPPORT_PLANNING, WorkflowRegistry } from '../../workflows';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  AppConfig,
  AuthSecretSource,
  OidcSettings,
  DEFAULT_CLOCK_SKEW_SECONDS,
  DEFAULT_MAX_TOKEN_LIFETIME_SECONDS,
  DEFAULT_ORG_CLAIM,
  DEFAULT_RATE_LIMIT_READS_PER_MINUTE,
  DEFAULT_RATE_LIMIT_WRITES_PER_MINUTE,
  DEFAULT_ROLE_CLAIM,
  EVENT_STORE_KINDS,
  EventStoreKind,
  NODE_ENVS,
  NodeEnv,
} from './app-config';
import { parseWholeNumber, shown, value, type ConfigIssue, type Env } from './env-values';
import { ObservabilityConfig, parseObservabilityEnv } from './observability-config';

export type { ConfigIssue, Env } from './env-values';
import { parsePostgres, PostgresSettings } from './postgres-config';

export const DEFAULT_PORT = 3000;
export const DEFAULT_SQLITE_FILE = './data/events.db';
export const MIN_AUTH_SECRET_LENGTH = 32;
/**
 * A production secret must draw on at least this many distinct characters: 32 x "a" is 32
 * characters long and guessable at once. A random base64url secret of 32 characters has about 25.
 */
export const MIN_AUTH_SECRET_DISTINCT_CHARACTERS = 12;
/** AUTH_MAX_TOKEN_LIFETIME bounds: at least a minute, at most a week. */
const TOKEN_LIFETIME_RANGE = { min: 60, max: 7 * 86400 };
const SPAN_UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86400 };
/** File name of the development secret, kept in the directory of SQLITE_FILE. */
export const AUTH_SECRET_FILE_NAME = 'auth-secret';

const KURRENTDB_SCHEMES = ['kurrentdb://', 'kurrentdb+discover://', 'esdb://', 'esdb+discover://'];
/** More than five minutes of skew is a broken clock, not drift; accepting it would stretch every token. */
export const MAX_CLOCK_SKEW_SECONDS = 300;
/** Hosts a JWKS may be fetched from over plain http (tests, a sidecar); never in production. */
const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]'];

/** Thrown by loadConfig; its message lists every bad variable so one restart fixes them all. */
export class ConfigError extends Error {
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(['Invalid configuration:', ...issues.map((i) => `  - ${i.variable} ${i.rule}`)].join('\n'));
    this.name = 'ConfigError';
  }
}

/** The environment after validation; the secret may still be missing (resolved by loadConfig). */
export interface ParsedEnv {
  port: number;
  eventStore: EventStoreKind;
  sqliteFile: string;
  kurrentdbConnectionString?: string;
  postgres: PostgresSettings;
  authSecret?: string;
  nodeEnv: NodeEnv;
  authJwksUrl?: string;
  authIssuer?: string;
  authAudience?: string;
  authClockSkewSeconds: number;
  authRoleClaim: string;
  authOrgClaim: string;
  rateLimitWritesPerMinute: number;
  rateLimitReadsPerMinute: number;
  authMaxTokenLifetimeSeconds: number;
  accessLogResetAcknowledged: boolean;
  corsOrigins: string[];
  workflowVersion: number;
  observability: ObservabilityConfig;
  oidc?: OidcSettings;
  sessionSecret?: string;
  publicUrl?: string;
}

/**
 * Reads the configuration from `env` (pass `process.env`). Pure apart from one thing: when
 * AUTH_SECRET is unset outside production, a random secret is generated once and kept in
 * `<dir of SQLITE_FILE>/auth-secret` (mode 0600), so that `npm start` and `npm run token`
 * agree out of the box and tokens survive a restart.
 */
export function loadConfig(env: Env): AppConfig {
  const parsed = parseEnv(env);
  const { secret, source } = resolveAuthSecret(parsed);
  return new AppConfig({
    port: parsed.port,
    eventStore: parsed.eventStore,
    sqliteFile: parsed.sqliteFile,
    kurrentdbConnectionString: parsed.kurrentdbConnectionString,
    ...parsed.postgres,
    authSecret: secret,
    authSecretSource: source,
    nodeEnv: parsed.nodeEnv,
    authJwksUrl: parsed.authJwksUrl,
    authIssuer: parsed.authIssuer,
    authAudience: parsed.authAudience,
    authClockSkewSeconds: parsed.authClockSkewSeconds,
    authRoleClaim: parsed.authRoleClaim,
    authOrgClaim: parsed.authOrgClaim,
    rateLimitWritesPerMinute: parsed.rateLimitWritesPerMinute,
    rateLimitReadsPerMinute: parsed.rateLimitReadsPerMinute,
    authMaxTokenLifetimeSeconds: parsed.authMaxTokenLifetimeSeconds,
    accessLogResetAcknowledged: parsed.accessLogResetAcknowledged,
    corsOrigins: parsed.corsOrigins,
    workflowVersion: parsed.workflowVersion,
    observability: parsed.observability,
    oidc: parsed.oidc,
    sessionSecret: parsed.sessionSecret,
    publicUrl: parsed.publicUrl,
  });
}

/** Validates every variable without touching the disk; throws one ConfigError naming them all. */
export function parseEnv(env: Env): ParsedEnv {
  const issues: ConfigIssue[] = [];
  const nodeEnv = parseNodeEnv(value(env, 'NODE_ENV'), issues);
  const port = parsePort(value(env, 'PORT'), issues);
  const eventStore = parseEventStore(value(env, 'EVENT_STORE'), issues);
  const sqliteFile = value(env, 'SQLITE_FILE') ?? DEFAULT_SQLITE_FILE;
  const kurrentdbConnectionString = parseKurrentdb(
    value(env, 'KURRENTDB_CONNECTION_STRING'),
    eventStore,
    issues,
  );
  const postgres = parsePostgres((name) => value(env, name), eventStore, issues);
  const authJwksUrl = parseJwksUrl(value(env, 'AUTH_JWKS_URL'), nodeEnv, issues);
  const authSecret = parseAuthSecret(env['AUTH_SECRET'], nodeEnv, authJwksUrl !== undefined, issues);
  const authIssuer = parseIdentityProviderName('AUTH_ISSUER', value(env, 'AUTH_ISSUER'), authJwksUrl, issues);
  const authAudience = parseIdentityProviderName('AUTH_AUDIENCE', value(env, 'AUTH_AUDIENCE'), authJwksUrl, issues);
  const authClockSkewSeconds = parseWholeNumber(
    'AUTH_CLOCK_SKEW_SECONDS',
    value(env, 'AUTH_CLOCK_SKEW_SECONDS'),
    { min: 0, max: MAX_CLOCK_SKEW_SECONDS, fallback: DEFAULT_CLOCK_SKEW_SECONDS },
    issues,
  );
  const authRoleClaim = parseClaimName('AUTH_ROLE_CLAIM', value(env, 'AUTH_ROLE_CLAIM'), DEFAULT_ROLE_CLAIM, issues);
  const authOrgClaim = parseClaimName('AUTH_ORG_CLAIM', value(env, 'AUTH_ORG_CLAIM'), DEFAULT_ORG_CLAIM, issues);
  const rateLimitWritesPerMinute = parseWholeNumber(
    'RATE_LIMIT_WRITES_PER_MINUTE',
    value(env, 'RATE_LIMIT_WRITES_PER_MINUTE'),
    { min: 1, max: 1_000_000, fallback: DEFAULT_RATE_LIMIT_WRITES_PER_MINUTE },
    issues,
  );
  const rateLimitReadsPerMinute = parseWholeNumber(
    'RATE_LIMIT_READS_PER_MINUTE',
    value(env, 'RATE_LIMIT_READS_PER_MINUTE'),
    { min: 1, max: 1_000_000, fallback: DEFAULT_RATE_LIMIT_READS_PER_MINUTE },
    issues,
  );
  const authMaxTokenLifetimeSeconds = parseSpan('AUTH_MAX_TOKEN_LIFETIME', value(env, 'AUTH_MAX_TOKEN_LIFETIME'), issues);
  const accessLogResetAcknowledged = parseFlag('ACCESS_LOG_RESET_ACKNOWLEDGED', value(env, 'ACCESS_LOG_RESET_ACKNOWLEDGED'), issues);
  const corsOrigins = parseCorsOrigins(value(env, 'CORS_ORIGINS'), issues);
  const workflowVersion = parseWorkflowVersion(value(env, 'WORKFLOW_VERSION'), issues);
  const observability = parseObservabilityEnv(env, { nodeEnv, port }, issues);
  const oidc = parseOidc(env, nodeEnv, issues);
  const sessionSecret = parseSessionSecret(env['SESSION_SECRET'], issues);
  const publicUrl = parsePublicUrl(value(env, 'PUBLIC_URL'), issues);
  if (issues.length > 0) throw new ConfigError(issues);
  return {
    port,
    eventStore,
    sqliteFile,
    kurrentdbConnectionString,
    postgres,
    authSecret,
    nodeEnv,
    authJwksUrl,
    authIssuer,
    authAudience,
    authClockSkewSeconds,
    authRoleClaim,
    authOrgClaim,
    rateLimitWritesPerMinute,
    rateLimitReadsPerMinute,
    authMaxTokenLifetimeSeconds,
    accessLogResetAcknowledged,
    corsOrigins,
    workflowVersion,
    observability,
    oidc,
    sessionSecret,
    publicUrl,
  };
}

/** The support-planning version new journeys start on: a registered one, the latest by default. */
function parseWorkflowVersion(raw: string | undefined, issues: ConfigIssue[]): number {
  const versions = new WorkflowRegistry().list().filter((definition) => definition.id === SUPPORT_PLANNING).map((definition) => definition.version);
  const latest = Math.max(...versions);
  if (raw === undefined) return latest;
  if (/^\d+$/.test(raw) && versions.includes(Number(raw))) return Number(raw);
  issues.push({ variable: 'WORKFLOW_VERSION', rule: `must be a registered version of ${SUPPORT_PLANNING}: ${versions.join(', ')} (got ${shown(raw)})` });
  return latest;
}

/** Path of the development secret file for a given database file. */
export function authSecretFilePath(sqliteFile: string): string {
  return join(dirname(sqliteFile), AUTH_SECRET_FILE_NAME);
}

function parseNodeEnv(raw: string | undefined, issues: ConfigIssue[]): NodeEnv {
  if (raw === undefined) return 'development';
  if (isOneOf(NODE_ENVS, raw)) return raw;
  issues.push({ variable: 'NODE_ENV', rule: `must be one of ${NODE_ENVS.join(', ')} (got ${shown(raw)})` });
  return 'development';
}

function parsePort(raw: string | undefined, issues: ConfigIssue[]): number {
  if (raw === undefined) return DEFAULT_PORT;
  const port = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (Number.isInteger(port) && port >= 1 && port <= 65535) return port;
  issues.push({ variable: 'PORT', rule: `must be a whole number from 1 to 65535 (got ${shown(raw)})` });
  return DEFAULT_PORT;
}

function parseEventStore(raw: string | undefined, issues: ConfigIssue[]): EventStoreKind {
  if (raw === undefined) return 'sqlite';
  if (isOneOf(EVENT_STORE_KINDS, raw)) return raw;
  issues.push({
    variable: 'EVENT_STORE',
    rule: `must be one of ${EVENT_STORE_KINDS.join(', ')} (got ${shown(raw)})`,
  });
  return 'sqlite';
}

/** The connection string may carry credentials, so it is never quoted back. */
function parseKurrentdb(
  raw: string | undefined,
  eventStore: EventStoreKind,
  issues: ConfigIssue[],
): string | undefined {
  if (raw === undefined) {
    if (eventStore === 'kurrentdb') {
      issues.push({ variable: 'KURRENTDB_CONNECTION_STRING', rule: 'is required when EVENT_STORE=kurrentdb' });
    }
    return undefined;
  }
  if (!KURRENTDB_SCHEMES.some((scheme) => raw.startsWith(scheme))) {
    issues.push({
      variable: 'KURRENTDB_CONNECTION_STRING',
      rule: `must start with one of ${KURRENTDB_SCHEMES.join(', ')}`,
    });
  }
  return raw;
}

/**
 * The secret is never quoted back, and is taken as given (not trimmed). Production needs it only
 * when tokens are not verified through a JWKS URL.
 */
function parseAuthSecret(
  raw: string | undefined,
  nodeEnv: NodeEnv,
  usesJwks: boolean,
  issues: ConfigIssue[],
): string | undefined {
  if (raw === undefined || raw === '') {
    if (nodeEnv === 'production' && !usesJwks) {
      issues.push({
        variable: 'AUTH_SECRET',
        rule:
          `is required when NODE_ENV=production (at least ${MIN_AUTH_SECRET_LENGTH} characters; ` +
          `make one with: node -e "console.log(require('crypto').randomBytes(32).toString('base64url'))")`,
      });
    }
    return undefined;
  }
  if (raw.length < MIN_AUTH_SECRET_LENGTH) {
    issues.push({
      variable: 'AUTH_SECRET',
      rule: `must be at least ${MIN_AUTH_SECRET_LENGTH} characters long (got ${raw.length})`,
    });
  } else if (nodeEnv === 'production' && distinctCharacters(raw) < MIN_AUTH_SECRET_DISTINCT_CHARACTERS) {
    // Only the count is told, never the secret or its characters.
    issues.push({
      variable: 'AUTH_SECRET',
      rule:
        `must be random: at least ${MIN_AUTH_SECRET_DISTINCT_CHARACTERS} different characters when NODE_ENV=production ` +
        `(got ${distinctCharacters(raw)}; make one with: node -e "console.log(require('crypto').randomBytes(32).toString('base64url'))")`,
    });
  }
  return raw;
}

function distinctCharacters(text: string): number {
  return new Set(text).size;
}

/** Seconds in a span such as `90s`, `15m`, `12h`, `1d`, or a bare number of seconds; undefined if it is not one. */
export function spanSeconds(raw: string): number | undefined {
  const match = /^(\d{1,9}) *([smhd]?)$/.exec(raw.trim());
  if (!match) return undefined;
  return Number(match[1]) * SPAN_UNITS[match[2] || 's'];
}

function parseSpan(variable: string, raw: string | undefined, issues: ConfigIssue[]): number {
  if (raw === undefined) return DEFAULT_MAX_TOKEN_LIFETIME_SECONDS;
  const seconds = spanSeconds(raw);
  if (seconds !== undefined && seconds >= TOKEN_LIFETIME_RANGE.min && seconds <= TOKEN_LIFETIME_RANGE.max) return seconds;
  issues.push({ variable, rule: `must be a span from 1m to 7d such as 90m, 12h or 3600 (seconds) (got ${shown(raw)})` });
  return DEFAULT_MAX_TOKEN_LIFETIME_SECONDS;
}

/** `true` or `false`, nothing else: an acknowledgement must be meant, not a typo read as yes. */
function parseFlag(variable: string, raw: string | undefined, issues: ConfigIssue[]): boolean {
  if (raw === undefined || raw === 'false') return false;
  if (raw === 'true') return true;
  issues.push({ variable, rule: `must be true or false (got ${shown(raw)})` });
  return false;
}

/**
 * The identity provider's key set. https, so that nobody on the path can swap the keys; plain
 * http only to this machine (a test server, a local sidecar) and never in production.
 */
function parseJwksUrl(raw: string | undefined, nodeEnv: NodeEnv, issues: ConfigIssue[]): string | undefined {
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    issues.push({ variable: 'AUTH_JWKS_URL', rule: `must be a URL (got ${shown(raw)})` });
    // Still "set", so that the variables that go with it are judged as such.
    return raw;
  }
  const loopbackHttp = url.protocol === 'http:' && LOOPBACK_HOSTS.includes(url.hostname) && nodeEnv !== 'production';
  if (url.protocol !== 'https:' && !loopbackHttp) {
    issues.push({
      variable: 'AUTH_JWKS_URL',
      rule: `must be an https:// URL (http:// only to localhost outside production) (got ${shown(raw)})`,
    });
  }
  return raw;
}

/**
 * AUTH_ISSUER and AUTH_AUDIENCE name the identity provider and this service as it knows it. Both
 * are required with a JWKS (accepting any issuer would accept any tenant of a shared provider),
 * and refused without one: the engine's own tokens always use its own names, so a value set there
 * would be silently ignored.
 */
function parseIdentityProviderName(
  variable: string,
  raw: string | undefined,
  jwksUrl: string | undefined,
  issues: ConfigIssue[],
): string | undefined {
  if (jwksUrl === undefined) {
    if (raw !== undefined) issues.push({ variable, rule: 'is only used with AUTH_JWKS_URL; set both or neither' });
    return undefined;
  }
  if (raw === undefined) issues.push({ variable, rule: 'is required when AUTH_JWKS_URL is set' });
  return raw;
}

/** A claim name as the identity provider spells it; may be a URI (`https://council.example/role`). */
function parseClaimName(variable: string, raw: string | undefined, fallback: string, issues: ConfigIssue[]): string {
  if (raw === undefined) return fallback;
  if (/^\S{1,200}$/.test(raw)) return raw;
  issues.push({ variable, rule: `must be a claim name without spaces, at most 200 characters (got ${shown(raw)})` });
  return fallback;
}

/**
 * Comma-separated browser origins (`https://planner.council.example`). No wildcard: these
 * answers carry health records, so every origin allowed is named.
 */
function parseCorsOrigins(raw: string | undefined, issues: ConfigIssue[]): string[] {
  if (raw === undefined) return [];
  const origins = raw.split(',').map((origin) => origin.trim()).filter((origin) => origin !== '');
  for (const origin of origins) {
    if (!isOrigin(origin)) {
      issues.push({
        variable: 'CORS_ORIGINS',
        rule: `must list origins such as https://planner.example, without paths or wildcards (got ${shown(origin)})`,
      });
    }
  }
  return origins;
}

function isOrigin(candidate: string): boolean {
  try {
    const url = new URL(candidate);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === candidate;
  } catch {
    return false;
  }
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
  return new ConfigError([
    { variable: 'AUTH_SECRET', rule: `is not set and the secret file ${path} ${problem}, or set AUTH_SECRET` },
  ]);
}

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
}

function isOneOf<T extends string>(allowed: readonly T[], raw: string): raw is T {
  return (allowed as readonly string[]).includes(raw);
}

/**
 * The pages' identity provider: all three variables or none. The issuer is https (its discovery
 * document names the keys tokens are checked with); plain http only to this machine outside
 * production, as for AUTH_JWKS_URL. The client secret is never quoted back.
 */
function parseOidc(env: Env, nodeEnv: NodeEnv, issues: ConfigIssue[]): OidcSettings | undefined {
  const issuerUrl = value(env, 'OIDC_ISSUER_URL');
  const clientId = value(env, 'OIDC_CLIENT_ID');
  const clientSecret = value(env, 'OIDC_CLIENT_SECRET');
  if (issuerUrl === undefined && clientId === undefined && clientSecret === undefined) return undefined;
  const given = { OIDC_ISSUER_URL: issuerUrl, OIDC_CLIENT_ID: clientId, OIDC_CLIENT_SECRET: clientSecret };
  for (const [variable, raw] of Object.entries(given)) {
    if (raw === undefined) issues.push({ variable, rule: 'is required when any of OIDC_ISSUER_URL, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET is set' });
  }
  if (issuerUrl !== undefined && !isSecureOrLoopbackUrl(issuerUrl, nodeEnv)) {
    issues.push({ variable: 'OIDC_ISSUER_URL', rule: `must be an https:// URL (http:// only to localhost outside production) (got ${shown(issuerUrl)})` });
  }
  if (issuerUrl === undefined || clientId === undefined || clientSecret === undefined) return undefined;
  return { issuerUrl, clientId, clientSecret };
}

function isSecureOrLoopbackUrl(raw: string, nodeEnv: NodeEnv): boolean {
  try {
    const url = new URL(raw);
    return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.includes(url.hostname) && nodeEnv !== 'production');
  } catch {
    return false;
  }
}

/**
 * Signs the pages' session cookie. Optional: without it the key is derived from AUTH_SECRET (or
 * is random for this process when there is none, as with AUTH_JWKS_URL: sessions then end at a
 * restart and are not shared between instances, which docs/pages.md tells deployments to avoid).
 */
function parseSessionSecret(raw: string | undefined, issues: ConfigIssue[]): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (raw.length < MIN_AUTH_SECRET_LENGTH) {
    issues.push({ variable: 'SESSION_SECRET', rule: `must be at least ${MIN_AUTH_SECRET_LENGTH} characters long (got ${raw.length})` });
  }
  return raw;
}

/** The service's own address as people's browsers reach it, e.g. https://care.council.example. */
function parsePublicUrl(raw: string | undefined, issues: ConfigIssue[]): string | undefined {
  if (raw === undefined) return undefined;
  try {
    const url = new URL(raw);
    if (url.protocol === 'https:' || url.protocol === 'http:') return raw;
  } catch {
    // reported below
  }
  issues.push({ variable: 'PUBLIC_URL', rule: `must be an http:// or https:// URL (got ${shown(raw)})` });
  return undefined;
}
