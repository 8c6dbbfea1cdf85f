import { Module } from '@nestjs/common';
import { AuditedJourneys } from '../audit/audited-journeys';
import { JourneysModule } from '../journeys/journeys.module';
import { ProjectionsModule } from '../projections/projections.module';
import { WorkflowsModule } from '../workflows-api/workflows.module';
import { AuditPagesController } from './audit-pages.controller';
import { JourneyPagesController } from './journey-pages.controller';
import { OidcSignIn } from './oidc';
import { PageGuard } from './page-guard';
import { SignInController } from './sign-in.controller';
import { StaffPagesController } from './staff-pages.controller';
import { WorkflowPagesController } from './workflow-pages.controller';

/**
 * Server-rendered pages for the people in the record (GOV.UK Frontend, no JavaScript needed),
 * over the same services, access policy and access log as the JSON API.
 */
@Module({
  imports: [JourneysModule, ProjectionsModule, WorkflowsModule],
  controllers: [SignInController, JourneyPagesController, StaffPagesController, AuditPagesController, WorkflowPagesController],
  providers: [PageGuard, AuditedJourneys, OidcSignIn],
})
export class PagesModule {}
