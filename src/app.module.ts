import { Module } from '@nestjs/common';
import { AccessLogModule } from './access-log/access-log.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { ConfigModule } from './config/config.module';
import { ErrorsModule } from './errors/errors.module';
import { EventStoreModule } from './event-store/event-store.module';
import { HealthModule } from './health/health.module';
import { IntegrityModule } from './integrity/integrity.module';
import { ClocksModule } from './clocks/clocks.module';
import { CommonModule } from './common/common.module';
import { JourneysModule } from './journeys/journeys.module';
import { ObservabilityModule } from './observability/observability.module';
import { PagesModule } from './pages/pages.module';
import { ProjectionsModule } from './projections/projections.module';
import { WorkflowsModule } from './workflows-api/workflows.module';

/**
 * The whole service. Cross-cutting behaviour is registered as APP_* providers inside these modules
 * (AuthGuard as APP_GUARD, HttpErrorFilter as APP_FILTER, the ValidationPipe as APP_PIPE), and the
 * access log's interceptor sits on the routes that show journey data, so an e2e test that builds
 * this module gets exactly what production runs.
 */
@Module({
  imports: [
    // Plumbing shared by every capability.
    ConfigModule,
    ObservabilityModule,
    CommonModule,
    ErrorsModule,
    AuthModule,
    HealthModule,
    AccessLogModule,
    IntegrityModule,
    // The store port: one adapter, chosen by EVENT_STORE.
    EventStoreModule,
    // Capabilities.
    WorkflowsModule,
    JourneysModule,
    ProjectionsModule,
    ClocksModule,
    AuditModule,
    // Pages for people, over the same services (GOV.UK Frontend, signed-in by session).
    PagesModule,
  ],
})
export class AppModule {}
