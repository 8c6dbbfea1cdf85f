import { ApiExcludeController } from '@nestjs/swagger';
import { Controller, Get, NotFoundException, Param, ParseIntPipe, Render } from '@nestjs/common';
import { summarise, UnknownWorkflowError, WorkflowRegistry, type WorkflowDefinition } from '../../workflows';
import { assertMayAccess } from '../access';
import { LogsJourneyRead } from '../access-log/access-log.interceptor';
import type { Actor } from '../auth/actor';
import { CurrentActor } from '../auth/current-actor.decorator';
import { JourneyIdPipe } from '../journeys/journey-id.pipe';
import { JourneysService } from '../journeys/journeys.service';
import { PageController } from './page-guard';
import { stepName } from './plain-english';
import { workflowRules, workflowSvg, type WorkflowRules } from './workflow-diagram';

interface WorkflowPage extends WorkflowRules {
  id: string;
  version: number;
  svg: string;
  journeyId: string | null;
  currentStep: string | null;
}

/** Each workflow version as a diagram with its rules in words; for a journey, its current step highlighted. */
@PageController()
@ApiExcludeController()
@Controller('app')
export class WorkflowPagesController {
  constructor(
    private readonly registry: WorkflowRegistry,
    private readonly journeys: JourneysService,
  ) {}

  @Get('workflows/:id/:version')
  @Render('workflow')
  workflow(@Param('id') id: string, @Param('version', ParseIntPipe) version: number): WorkflowPage {
    return page(this.definition(id, version), null, null);
  }

  /** The version the journey is pinned to, not the latest: the rules it is actually judged by. */
  @Get('journeys/:id/workflow')
  @LogsJourneyRead()
  @Render('workflow')
  async forJourney(@CurrentActor() actor: Actor, @Param('id', JourneyIdPipe) id: string): Promise<WorkflowPage> {
    const journey = await this.journeys.load(id);
    assertMayAccess(actor, journey);
    return page(journey.definition, id, summarise(journey.definition, journey.snapshot).step);
  }

  private definition(id: string, version: number): WorkflowDefinition {
    try {
      return this.registry.get(id, version);
    } catch (error) {
      if (error instanceof UnknownWorkflowError) throw new NotFoundException();
      throw error;
    }
  }
}

function page(definition: WorkflowDefinition, journeyId: string | null, step: string | null): WorkflowPage {
  return {
    id: definition.id,
    version: definition.version,
    svg: workflowSvg(definition, step),
    journeyId,
    currentStep: step === null ? null : stepName(step),
    ...workflowRules(definition),
  };
}
