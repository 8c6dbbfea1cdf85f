/**
 * Every environment variable the service reads, with its default (the initial value) and its rules
 * (the decorators; env-rules.ts). Properties are declared in the order a bad configuration is
 * reported. load-config.ts turns a validated instance into the AppConfig the rest of the app uses.
 */
import { applyDecorators } from '@nestjs/common';
import { SUPPORT_PLANNING, WorkflowRegistry } from '../../workflows';
import { PLAIN_IDENTIFIER } from '../event-store/postgres/identifiers';
import {
  DEFAULT_CLOCK_SKEW_SECONDS,
  DEFAULT_MAX_TOKEN_LIFETIME_SECONDS,
  DEFAULT_ORG_CLAIM,
  DEFAULT_RATE_LIMIT_READS_PER_MINUTE,
  DEFAULT_RATE_LIMIT_WRITES_PER_MINUTE,
  DEFAULT_ROLE_CLAIM,
  EVENT_STORE_KINDS,
  NODE_ENVS,
  type EventStoreKind,
  type NodeEnv,
} from './app-config';
import {
  HasLength,
  HasScheme,
  IsOneOf,
  IsWholeNumber,
  Matches,
  OnlyWhen,
  RequiredWhen,
  SecretVariable,
  Variable,
  isSecureOrLoopbackUrl,
  isWebUrl,
  parsedUrl,
  rule,
  shown,
  wholeNumber,
} from './env-rules';
import {
  DEFAULT_SERVICE_NAME,
  LOG_FORMATS,
  LOG_LEVELS,
  MIN_METRICS_TOKEN_LENGTH,
  type LogFormat,
  type LogLevel,
} from './observability-config';

