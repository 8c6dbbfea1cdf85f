import { Global, Module } from '@nestjs/common';
import { WorkflowRegistry } from '../../workflows';
import { WorkflowsController } from './workflows.controller';

/** The registry of workflow versions, shared by every capability, and its read-only API. */
@Global()
@Module({
  controllers: [WorkflowsController],
  providers: [{ provide: WorkflowRegistry, useFactory: () => new WorkflowRegistry() }],
  exports: [WorkflowRegistry],
})
export class WorkflowsModule {}
