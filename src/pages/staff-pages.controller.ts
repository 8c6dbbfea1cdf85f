import { ApiExcludeController } from '@nestjs/swagger';
import { Controller, Get, Query, Render } from '@nestjs/common';
import { lateBy } from '../../workflows';
import { listFilterFor } from '../access/access-policy';
import { LogsJourneyRead } from '../access-log/access-log.interceptor';
import type { Actor } from '../auth/actor';
import { CurrentActor } from '../auth/current-actor.decorator';
import { Clock } from '../common/clock';
import { ReadModels } from '../projections/read-models.service';
import { PageController } from './page-guard';
import { caseloadFilters, caseloadLine, filterOptions, overdueLine, type CaseloadLine, type OverdueLine } from './staff-pages';

const PAGE_SIZE = 50;
/** The overdue board shows what is late and what falls due within the week. */
const DUE_WITHIN_MS = 7 * 24 * 3_600_000;
const OVERDUE_SHOWN = 200;

/**
 * The caseload and the overdue board, from the read models, scoped as the API scopes them
 * (listFilterFor: the organisation's journeys for staff, all for auditors, 403 for the rest).
 * Every journey shown is logged as read, as the API's lists are (answer `items`).
 */
@PageController()
@ApiExcludeController()
@Controller('app')
export class StaffPagesController {
  constructor(
    private readonly readModels: ReadModels,
    private readonly clock: Clock,
  ) {}

  @Get('caseload')
  @LogsJourneyRead()
  @Render('caseload')
  caseload(@CurrentActor() actor: Actor, @Query() query: Record<string, unknown>): Record<string, unknown> & { items: CaseloadLine[] } {
    const scope = listFilterFor(actor);
    const filters = caseloadFilters(query);
    const page = this.readModels.listCaseload({ ...filters, ...scope }, { limit: PAGE_SIZE, offset: 0 });
    return {
      items: page.items.map(caseloadLine),
      total: page.total,
      shown: page.items.length,
      options: {
        status: filterOptions('status', filters.status),
        fundingStream: filterOptions('fundingStream', filters.fundingStream),
        route: filterOptions('route', filters.route),
      },
    };
  }

  @Get('overdue')
  @LogsJourneyRead()
  @Render('overdue')
  overdue(@CurrentActor() actor: Actor): { items: OverdueLine[]; asOf: string } {
    const scope = listFilterFor(actor);
    const now = this.clock.now();
    const { items } = this.readModels.overdueClocks({
      clock: undefined,
      fundingStream: undefined,
      dueBefore: new Date(now.getTime() + DUE_WITHIN_MS).toISOString(),
      limit: OVERDUE_SHOWN,
      ...scope,
    });
    return { items: items.map((item) => overdueLine({ ...item, lateByMs: lateBy(item, now) })), asOf: now.toISOString() };
  }
}
