import { Global, Module } from '@nestjs/common';
import { Clock, SystemClock } from './clock';

/** The service-wide clock; tests override it with a ManualClock. */
@Global()
@Module({
  providers: [{ provide: Clock, useClass: SystemClock }],
  exports: [Clock],
})
export class CommonModule {}
