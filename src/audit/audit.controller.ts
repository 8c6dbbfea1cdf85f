import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { assertJourneyAccess, assertMayDo } from '../access';
import type { Actor } from '../auth/actor';
import { CurrentActor } from '../auth/current-actor.decorator';
import { Clock } from '../common/clock';
import { JourneyIdPipe } from '../journeys/journey-id.pipe';
import { AuditedJourneys, journeyExport } from './audited-journeys';
import { renderExportHtml } from './export-html';
import { ExportQuery } from './export-query.dto';
import type { JourneyExport } from './journey-export';
import type { JourneyVerification } from './verify-journey';
import { LogsJourneyRead } from '../access-log/access-log.interceptor';

/** Both routes read through AuditedJourneys: a journey whose record breaks is reported, never a 500. */
@ApiTags('audit')
@ApiBearerAuth()
@Controller('journeys')
export class AuditController {
  constructor(
    private readonly journeys: AuditedJourneys,
    private readonly clock: Clock,
  ) {}

  /** Auditors only, refused on the role before the journey is even read (so the 403 says nothing about whether it exists). */
  @Get(':id/verify')
  @LogsJourneyRead()
  @ApiOperation({ summary: 'Chain checked link by link and the workflow replayed on its pinned version (auditors)' })
  async verify(@CurrentActor() actor: Actor, @Param('id', JourneyIdPipe) id: string): Promise<JourneyVerification> {
    assertMayDo(actor, 'verify a journey');
    return (await this.journeys.read(id)).replayed.verification;
  }

  @Get(':id/export')
  @LogsJourneyRead()
  @ApiOperation({ summary: 'The whole journey as one self-contained file to keep: JSON, or standalone HTML (`?format=html`)' })
  async export(
    @CurrentActor() actor: Actor,
    @Param('id', JourneyIdPipe) id: string,
    @Query() query: ExportQuery,
    @Res({ passthrough: true }) response: Response,
  ): Promise<JourneyExport | string> {
    const journey = await this.journeys.read(id);
    assertJourneyAccess(actor, journey.relations);
    const document = journeyExport(journey, this.clock.now());
    response.setHeader('Content-Disposition', `attachment; filename="journey-${id}.${query.format}"`);
    if (query.format === 'json') return document;
    response.type('html');
    return renderExportHtml(document);
  }
}
