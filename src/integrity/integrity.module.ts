import { Global, Module } from '@nestjs/common';
import { IntegrityInterceptor } from './integrity.interceptor';
import { JourneyIntegrity } from './journey-integrity';

/** The integrity check of journeys' chains, for every capability whose routes read a journey (global, like the access log). */
@Global()
@Module({
  providers: [JourneyIntegrity, IntegrityInterceptor],
  exports: [JourneyIntegrity, IntegrityInterceptor],
})
export class IntegrityModule {}
