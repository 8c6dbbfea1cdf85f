import { Global, Module } from '@nestjs/common';
import { WorkflowRegistry } from '../../workflows';
import { AppConfig } from '../config/app-config';
import { WorkflowsController } from './workflows.controller';

/** The registry of workflow versions, shared by every capability, and its read-only API. */
@Global()
@Module({
  controllers: [WorkflowsController],
  providers: [
    {
      provide: WorkflowRegistry,
      useFactory: (config: AppConfig) => new WorkflowRegistry().startingOn(config.workflowVersion),
      inject: [AppConfig],
    },
  ],
  exports: [WorkflowRegistry],
})
export class WorkflowsModule {}
