import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { assertJourneyAccess, assertMayDo } from '../../access';
import type { Actor } from '../../auth/actor';
import { CurrentActor } from '../../auth/current-actor.decorator';
import { Clock } from '../../common/clock';
import { JourneyIdPipe } from '../../journeys/journey-id.pipe';
import { AuditedJourneys } from '../audited-journeys';
import { ExportBuilder } from '../export/export-builder';
import { ExportQuery } from './export-query.dto';
import type { JourneyExport } from '../export/journey-export';
import type { JourneyVerification } from '../verify/verify-journey';
import { LogsJourneyRead } from '../../access-log/access-log.interceptor';
import { ShowsIntegrity } from '../../integrity/integrity.interceptor';
import { ConcurrencyLimit } from '../../common/concurrency-limit';
import { ServiceBusyError } from '../../errors/domain-errors';

/**
 * Exports built at once, and waiting: an export replays, hashes and renders a whole journey (on
 * the export worker, or on the request thread for a store that is not an SQLite file), so forty
 * at once would hold a core, or the event loop, for seconds. Past the queue, 503 with Retry-After:
 * the client tries again, the service keeps answering.
 */
export const EXPORT_LIMITS = { running: 1, waiting: 8 };
const EXPORT_RETRY_AFTER_SECONDS = 2;

/** Both routes read through AuditedJourneys: a journey whose record breaks is reported, never a 500. */
@ApiTags('audit')
@ApiBearerAuth()
@Controller('journeys')
export class AuditController {
  private readonly exports = new ConcurrencyLimit(EXPORT_LIMITS, () => new ServiceBusyError('exports', EXPORT_RETRY_AFTER_SECONDS));

  constructor(
    private readonly journeys: AuditedJourneys,
    private readonly builder: ExportBuilder,
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
  @ShowsIntegrity()
  @ApiOperation({ summary: 'The whole journey as one self-contained file to keep: JSON, or standalone HTML (`?format=html`)' })
  async export(
    @CurrentActor() actor: Actor,
    @Param('id', JourneyIdPipe) id: string,
    @Query() query: ExportQuery,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<JourneyExport | string> {
    return this.exports.run(async () => {
      const body = await this.builder.build(id, query.format, this.clock.now(), (relations) => assertJourneyAccess(actor, relations));
      response.header('Content-Disposition', `attachment; filename="journey-${id}.${query.format}"`);
      if (query.format === 'html') response.type('text/html; charset=utf-8');
      return body;
    });
  }
}
