import { Controller, Get, Param, ParseIntPipe } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { WorkflowRegistry, type WorkflowPolicy } from '../../workflows';
import { renderWorkflowDoc } from '../../workflows/diagram';

interface WorkflowListing {
  id: string;
  version: number;
  latest: boolean;
}

interface WorkflowDetail extends WorkflowListing {
  policy: WorkflowPolicy;
  /** The machine's definition (states, transitions, guard names) as XState serialises it. */
  definition: unknown;
  /** Mermaid diagram and the tables of guards, roles and clocks, as Markdown. */
  document: string;
}

/** The rules the engine applies, readable by anyone with a token: advocates and auditors included. */
@ApiTags('workflows')
@ApiBearerAuth()
@Controller('workflows')
export class WorkflowsController {
  constructor(private readonly registry: WorkflowRegistry) {}

  @Get()
  @ApiOperation({ summary: 'Every workflow version the engine can replay' })
  list(): WorkflowListing[] {
    return this.registry.list().map((definition) => ({
      id: definition.id,
      version: definition.version,
      latest: this.registry.latest(definition.id).version === definition.version,
    }));
  }

  @Get(':id/:version')
  @ApiOperation({ summary: 'One version: its policy, definition and diagram' })
  get(@Param('id') id: string, @Param('version', ParseIntPipe) version: number): WorkflowDetail {
    const definition = this.registry.get(id, version);
    return {
      id: definition.id,
      version: definition.version,
      latest: this.registry.latest(id).version === version,
      policy: definition.policy,
      definition: definition.machine.definition,
      document: renderWorkflowDoc(definition),
    };
  }
}
