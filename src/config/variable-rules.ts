/**
 * The rules particular to this service's variables (the generic ones are in env-rules.ts): what a
 * secret, a span, an origin list or a workflow version must be, and the rules that look across
 * variables (AUTH_JWKS_URL with AUTH_ISSUER, the three OIDC variables, METRICS_PORT and PORT).
 */
import { applyDecorators } from '@nestjs/common';
import { SUPPORT_PLANNING, WorkflowRegistry } from '../../workflows';
import { IsWholeNumber, Matches, OnlyWhen, RequiredWhen, isWebUrl, parsedUrl, rule, shown } from './env-rules';
import type { EventStoreKind } from './app-config';
import type { EnvironmentVariables } from './environment-variables';

export const MIN_AUTH_SECRET_LENGTH = 32;
/**
 * A production secret must draw on at least this many distinct characters: 32 x "a" is 32
 * characters long and guessable at once. A random base64url secret of 32 characters has about 25.
 */
export const MIN_AUTH_SECRET_DISTINCT_CHARACTERS = 12;
/** More than five minutes of skew is a broken clock, not drift; accepting it would stretch every token. */
export const MAX_CLOCK_SKEW_SECONDS = 300;
const MAX_RATE_LIMIT_PER_MINUTE = 1_000_000;
/** AUTH_MAX_TOKEN_LIFETIME bounds: at least a minute, at most a week. */
const TOKEN_LIFETIME_RANGE = { min: 60, max: 7 * 86400 };
const SPAN_UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86400 };
export const KURRENTDB_SCHEMES = ['kurrentdb://', 'kurrentdb+discover://', 'esdb://', 'esdb+discover://'];
export const POSTGRES_SCHEMES = ['postgres://', 'postgresql://'];
const OIDC_VARIABLES = ['OIDC_ISSUER_URL', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET'] as const;
const MAKE_A_SECRET = `make one with: node -e "console.log(require('crypto').randomBytes(32).toString('base64url'))"`;

/** Seconds in a span such as `90s`, `15m`, `12h`, `1d`, or a bare number of seconds; undefined if it is not one. */
export function spanSeconds(raw: string): number | undefined {
  const match = /^(\d{1,9}) *([smhd]?)$/.exec(raw.trim());
  if (!match) return undefined;
  return Number(match[1]) * SPAN_UNITS[match[2] || 's'];
}

/** `true` or `false`, nothing else: an acknowledgement must be meant, not a typo read as yes. */
export function flag(raw: string): boolean | string {
  return raw === 'true' ? true : raw === 'false' ? false : raw;
}

export function commaSeparated(raw: string): string[] {
  return raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** Hosts a key set or an issuer may be fetched from over plain http (tests, a sidecar); never in production. */
const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]'];

/** https, or http to this machine when `production` is false. */
function isSecureOrLoopbackUrl(raw: string, production: boolean): boolean {
  const url = parsedUrl(raw);
  if (url === undefined) return false;
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.includes(url.hostname) && !production);
}

