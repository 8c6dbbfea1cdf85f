import { Global, Module } from '@nestjs/common';
import { CaseloadController } from './caseload.controller';
import { DecisionsController } from './decisions.controller';
import { ReadModels } from './read-models.service';

/** Global so that /health can show the read models without the health module depending on them. */
@Global()
@Module({
  controllers: [CaseloadController, DecisionsController],
  providers: [ReadModels],
  exports: [ReadModels],
})
export class ProjectionsModule {}
