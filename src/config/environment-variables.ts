/**
 * Every environment variable the service reads, with its default (the initial value) and its rules
 * (the decorators: generic ones in env-rules.ts, this service's in variable-rules.ts). Properties
 * are declared in the order a bad configuration is reported. load-config.ts turns a validated
 * instance into the AppConfig the rest of the app uses.
 */
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
import { HasLength, HasScheme, IsOneOf, IsWholeNumber, Matches, SecretVariable, Variable, wholeNumber } from './env-rules';
import {
  DEFAULT_SERVICE_NAME,
  LOG_FORMATS,
  LOG_LEVELS,
  MIN_METRICS_TOKEN_LENGTH,
  type LogFormat,
  type LogLevel,
} from './observability-config';
import {
  DiffersFromPort,
  IsClaimName,
  IsFlag,
  IsIdentityProviderName,
  IsOriginList,
  IsPartOfOidc,
  IsRandomInProduction,
  IsRateLimit,
  IsSecureUrl,
  IsTokenLifetime,
  IsWebUrl,
  IsWorkflowVersion,
  KURRENTDB_SCHEMES,
  MAX_CLOCK_SKEW_SECONDS,
  MIN_AUTH_SECRET_LENGTH,
  POSTGRES_SCHEMES,
  RequiredByEventStore,
  RequiredForOwnTokensInProduction,
  commaSeparated,
  flag,
  spanSeconds,
  supportPlanningVersions,
} from './variable-rules';

export const DEFAULT_PORT = 3000;
export const DEFAULT_SQLITE_FILE = './data/events.db';

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
  @RequiredByEventStore('kurrentdb')
  @HasScheme(KURRENTDB_SCHEMES)
  KURRENTDB_CONNECTION_STRING?: string;

  /** The engine's everyday role (docs/postgres.md). */
  @Variable()
  @RequiredByEventStore('postgres')
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
  @RequiredForOwnTokensInProduction()
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
