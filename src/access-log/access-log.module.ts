import { Global, Module, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { Clock } from '../common/clock';
import { EventStore } from '../event-store/event-store';
import { CountedAccessLog } from '../observability/metrics/counted-access-log';
import { Metrics } from '../observability/metrics/metrics';
import { AccessLog } from './access-log';
import { openAccessLog } from './open-access-log';
import { AccessLogInterceptor } from './access-log.interceptor';

/**
 * The log of who read which journey, and the interceptor that writes it, for every capability
 * whose routes show journey data (global, like the clock: those routes live in several modules).
 */
@Global()
@Module({
  providers: [
    {
      provide: AccessLog,
      inject: [AppConfig, EventStore, Clock, Metrics],
      useFactory: async (config: AppConfig, store: EventStore, clock: Clock, metrics: Metrics) =>
        new CountedAccessLog(await openAccessLog(config, store, () => clock.now()), metrics),
    },
    AccessLogInterceptor,
  ],
  exports: [AccessLog, AccessLogInterceptor],
})
export class AccessLogModule implements OnApplicationShutdown {
  constructor(private readonly accessLog: AccessLog) {}

  async onApplicationShutdown(): Promise<void> {
    await this.accessLog.close();
  }
}
