import { ApiExcludeController } from '@nestjs/swagger';
import { Controller, Get, Param, Query, Render, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { assertMayDo } from '../access';
import { AccessLog } from '../access-log/access-log';
import { LogsJourneyRead } from '../access-log/access-log.interceptor';
import type { Actor } from '../auth/actor';
import { CurrentActor } from '../auth/current-actor.decorator';
import { AuditedJourneys } from '../audit/audited-journeys';
import { Clock } from '../common/clock';
import { InvalidInputError } from '../errors/domain-errors';
import { JourneyIdPipe } from '../journeys/journey-id.pipe';
import { metadataOf } from '../journeys/journey-records';
import { JourneysService } from '../journeys/journeys.service';
import { accessLine, asOfChoice, atFromDateFields, dateFieldsOf, verificationLines } from './audit-pages';
import { journeyPage, type JourneyPage } from './journey-page';
import { PageController } from './page-guard';
import { RedirectTo } from './page-errors';
import type { FormError } from './journey-forms';

const ACCESS_PAGE = 100;

/**
 * The auditor's pages: a journey's verification (chain and replay, read as the audit API reads
 * it, so a broken record is reported, not a 500), its state at a chosen fact or time, and the
 * access log search. Auditors only, refused on the role before any journey is read.
 */
@PageController()
@ApiExcludeController()
@Controller('app')
export class AuditPagesController {
  constructor(
    private readonly audited: AuditedJourneys,
    private readonly journeys: JourneysService,
    private readonly accessLog: AccessLog,
    private readonly clock: Clock,
  ) {}

  @Get('journeys/:id/audit')
  @LogsJourneyRead()
  @Render('audit')
  async audit(
    @CurrentActor() actor: Actor,
    @Param('id', JourneyIdPipe) id: string,
    @Query() query: Record<string, unknown>,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<Record<string, unknown>> {
    assertMayDo(actor, 'verify a journey');
    const fromDate = atFromDateFields(query);
    // The date fields become `at=`, so the access log keeps the same detail as for the API's /state.
    if (fromDate !== null && 'at' in fromDate) throw new RedirectTo(`/app/journeys/${id}/audit?at=${encodeURIComponent(fromDate.at)}`);
    const verification = (await this.audited.read(id)).replayed.verification;
    const errors: FormError[] = fromDate === null ? [] : [{ field: 'at-day', text: fromDate.error }];
    let asOf: { label: string; page: JourneyPage } | null = null;
    try {
      asOf = await this.stateAt(actor, id, asOfChoice(query));
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      errors.push(
        ...error.details.map((detail) => ({
          field: detail.field === 'revision' ? 'revision' : 'at-day',
          text: plainAsOfError(detail.message),
        })),
      );
    }
    response.status(errors.length > 0 ? 400 : 200);
    return { id, verification: verificationLines(verification), asOf, errors, values: { ...dateFieldsOf(query.at), ...query } };
  }

  @Get('access-log')
  @Render('access-log')
  async accessLogSearch(@CurrentActor() actor: Actor, @Query() query: Record<string, unknown>): Promise<Record<string, unknown>> {
    assertMayDo(actor, 'search the access log');
    const journey = typeof query.journey === 'string' ? query.journey.trim().toLowerCase() : '';
    const who = typeof query.actor === 'string' ? query.actor.trim() : '';
    if (journey === '' && who === '') return { searched: false, values: { journey, actor: who } };
    const page = await this.accessLog.list({ journeyId: journey || undefined, actorId: who || undefined, limit: ACCESS_PAGE });
    return { searched: true, entries: page.entries.map(accessLine), more: page.next !== null, values: { journey, actor: who } };
  }

  /** The journey as it stood then; the clocks as late as they were then, not as they are now (as the API's /state). */
  private async stateAt(
    actor: Actor,
    id: string,
    choice: ReturnType<typeof asOfChoice>,
  ): Promise<{ label: string; page: JourneyPage } | null> {
    if (choice === null) return null;
    const journey = this.journeys.asOf(await this.journeys.load(id), choice);
    const then = choice.at ?? new Date(metadataOf(journey.events[journey.revision]).recordedAt);
    const label = choice.at ? `as the service knew it at ${choice.at.toISOString()}` : `just after fact number ${journey.revision}`;
    return { label, page: journeyPage(journey, actor, then, null) };
  }
}

function plainAsOfError(message: string): string {
  if (message.includes('did not exist yet')) return 'The journey did not exist yet at that point. Choose a later date or fact';
  return message.charAt(0).toUpperCase() + message.slice(1);
}
