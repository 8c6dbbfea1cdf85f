import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  changesFromPrevious,
  renderChanges,
  UnknownWorkflowError,
  WorkflowRegistry,
  type WorkflowChanges,
  type WorkflowDefinition,
  type WorkflowPolicy,
} from '../../workflows';
import { renderWorkflowDoc } from '../../workflows/diagram';
import { InvalidInputError, WorkflowNotFoundError } from '../errors/domain-errors';

/**
 * A version is a whole number written in digits; anything else (`1e3`, `1.0`, `0x1`) is a 400
 * naming the parameter. A number no version has, however long, is not found (404). Read from the
 * raw string: typed as a number, the global ValidationPipe would first turn `1e3` into 1000.
 */
function versionOf(raw: string): number {
  if (!/^\d+$/.test(raw)) throw new InvalidInputError([{ field: 'version', rule: 'isInt', message: 'version must be a whole number' }]);
  return Number(raw);
}

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
  get(@Param('id') id: string, @Param('version') rawVersion: string): WorkflowDetail {
    const version = versionOf(rawVersion);
    const definition = this.definitionOf(id, version);
    return {
      ...this.listing(id, version),
      definition: definition.machine.definition,
      document: renderWorkflowDoc(definition),
    };
  }

  /** An id or version the registry does not hold is a 404, like an unknown journey. */
  private definitionOf(id: string, version: number): WorkflowDefinition {
    try {
      return this.registry.get(id, version);
    } catch (error) {
      if (error instanceof UnknownWorkflowError) throw new WorkflowNotFoundError(id, version);
      throw error;
    }
  }
}
