import { Module } from '@nestjs/common';
import { AccessLogController } from '../access-log/access-log.controller';
import { JourneysModule } from '../journeys/journeys.module';
import { AdvocacyController } from './advocacy/advocacy.controller';
import { AuditController } from './http/audit.controller';
import { AuditedJourneys } from './audited-journeys';
import { ExportBuilder } from './export/export-builder';

/**
 * Audit and advocacy: verification and export of a journey, the advocate's views of its decisions
 * and preferences, and who read what (the log itself and its interceptor: AccessLogModule).
 */
@Module({
  imports: [JourneysModule],
  controllers: [AuditController, AdvocacyController, AccessLogController],
  providers: [AuditedJourneys, ExportBuilder],
})
export class AuditModule {}
