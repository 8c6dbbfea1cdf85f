import { Module } from '@nestjs/common';
import { JourneysModule } from '../journeys/journeys.module';
import { ProjectionsModule } from '../projections/projections.module';
import { ClocksController } from './clocks.controller';
import { DeadlineScheduler } from './deadline-scheduler';

@Module({
  imports: [JourneysModule, ProjectionsModule],
  controllers: [ClocksController],
  providers: [DeadlineScheduler],
  exports: [DeadlineScheduler],
})
export class ClocksModule {}
