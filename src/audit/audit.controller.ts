import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { WorkflowRegistry } from '../../workflows';
import { assertMayAccess } from '../access';
import type { Actor } from '../auth/actor';
import { CurrentActor } from '../auth/current-actor.decorator';
import { Clock } from '../common/clock';
import { ForbiddenActionError, JourneyNotFoundError } from '../errors/domain-errors';
import { EventStore } from '../event-store/event-store';
import { JourneyIdPipe } from '../journeys/journey-id.pipe';
import { streamIdOf } from '../journeys/journey-records';
import { JourneysService } from '../journeys/journeys.service';
import { renderExportHtml } from './export-html';
import { ExportQuery } from './export-query.dto';
import { buildExport, type JourneyExport } from './journey-export';
import { verifyJourney, type JourneyVerification } from './verify-journey';

@ApiTags('audit')
@ApiBearerAuth()
@Controller('journeys')
export class AuditController {
  constructor(
    private readonly store: EventStore,
    private readonly registry: WorkflowRegistry,
    private readonly journeys: JourneysService,
    private readonly clock: Clock,
  ) {}

  /**
   * Auditors only, refused on the role before the journey is even read (so the 403 says nothing
   * about whether it exists). Reads the stream straight from the store rather than through
   * JourneysService.load, which replays and would fail on exactly the journeys this must report.
   */
  @Get(':id/verify')
  @ApiOperation({ summary: 'Chain checked link by link and the workflow replayed on its pinned version (auditors)' })
  async verify(@CurrentActor() actor: Actor, @Param('id', JourneyIdPipe) id: string): Promise<JourneyVerification> {
    if (actor.role !== 'auditor') throw new ForbiddenActionError(actor.role, 'verify a journey');
    const events = await this.store.readStream(streamIdOf(id));
    if (events.length === 0) throw new JourneyNotFoundError(id);
    return verifyJourney(events, this.registry);
  }

  @Get(':id/export')
  @ApiOperation({ summary: 'The whole journey as one self-contained file to keep: JSON, or standalone HTML (`?format=html`)' })
  async export(
    @CurrentActor() actor: Actor,
    @Param('id', JourneyIdPipe) id: string,
    @Query() query: ExportQuery,
    @Res({ passthrough: true }) response: Response,
  ): Promise<JourneyExport | string> {
    const journey = await this.journeys.load(id);
    assertMayAccess(actor, journey);
    const document = buildExport(journey.events, this.registry, this.clock.now());
    response.setHeader('Content-Disposition', `attachment; filename="journey-${id}.${query.format}"`);
    if (query.format === 'json') return document;
    response.type('html');
    return renderExportHtml(document);
  }
}
