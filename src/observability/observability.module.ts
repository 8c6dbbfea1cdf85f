import { Global, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
// Test-only reset, used for every app: see loggerParams.
import { __resetOutOfContextForTests as forgetPreviousAppLogger } from 'nestjs-pino/PinoLogger';
import { AppConfig } from '../config/app-config';
import { ProjectionsModule } from '../projections/projections.module';
import { RequestObserver } from './http/request-observer';
import { AppLogger } from './logging/app-logger';
import { defaultLogSink, LogSink } from './logging/log-sink';
import { Metrics } from './metrics/metrics';
import { MetricsEndpoint } from './metrics/metrics-endpoint';
import { ServiceGauges } from './metrics/service-gauges';
import { Tracing } from './tracing/tracing';

/**
 * nestjs-pino makes Nest's Logger calls inside a request use the request's logger, which the
 * request observer (first in configureApp's hooks) puts in nestjs-pino's store around the route:
 * every line carries the correlation id. So nestjs-pino's own middleware is on no route.
 *
 * nestjs-pino keeps the logger for lines outside any request in a module variable set by the
 * first app of the process; each app built here (tests build several) must use its own sink.
 */
function loggerParams(logger: AppLogger) {
  forgetPreviousAppLogger();
  return { pinoHttp: { logger: logger.root }, useExisting: true as const, forRoutes: [] };
}

/**
 * Logs, metrics and traces (docs/operating.md). Global: the store and the access log are wrapped
 * with their metrics where they are provided, and configureApp puts the request observer, the
 * request logger and GET /metrics in front of every route.
 */
@Global()
@Module({
  imports: [
    ProjectionsModule,
    LoggerModule.forRootAsync({
      providers: [{ provide: LogSink, inject: [AppConfig], useFactory: defaultLogSink }, AppLogger],
      inject: [AppLogger],
      useFactory: loggerParams,
    }),
  ],
  providers: [Metrics, Tracing, RequestObserver, MetricsEndpoint, ServiceGauges],
  exports: [Metrics, Tracing, RequestObserver, MetricsEndpoint],
})
export class ObservabilityModule {}
