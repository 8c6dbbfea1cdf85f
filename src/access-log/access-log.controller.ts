import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { assertMayAccess, assertMayDo } from '../access';
import type { Actor } from '../auth/actor';
import { CurrentActor } from '../auth/current-actor.decorator';
import { InvalidInputError } from '../errors/domain-errors';
import { JourneyIdPipe } from '../journeys/journey-id.pipe';
import { JourneysService } from '../journeys/journeys.service';
import { AccessLog, type AccessPage } from './access-log';
import { AccessQuery, JourneyAccessQuery } from './access-query.dto';
import { completeness } from './open-access-log';

/** A page of the log, and from when the log is complete (null: from the start). */
type CompletePage = AccessPage & { completeFrom: string | null; notice?: string };

/**
 * Who looked at a journey. Auditors ask across the log by journey or by actor; the person and
 * their appointed advocate ask about their own journey (UK GDPR right of access: who has seen
 * my record). Reading this log is not itself logged: it holds no journey data.
 */
@ApiTags('audit')
@ApiBearerAuth()
@Controller()
export class AccessLogController {
  constructor(
    private readonly accessLog: AccessLog,
    private readonly journeys: JourneysService,
  ) {}

  @Get('audit/access')
  @ApiOperation({ summary: 'Reads of journey data, by journey or by actor (auditors)' })
  async search(@CurrentActor() actor: Actor, @Query() query: AccessQuery): Promise<CompletePage> {
    assertMayDo(actor, 'search the access log');
    if (query.journey === undefined && query.actor === undefined) {
      throw new InvalidInputError([{ field: 'journey', rule: 'journeyOrActor', message: 'give journey=<id> or actor=<id>' }]);
    }
    const page = await this.accessLog.list({
      journeyId: query.journey?.toLowerCase(),
      actorId: query.actor,
      after: query.after,
      limit: query.limit,
    });
    return { ...page, ...completeness(await this.accessLog.resets()) };
  }

  @Get('journeys/:id/access')
  @ApiOperation({ summary: 'Who has read this journey: for the person, their appointed advocate, and auditors' })
  async forJourney(
    @CurrentActor() actor: Actor,
    @Param('id', JourneyIdPipe) id: string,
    @Query() query: JourneyAccessQuery,
  ): Promise<CompletePage & { id: string }> {
    assertMayAccess(actor, await this.journeys.load(id));
    assertMayDo(actor, 'read who has looked at a journey');
    const page = await this.accessLog.list({ journeyId: id, after: query.after, limit: query.limit });
    return { id, ...page, ...completeness(await this.accessLog.resets()) };
  }
}