export const DEFAULT_PORT = 3000;
export const DEFAULT_SQLITE_FILE = './data/events.db';
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
const KURRENTDB_SCHEMES = ['kurrentdb://', 'kurrentdb+discover://', 'esdb://', 'esdb+discover://'];
const POSTGRES_SCHEMES = ['postgres://', 'postgresql://'];
const OIDC_VARIABLES = ['OIDC_ISSUER_URL', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET'] as const;
const MAKE_A_SECRET = `make one with: node -e "console.log(require('crypto').randomBytes(32).toString('base64url'))"`;

/** Seconds in a span such as `90s`, `15m`, `12h`, `1d`, or a bare number of seconds; undefined if it is not one. */
export function spanSeconds(raw: string): number | undefined {
  const match = /^(\d{1,9}) *([smhd]?)$/.exec(raw.trim());
  if (!match) return undefined;
  return Number(match[1]) * SPAN_UNITS[match[2] || 's'];
}

/** `true` or `false`, nothing else: an acknowledgement must be meant, not a typo read as yes. */
function flag(raw: string): boolean | string {
  return raw === 'true' ? true : raw === 'false' ? false : raw;
}

function commaSeparated(raw: string): string[] {
  return raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
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
function supportPlanningVersions(): number[] {
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

/** https, so that nobody on the path can swap the keys; plain http only to this machine and never in production. */
function IsSecureUrl(): PropertyDecorator {
  return rule<EnvironmentVariables>(
    'isSecureUrl',
    (value: string, variables) => isSecureOrLoopbackUrl(value, isProduction(variables)),
    (value: string) =>
      parsedUrl(value) === undefined ? 'must be a URL' : 'must be an https:// URL (http:// only to localhost outside production)',
    'quote',
  );
}

/** The HS256 secret: long everywhere, and random in production. Only counts are told, never the secret. */
function IsRandomInProduction(): PropertyDecorator {
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
function IsIdentityProviderName(): PropertyDecorator {
  return applyDecorators(
    RequiredWhen(usesJwks, 'is required when AUTH_JWKS_URL is set'),
    OnlyWhen(usesJwks, 'is only used with AUTH_JWKS_URL; set both or neither'),
  );
}

/** OIDC_ISSUER_URL, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET: all three or none. */
function IsPartOfOidc(): PropertyDecorator {
  return RequiredWhen(usesOidc, `is required when any of ${OIDC_VARIABLES.join(', ')} is set`);
}

function IsClaimName(): PropertyDecorator {
  return Matches(/^\S{1,200}$/, 'must be a claim name without spaces, at most 200 characters', 'quote');
}

function IsRateLimit(): PropertyDecorator {
  return IsWholeNumber(1, MAX_RATE_LIMIT_PER_MINUTE);
}

function IsTokenLifetime(): PropertyDecorator {
  return rule(
    'isTokenLifetime',
    (value: number) => value >= TOKEN_LIFETIME_RANGE.min && value <= TOKEN_LIFETIME_RANGE.max,
    'must be a span from 1m to 7d such as 90m, 12h or 3600 (seconds)',
    'quote',
  );
}

function IsFlag(): PropertyDecorator {
  return rule('isFlag', (value: unknown) => typeof value === 'boolean', 'must be true or false', 'quote');
}

/** Names each origin that is not one. */
function IsOriginList(): PropertyDecorator {
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

function IsWorkflowVersion(): PropertyDecorator {
  return rule(
    'isWorkflowVersion',
    (value: number) => supportPlanningVersions().includes(value),
    () => `must be a registered version of ${SUPPORT_PLANNING}: ${supportPlanningVersions().join(', ')}`,
    'quote',
  );
}

/** METRICS_PORT: a port of its own, so not the main one. */
function DiffersFromPort(): PropertyDecorator {
  return rule<EnvironmentVariables>(
    'differsFromPort',
    (value: number, variables) => value !== variables.PORT,
    (value: number) => `must differ from PORT (both ${value})`,
    'no-quote',
  );
}

function IsWebUrl(says: string, quote: 'quote' | 'no-quote'): PropertyDecorator {
  return rule('isWebUrl', isWebUrl, says, quote);
}

export class EnvironmentVariables {
  // The service and its store.

  /** Checked against a closed list: a typo such as `prod` must not quietly fall back to development behaviour. */
  @Variable()
  @IsOneOf(NODE_ENVS)
  NODE_ENV: NodeEnv = 'development';

  @Variable(wholeNumber)
  @IsWholeNumber(1, 65535)
  PORT: number = DEFAULT_PORT;

  @Variable()
  @IsOneOf(EVENT_STORE_KINDS)
  EVENT_STORE: EventStoreKind = 'sqlite';

  @Variable()
  SQLITE_FILE: string = DEFAULT_SQLITE_FILE;

  @Variable()
  @RequiredWhen((variables: EnvironmentVariables) => variables.EVENT_STORE === 'kurrentdb', 'is required when EVENT_STORE=kurrentdb')
  @HasScheme(KURRENTDB_SCHEMES)
  KURRENTDB_CONNECTION_STRING?: string;

  /** The engine's everyday role (docs/postgres.md). */
  @Variable()
  @RequiredWhen((variables: EnvironmentVariables) => variables.EVENT_STORE === 'postgres', 'is required when EVENT_STORE=postgres')
  @HasScheme(POSTGRES_SCHEMES)
  POSTGRES_URL?: string;

  /** The schema owner, that runs migrations and grants the everyday role SELECT and INSERT only. */
  @Variable()
  @HasScheme(POSTGRES_SCHEMES)
  POSTGRES_MIGRATION_URL?: string;

  /** Ends up inside SQL text (DDL takes no parameters), so it is held to a plain identifier. */
  @Variable()
  @Matches(PLAIN_IDENTIFIER, 'must be a lower-case SQL identifier (a-z, 0-9, _; at most 47 characters)', 'no-quote')
  POSTGRES_SCHEMA?: string;

  // Tokens.

  /** The identity provider's key set (production identity); HS256 is then refused. */
  @Variable()
  @IsSecureUrl()
  AUTH_JWKS_URL?: string;

  /** The HS256 secret. Production needs it only when tokens are not verified through a JWKS URL. */
  @SecretVariable()
  @RequiredWhen(
    (variables: EnvironmentVariables) => isProduction(variables) && !usesJwks(variables),
    `is required when NODE_ENV=production (at least ${MIN_AUTH_SECRET_LENGTH} characters; ${MAKE_A_SECRET})`,
  )
  @HasLength(MIN_AUTH_SECRET_LENGTH)
  @IsRandomInProduction()
  AUTH_SECRET?: string;

  @Variable()
  @IsIdentityProviderName()
  AUTH_ISSUER?: string;

  @Variable()
  @IsIdentityProviderName()
  AUTH_AUDIENCE?: string;

  @Variable(wholeNumber)
  @IsWholeNumber(0, MAX_CLOCK_SKEW_SECONDS)
  AUTH_CLOCK_SKEW_SECONDS: number = DEFAULT_CLOCK_SKEW_SECONDS;

  /** Claim names as the identity provider spells them; may be a URI (`https://council.example/role`). */
  @Variable()
  @IsClaimName()
  AUTH_ROLE_CLAIM: string = DEFAULT_ROLE_CLAIM;

  @Variable()
  @IsClaimName()
  AUTH_ORG_CLAIM: string = DEFAULT_ORG_CLAIM;

  // Limits and start-up.

  @Variable(wholeNumber)
  @IsRateLimit()
  RATE_LIMIT_WRITES_PER_MINUTE: number = DEFAULT_RATE_LIMIT_WRITES_PER_MINUTE;

  @Variable(wholeNumber)
  @IsRateLimit()
  RATE_LIMIT_READS_PER_MINUTE: number = DEFAULT_RATE_LIMIT_READS_PER_MINUTE;

  /** In seconds once read. */
  @Variable((raw) => spanSeconds(raw) ?? NaN)
  @IsTokenLifetime()
  AUTH_MAX_TOKEN_LIFETIME: number = DEFAULT_MAX_TOKEN_LIFETIME_SECONDS;

  @Variable(flag)
  @IsFlag()
  ACCESS_LOG_RESET_ACKNOWLEDGED = false;

  /** No wildcard: these answers carry health records, so every origin allowed is named. */
  @Variable(commaSeparated)
  @IsOriginList()
  CORS_ORIGINS: string[] = [];

  /** The support-planning version new journeys start on: a registered one, the latest by default. */
  @Variable(wholeNumber)
  @IsWorkflowVersion()
  WORKFLOW_VERSION: number = Math.max(...supportPlanningVersions());

  // Logs, metrics and traces (docs/operating.md).

  @Variable()
  @IsOneOf(LOG_LEVELS)
  LOG_LEVEL: LogLevel = 'info';

  /** Default by NODE_ENV: pretty in development, JSON wherever a machine reads the logs. */
  @Variable()
  @IsOneOf(LOG_FORMATS)
  LOG_FORMAT?: LogFormat;

  /** A password a scraper keeps: long enough that it cannot be guessed. */
  @SecretVariable()
  @HasLength(MIN_METRICS_TOKEN_LENGTH)
  METRICS_TOKEN?: string;

  @Variable(wholeNumber)
  @IsWholeNumber(1, 65535)
  @DiffersFromPort()
  METRICS_PORT?: number;

  /** The collector's base URL; the exporter adds `/v1/traces`. May carry credentials, so not quoted back. */
  @Variable()
  @IsWebUrl('must be an http:// or https:// URL (the OTLP/HTTP collector)', 'no-quote')
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;

  @Variable()
  OTEL_SERVICE_NAME: string = DEFAULT_SERVICE_NAME;

  // The pages (docs/pages.md).

  /** The council's or NHS body's identity provider; its discovery document names the keys, so https. */
  @Variable()
  @IsPartOfOidc()
  @IsSecureUrl()
  OIDC_ISSUER_URL?: string;

  @Variable()
  @IsPartOfOidc()
  OIDC_CLIENT_ID?: string;

  /** Never quoted back. */
  @Variable()
  @IsPartOfOidc()
  OIDC_CLIENT_SECRET?: string;

  /** Signs the pages' session cookie; derived from AUTH_SECRET when not set (AppConfig). */
  @SecretVariable()
  @HasLength(MIN_AUTH_SECRET_LENGTH)
  SESSION_SECRET?: string;

  /** The service's own address as people's browsers reach it, e.g. https://care.council.example. */
  @Variable()
  @IsWebUrl('must be an http:// or https:// URL', 'quote')
  PUBLIC_URL?: string;
}
