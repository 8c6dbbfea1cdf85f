import { Module, type OnApplicationShutdown } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { AccessLog, SqliteAccessLog, accessLogFile } from '../access-log/access-log';
import { AccessLogController } from '../access-log/access-log.controller';
import { AccessLogInterceptor } from '../access-log/access-log.interceptor';
import { AppConfig } from '../config/app-config';
import { JourneysModule } from '../journeys/journeys.module';
import { AdvocacyController } from './advocacy.controller';
import { AuditController } from './audit.controller';
import { AuditedJourneys } from './audited-journeys';

/**
 * Audit and advocacy: verification and export of a journey, the advocate's views of its decisions
 * and preferences, and the log of who read what (its own store, its interceptor on every request).
 */
@Module({
  imports: [JourneysModule],
  controllers: [AuditController, AdvocacyController, AccessLogController],
  providers: [
    AuditedJourneys,
    { provide: AccessLog, inject: [AppConfig], useFactory: (config: AppConfig) => new SqliteAccessLog(accessLogFile(config)) },
    { provide: APP_INTERCEPTOR, useClass: AccessLogInterceptor },
  ],
  exports: [AccessLog],
})
export class AuditModule implements OnApplicationShutdown {
  constructor(private readonly accessLog: AccessLog) {}

  async onApplicationShutdown(): Promise<void> {
    await this.accessLog.close();
  }
}
