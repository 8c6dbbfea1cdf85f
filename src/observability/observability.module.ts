import { Global, Module, RequestMethod } from '@nestjs/common';
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
 * nestjs-pino takes the request's logger that pino-http (AppLogger.http, first in configureApp's
 * chain so that even a refused body gets its request line) put on `req.log`, and makes Nest's
 * Logger calls inside the request use it: every line carries the correlation id.
 *
 * nestjs-pino keeps the logger for lines outside any request in a module variable set by the
 * first app of the process; each app built here (tests build several) must use its own sink.
 */
function loggerParams(logger: AppLogger) {
  forgetPreviousAppLogger();
  return { pinoHttp: { logger: logger.root }, useExisting: true as const, forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }] };
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
