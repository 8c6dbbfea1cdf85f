import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { EventStoreHealthIndicator } from './event-store.health';
import { HealthController } from './health.controller';
import { StoreFileHealthIndicator } from './store-file.health';

/** Needs an `EventStore` provider from a global module (EventStoreModule, or a test's stub). */
@Module({
  // Terminus would log every failed check with its own style; EventStoreHealthIndicator logs once.
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [EventStoreHealthIndicator, StoreFileHealthIndicator],
})
export class HealthModule {}
