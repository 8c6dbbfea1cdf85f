import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { listFilterFor } from '../access/access-policy';
import type { Actor } from '../auth/actor';
import { CurrentActor } from '../auth/current-actor.decorator';
import type { CaseloadRow } from './caseload.projection';
import { CaseloadQuery } from './caseload-query.dto';
import { ReadModels, type Page } from './read-models.service';
import { LogsJourneyRead } from '../access-log/access-log.interceptor';

@ApiTags('journeys')
@ApiBearerAuth()
@Controller('journeys')
export class CaseloadController {
  constructor(private readonly readModels: ReadModels) {}

  @Get()
  @LogsJourneyRead()
  @ApiOperation({
    summary: 'Caseload list from the read model; `after` waits for your own write to show',
    description: 'Staff see their organisation’s journeys, the auditor all; people and advocates get 403.',
  })
  async list(@CurrentActor() actor: Actor, @Query() query: CaseloadQuery): Promise<Page<CaseloadRow>> {
    const scope = listFilterFor(actor);
    await this.readModels.ensureCaughtUp(query.after === undefined ? undefined : BigInt(query.after), query.waitMs);
    const { state, step, status, fundingStream, route, limit, offset } = query;
    return this.readModels.listCaseload({ state, step, status, fundingStream, route, ...scope }, { limit, offset });
  }
}
