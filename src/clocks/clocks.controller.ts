import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { lateBy } from '../../workflows';
import { listFilterFor } from '../access/access-policy';
import type { Actor } from '../auth/actor';
import { CurrentActor } from '../auth/current-actor.decorator';
import { Clock } from '../common/clock';
import type { LateEntryRow, OpenClockRow } from '../projections/deadlines.projection';
import { ReadModels } from '../projections/read-models.service';
import { ClockListQuery, OverdueQuery } from './overdue-query.dto';
import { LogsJourneyRead } from '../access-log/access-log.interceptor';

const HOUR = 3_600_000;

@ApiTags('clocks')
@ApiBearerAuth()
@Controller('clocks')
export class ClocksController {
  constructor(
    private readonly readModels: ReadModels,
    private readonly clock: Clock,
  ) {}

  @Get('overdue')
  @LogsJourneyRead()
  @ApiOperation({
    summary: 'Missed and nearly-due clocks across journeys, most urgent first',
    description: 'Staff see their organisation’s journeys, the auditor all; people and advocates get 403.',
  })
  overdue(
    @CurrentActor() actor: Actor,
    @Query() query: OverdueQuery,
  ): { asOf: string; position: string; items: Array<OpenClockRow & { lateByMs: number }> } {
    const scope = listFilterFor(actor);
    const now = this.clock.now();
    const { items, position } = this.readModels.overdueClocks({
      clock: query.clock,
      fundingStream: query.fundingStream,
      dueBefore: new Date(now.getTime() + query.withinHours * HOUR).toISOString(),
      limit: query.limit,
      ...scope,
    });
    return { asOf: now.toISOString(), position, items: items.map((item) => ({ ...item, lateByMs: lateBy(item, now) })) };
  }

  @Get('late-entries')
  @LogsJourneyRead()
  @ApiOperation({
    summary: 'Clocks met, recorded late: missed by the engine, then shown done in time by a later entry',
    description:
      'Each item keeps both figures: the miss (`missedAtRevision`) and the late entry (`recordedLateAtRevision`, `recordedLateAt`), with when the work was done (`stoppedAt`) and when it was due. ' +
      'Only workflow versions whose policy recognises late entries have any. Staff see their organisation’s journeys, the auditor all; people and advocates get 403.',
  })
  lateEntries(@CurrentActor() actor: Actor, @Query() query: ClockListQuery): { position: string; items: LateEntryRow[] } {
    return this.readModels.lateEntries({
      clock: query.clock,
      fundingStream: query.fundingStream,
      limit: query.limit,
      ...listFilterFor(actor),
    });
  }
}
