/**
 * The variables of logs, metrics and traces (docs/operating.md): kept apart from the rest of the
 * configuration because an operations team sets them, not the people who configure the workflow.
 */
import type { NodeEnv } from './app-config';
import { parseWholeNumber, shown, value, type ConfigIssue, type Env } from './env-values';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export const DEFAULT_SERVICE_NAME = 'support-planning-engine';
/** A metrics token is a password a scraper keeps: long enough that it cannot be guessed. */
export const MIN_METRICS_TOKEN_LENGTH = 32;

export interface ObservabilityConfig {
  logLevel: LogLevel;
  /** JSON lines for log collectors; pretty (coloured, one readable line) for a developer's terminal. */
  logFormat: LogFormat;
  /** Bearer token that GET /metrics on the main port asks for. */
  metricsToken?: string;
  /** A port of its own for GET /metrics, for a scraper on a private network. */
  metricsPort?: number;
  /** OTLP/HTTP collector; traces are off without it. */
  otlpEndpoint?: string;
  serviceName: string;
}

/** Pretty in development, JSON wherever a machine reads the logs. */
export function defaultObservability(nodeEnv: NodeEnv): ObservabilityConfig {
  return { logLevel: 'info', logFormat: nodeEnv === 'development' ? 'pretty' : 'json', serviceName: DEFAULT_SERVICE_NAME };
}

export function parseObservabilityEnv(env: Env, context: { nodeEnv: NodeEnv; port: number }, issues: ConfigIssue[]): ObservabilityConfig {
  const defaults = defaultObservability(context.nodeEnv);
  const metricsPort = parseMetricsPort(value(env, 'METRICS_PORT'), context.port, issues);
  return {
    logLevel: oneOf('LOG_LEVEL', LOG_LEVELS, value(env, 'LOG_LEVEL'), defaults.logLevel, issues),
    logFormat: oneOf('LOG_FORMAT', LOG_FORMATS, value(env, 'LOG_FORMAT'), defaults.logFormat, issues),
    metricsToken: parseMetricsToken(env['METRICS_TOKEN'], issues),
    metricsPort,
    otlpEndpoint: parseOtlpEndpoint(value(env, 'OTEL_EXPORTER_OTLP_ENDPOINT'), issues),
    serviceName: value(env, 'OTEL_SERVICE_NAME') ?? defaults.serviceName,
  };
}

function oneOf<T extends string>(variable: string, allowed: readonly T[], raw: string | undefined, fallback: T, issues: ConfigIssue[]): T {
  if (raw === undefined) return fallback;
  if ((allowed as readonly string[]).includes(raw)) return raw as T;
  issues.push({ variable, rule: `must be one of ${allowed.join(', ')} (got ${shown(raw)})` });
  return fallback;
}

/** Never quoted back: it is a credential. */
function parseMetricsToken(raw: string | undefined, issues: ConfigIssue[]): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (raw.length < MIN_METRICS_TOKEN_LENGTH) {
    issues.push({ variable: 'METRICS_TOKEN', rule: `must be at least ${MIN_METRICS_TOKEN_LENGTH} characters long (got ${raw.length})` });
  }
  return raw;
}

function parseMetricsPort(raw: string | undefined, port: number, issues: ConfigIssue[]): number | undefined {
  if (raw === undefined) return undefined;
  const metricsPort = parseWholeNumber('METRICS_PORT', raw, { min: 1, max: 65535, fallback: 0 }, issues);
  if (metricsPort === port) issues.push({ variable: 'METRICS_PORT', rule: `must differ from PORT (both ${port})` });
  return metricsPort === 0 ? undefined : metricsPort;
}

/** The collector's base URL; the exporter adds `/v1/traces`. May carry credentials, so not quoted back. */
function parseOtlpEndpoint(raw: string | undefined, issues: ConfigIssue[]): string | undefined {
  if (raw === undefined) return undefined;
  try {
    const url = new URL(raw);
    if (url.protocol === 'http:' || url.protocol === 'https:') return raw;
  } catch {
    // reported below
  }
  issues.push({ variable: 'OTEL_EXPORTER_OTLP_ENDPOINT', rule: 'must be an http:// or https:// URL (the OTLP/HTTP collector)' });
  return undefined;
}
