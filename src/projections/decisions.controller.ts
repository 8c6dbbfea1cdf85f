import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { listFilterFor } from '../access/access-policy';
import type { Actor } from '../auth/actor';
import { CurrentActor } from '../auth/current-actor.decorator';
import type { DecisionRow } from './decisions.projection';
import { DecisionsQuery } from './decisions-query.dto';
import { ReadModels, type Page } from './read-models.service';
import { LogsJourneyRead } from '../access-log/access-log.interceptor';

@ApiTags('decisions')
@ApiBearerAuth()
@Controller('decisions')
export class DecisionsController {
  constructor(private readonly readModels: ReadModels) {}

  @Get()
  @LogsJourneyRead()
  @ApiOperation({
    summary: 'Decisions across journeys (who, when, against a preference, challenged and how it ended), in recorded order',
    description:
      'For auditors (every journey) and approvers (their organisation’s journeys, as for the caseload list); ' +
      'people and advocates get 403 and read decisions on their journey. `after` waits for your own write to show.',
  })
  async list(@CurrentActor() actor: Actor, @Query() query: DecisionsQuery): Promise<Page<DecisionRow>> {
    const scope = listFilterFor(actor);
    await this.readModels.ensureCaughtUp(query.after === undefined ? undefined : BigInt(query.after), query.waitMs, 'decisions');
    const { type, actor: actorId, challenged, limit, offset } = query;
    return this.readModels.listDecisions({ type, actorId, challenged, ...scope }, { limit, offset });
  }
}
