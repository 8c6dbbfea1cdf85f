/**
 * The settings of logs, metrics and traces (docs/operating.md): kept apart from the rest of the
 * configuration because an operations team sets them, not the people who configure the workflow.
 * Read from LOG_*, METRICS_* and OTEL_* (environment-variables.ts).
 */
import type { NodeEnv } from './app-config';

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