/** A browser origin exactly (`https://planner.example`): no path, no wildcard. */
function isOrigin(candidate: string): boolean {
  const url = parsedUrl(candidate);
  // `https://*.example` parses (as a host named `*.example`): refused by name.
  return (
    url !== undefined && (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === candidate && !candidate.includes('*')
  );
}

/** The support-planning versions journeys may start on. */
export function supportPlanningVersions(): number[] {
  return new WorkflowRegistry()
    .list()
    .filter((definition) => definition.id === SUPPORT_PLANNING)
    .map((definition) => definition.version);
}

function distinctCharacters(text: string): number {
  return new Set(text).size;
}

const isProduction = (variables: EnvironmentVariables): boolean => variables.NODE_ENV === 'production';
const usesJwks = (variables: EnvironmentVariables): boolean => variables.AUTH_JWKS_URL !== undefined;
const usesOidc = (variables: EnvironmentVariables): boolean => OIDC_VARIABLES.some((name) => variables[name] !== undefined);

/** The connection of the store EVENT_STORE names. */
export function RequiredByEventStore(store: EventStoreKind): PropertyDecorator {
  return RequiredWhen((variables: EnvironmentVariables) => variables.EVENT_STORE === store, `is required when EVENT_STORE=${store}`);
}

/** The HS256 secret, which production needs unless tokens are verified through a JWKS URL. */
export function RequiredForOwnTokensInProduction(): PropertyDecorator {
  return RequiredWhen(
    (variables: EnvironmentVariables) => isProduction(variables) && !usesJwks(variables),
    `is required when NODE_ENV=production (at least ${MIN_AUTH_SECRET_LENGTH} characters; ${MAKE_A_SECRET})`,
  );
}

/** https, so that nobody on the path can swap the keys; plain http only to this machine and never in production. */
export function IsSecureUrl(): PropertyDecorator {
  return rule<EnvironmentVariables>(
    'isSecureUrl',
    (value: string, variables) => isSecureOrLoopbackUrl(value, isProduction(variables)),
    (value: string) =>
      parsedUrl(value) === undefined ? 'must be a URL' : 'must be an https:// URL (http:// only to localhost outside production)',
    'quote',
  );
}

/** The HS256 secret: long everywhere, and random in production. Only counts are told, never the secret. */
export function IsRandomInProduction(): PropertyDecorator {
  return rule<EnvironmentVariables>(
    'isRandomInProduction',
    (value: string, variables) =>
      !isProduction(variables) || value.length < MIN_AUTH_SECRET_LENGTH || distinctCharacters(value) >= MIN_AUTH_SECRET_DISTINCT_CHARACTERS,
    (value: string) =>
      `must be random: at least ${MIN_AUTH_SECRET_DISTINCT_CHARACTERS} different characters when NODE_ENV=production (got ${distinctCharacters(value)}; ${MAKE_A_SECRET})`,
    'no-quote',
  );
}

/**
 * AUTH_ISSUER and AUTH_AUDIENCE name the identity provider and this service as it knows it. Both
 * are required with a JWKS (accepting any issuer would accept any tenant of a shared provider),
 * and refused without one: the engine's own tokens always use its own names, so a value set there
 * would be silently ignored.
 */
export function IsIdentityProviderName(): PropertyDecorator {
  return applyDecorators(
    RequiredWhen(usesJwks, 'is required when AUTH_JWKS_URL is set'),
    OnlyWhen(usesJwks, 'is only used with AUTH_JWKS_URL; set both or neither'),
  );
}

/** OIDC_ISSUER_URL, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET: all three or none. */
export function IsPartOfOidc(): PropertyDecorator {
  return RequiredWhen(usesOidc, `is required when any of ${OIDC_VARIABLES.join(', ')} is set`);
}

export function IsClaimName(): PropertyDecorator {
  return Matches(/^\S{1,200}$/, 'must be a claim name without spaces, at most 200 characters', 'quote');
}

export function IsRateLimit(): PropertyDecorator {
  return IsWholeNumber(1, MAX_RATE_LIMIT_PER_MINUTE);
}

export function IsTokenLifetime(): PropertyDecorator {
  return rule(
    'isTokenLifetime',
    (value: number) => value >= TOKEN_LIFETIME_RANGE.min && value <= TOKEN_LIFETIME_RANGE.max,
    'must be a span from 1m to 7d such as 90m, 12h or 3600 (seconds)',
    'quote',
  );
}

export function IsFlag(): PropertyDecorator {
  return rule('isFlag', (value: unknown) => typeof value === 'boolean', 'must be true or false', 'quote');
}

/** Names each origin that is not one. */
export function IsOriginList(): PropertyDecorator {
  return rule(
    'isOriginList',
    (value: string[]) => value.every(isOrigin),
    (value: string[]) => {
      const bad = value.filter((origin) => !isOrigin(origin)).map(shown);
      return `must list origins such as https://planner.example, without paths or wildcards (got ${bad.join(', ')})`;
    },
    'no-quote',
  );
}

export function IsWorkflowVersion(): PropertyDecorator {
  return rule(
    'isWorkflowVersion',
    (value: number) => supportPlanningVersions().includes(value),
    () => `must be a registered version of ${SUPPORT_PLANNING}: ${supportPlanningVersions().join(', ')}`,
    'quote',
  );
}

/** METRICS_PORT: a port of its own, so not the main one. */
export function DiffersFromPort(): PropertyDecorator {
  return rule<EnvironmentVariables>(
    'differsFromPort',
    (value: number, variables) => value !== variables.PORT,
    (value: number) => `must differ from PORT (both ${value})`,
    'no-quote',
  );
}

export function IsWebUrl(says: string, quote: 'quote' | 'no-quote'): PropertyDecorator {
  return rule('isWebUrl', isWebUrl, says, quote);
}
