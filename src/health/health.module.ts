import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { EventStoreHealthIndicator } from './event-store.health';
import { HealthController } from './health.controller';
import { ReadModelsHealthIndicator } from './read-models.health';
import { StoreFileHealthIndicator } from './store-file.health';

/**
 * Needs an `EventStore` provider from a global module (EventStoreModule, or a test's stub); shows
 * the read models when the global ProjectionsModule is there.
 */
@Module({
  // Terminus would log every failed check with its own style; EventStoreHealthIndicator logs once.
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [EventStoreHealthIndicator, StoreFileHealthIndicator, ReadModelsHealthIndicator],
})
export class HealthModule {}
