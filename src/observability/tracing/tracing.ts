/**
 * OpenTelemetry tracing, started only when OTEL_EXPORTER_OTLP_ENDPOINT names a collector. Spans
 * are made by the engine itself (the request span, the store's spans, `withSpan` in the command
 * handler), not by auto-instrumentation: one server span per request, named by its route
 * template, with nothing in it that a patched library chose to record.
 *
 * Only traces go out: metrics are Prometheus' (GET /metrics) and logs are stdout's. Left to the
 * environment, the SDK would also start OTLP exporters for metrics and logs.
 */
import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { context, propagation, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { AppConfig } from '../../config/app-config';

/** `http://collector:4318` -> `http://collector:4318/v1/traces`, as the OTLP/HTTP spec builds it. */
export function tracesUrl(endpoint: string): string {
  return `${endpoint.replace(/\/+$/, '')}/v1/traces`;
}

@Injectable()
export class Tracing implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Tracing');
  private sdk: NodeSDK | null = null;

  constructor(private readonly config: AppConfig) {}

  get enabled(): boolean {
    return this.sdk !== null;
  }

  onModuleInit(): void {
    const { otlpEndpoint, serviceName } = this.config.observability;
    if (otlpEndpoint === undefined) return;
    this.sdk = new NodeSDK({
      serviceName,
      traceExporter: new OTLPTraceExporter({ url: tracesUrl(otlpEndpoint) }),
      instrumentations: [],
      metricReaders: [],
      logRecordProcessors: [],
    });
    this.sdk.start();
    // The host, never the path or credentials an endpoint URL may carry.
    this.logger.log(`traces go to the OTLP/HTTP collector at ${new URL(otlpEndpoint).host} as ${serviceName}`);
  }

  /** Sends the spans still buffered, then lets go of the global tracer so that a next app (tests) can set its own. */
  async onApplicationShutdown(): Promise<void> {
    if (this.sdk === null) return;
    try {
      await this.sdk.shutdown();
    } catch (error) {
      this.logger.warn(`could not send the last spans: ${(error as Error).name}`);
    } finally {
      this.sdk = null;
      trace.disable();
      context.disable();
      propagation.disable();
    }
  }
}
