/**
 * Every metric the service exposes, in one registry per app (not prom-client's global one: tests
 * build several apps in one process, and each must count only its own requests). The names are
 * the contract with dashboards and alerts (docs/operating.md, docs/grafana-dashboard.json): add,
 * never rename.
 *
 * Labels are bounded sets only: route templates, event types, rule names, clock names, outcomes.
 * Never a journey id, a person, or anything a caller typed.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export const METRIC_PREFIX = 'spe_';

/** Seconds: from a cached read (a millisecond) to a slow fsync under load (seconds). */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** Appends sharing one commit: 1 when idle, tens under the append bench. */
const GROUP_COMMIT_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256];

export type StoreOperation = 'append' | 'readStream' | 'readAll' | 'headPosition';
/** `conflict`: another writer got there first (412 or retried); `unavailable`: disk full, server gone. */
export type StoreOutcome = 'ok' | 'conflict' | 'unavailable' | 'error';

export class Metrics {
  readonly registry = new Registry();

  readonly httpRequestDuration = new Histogram({
    name: `${METRIC_PREFIX}http_request_duration_seconds`,
    help: 'HTTP requests by method, route template and status code, from the first byte read to the last written',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly commandsRecorded = new Counter({
    name: `${METRIC_PREFIX}commands_recorded_total`,
    help: 'Facts recorded on journeys (POST /journeys and POST /journeys/:id/events answered 201), by event type',
    labelNames: ['event_type'] as const,
    registers: [this.registry],
  });

  readonly commandsRefused = new Counter({
    name: `${METRIC_PREFIX}commands_refused_total`,
    help: 'Facts the engine refused to record, by event type and the rule that refused it (a workflow guard, actorMayRecord, staleRevision)',
    labelNames: ['event_type', 'rule'] as const,
    registers: [this.registry],
  });

  readonly rateLimitRefusals = new Counter({
    name: `${METRIC_PREFIX}rate_limit_refusals_total`,
    help: 'Writes refused with 429 because one token subject wrote too often, by route template',
    labelNames: ['route'] as const,
    registers: [this.registry],
  });

  readonly accessLogEntries = new Counter({
    name: `${METRIC_PREFIX}access_log_entries_total`,
    help: 'Reads of journey data written to the access log (outcome=written), or that could not be written (outcome=failed: the read was refused with 503)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly storeDuration = new Histogram({
    name: `${METRIC_PREFIX}event_store_operation_duration_seconds`,
    help: 'Event store calls through the port, by operation and outcome; append includes waiting for its group commit',
    labelNames: ['operation', 'outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly groupCommitSize = new Histogram({
    name: `${METRIC_PREFIX}event_store_group_commit_size`,
    help: 'Appends that shared one store commit (adapters that group commits, e.g. SQLite)',
    buckets: GROUP_COMMIT_BUCKETS,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: METRIC_PREFIX });
  }

  /** A gauge computed when scraped (read-model lag, open clocks): the value is never stale. */
  scrapedGauge<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    collect: (gauge: Gauge<L>) => Promise<void> | void,
  ): Gauge<L> {
    return new Gauge<L>({
      name: `${METRIC_PREFIX}${name}`,
      help,
      labelNames,
      registers: [this.registry],
      collect(this: Gauge<L>) {
        return collect(this);
      },
    });
  }

  /** The Prometheus text exposition of everything above. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
