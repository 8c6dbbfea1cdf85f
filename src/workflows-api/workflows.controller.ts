import { Controller, Get, Param, ParseIntPipe } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { changesFromPrevious, renderChanges, WorkflowRegistry, type WorkflowChanges, type WorkflowPolicy } from '../../workflows';
import { renderWorkflowDoc } from '../../workflows/diagram';

interface WorkflowListing {
  id: string;
  version: number;
  latest: boolean;
  /** New journeys start on this version (WORKFLOW_VERSION). */
  current: boolean;
  policy: WorkflowPolicy;
  /** What changed from the version before, in plain words (Markdown); null for the first. */
  changesFromPrevious: string | null;
}

interface WorkflowDetail extends WorkflowListing {
  /** The same changes as data: rules added, changed and removed, events added, policy values. */
  changes: WorkflowChanges | null;
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
    return this.registry.list().map((definition) => {
      const { changes: _data, ...listing } = this.listing(definition.id, definition.version);
      return listing;
    });
  }

  private listing(id: string, version: number): WorkflowListing & { changes: WorkflowChanges | null } {
    const definition = this.registry.get(id, version);
    const changes = changesFromPrevious(this.registry.list(), definition);
    return {
      id,
      version,
      latest: this.registry.latest(id).version === version,
      current: this.registry.current(id).version === version,
      policy: definition.policy,
      changesFromPrevious: changes ? renderChanges(changes) : null,
      changes,
    };
  }

  @Get(':id/:version')
  @ApiOperation({ summary: 'One version: its policy, definition and diagram' })
  get(@Param('id') id: string, @Param('version', ParseIntPipe) version: number): WorkflowDetail {
    const definition = this.registry.get(id, version);
    return {
      ...this.listing(id, version),
      definition: definition.machine.definition,
      document: renderWorkflowDoc(definition),
    };
  }
}
