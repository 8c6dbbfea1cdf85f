import { Module } from '@nestjs/common';
import { CaseloadController } from './caseload.controller';
import { DecisionsController } from './decisions.controller';
import { ReadModels } from './read-models.service';

@Module({
  controllers: [CaseloadController, DecisionsController],
  providers: [ReadModels],
  exports: [ReadModels],
})
export class ProjectionsModule {}
