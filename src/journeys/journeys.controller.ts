import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { assertMayAccess } from '../access';
import type { Actor } from '../auth/actor';
import { Clock } from '../common/clock';
import { CurrentActor } from '../auth/current-actor.decorator';
import { MigrateJourneyBody } from './dto/migrate.dto';
import { OpenJourneyBody, RecordEventBody } from './dto/record-event.dto';
import { StateQuery } from './dto/state-query.dto';
import { HistoryQuery } from './dto/history-query.dto';
import { JourneyIdPipe } from './journey-id.pipe';
import { etagOf, parseIdempotencyKey, parseIfMatch } from './if-match';
import { metadataOf } from './journey-records';
import { historyPage, journeyView, nowOf, type HistoryPage, type JourneyView } from './journey-views';
import { JourneysService, type RecordResult } from './journeys.service';
import { LogsJourneyRead } from '../access-log/access-log.interceptor';
import { ShowsIntegrity } from '../integrity/integrity.interceptor';

/**
 * Thin HTTP edge: headers and params in, the service decides, views out. Every route on one
 * journey checks access on the journey as it is now (reads here with `assertMayAccess`, writes
 * inside the command): 404 to anyone with no relationship to it, whatever they asked.
 */
@ApiTags('journeys')
@ApiBearerAuth()
@Controller('journeys')
export class JourneysController {
  constructor(
    private readonly journeys: JourneysService,
    private readonly clock: Clock,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Open a journey with its ReferralReceived fact' })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  async open(
    @CurrentActor() actor: Actor,
    @Body() body: OpenJourneyBody,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Headers('x-correlation-id') correlationId: string | undefined,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<RecordResult> {
    const result = await this.journeys.open(actor, body, {
      idempotencyKey: parseIdempotencyKey(idempotencyKey),
      correlationId: correlationIdOf(correlationId),
    });
    response.status(201).header('ETag', etagOf(result.revision)).header('Location', `/journeys/${result.id}`);
    return result;
  }

  @Post(':id/events')
  @ApiOperation({ summary: 'Record one fact on a journey, if the workflow allows it now' })
  @ApiHeader({ name: 'If-Match', required: false, description: 'Record only if the journey is still at this revision' })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  async record(
    @CurrentActor() actor: Actor,
    @Param('id', JourneyIdPipe) id: string,
    @Body() body: RecordEventBody,
    @Headers('if-match') ifMatch: string | undefined,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Headers('x-correlation-id') correlationId: string | undefined,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<RecordResult> {
    const options = {
      ifMatch: parseIfMatch(ifMatch),
      idempotencyKey: parseIdempotencyKey(idempotencyKey),
      correlationId: correlationIdOf(correlationId),
    };
    // The command checks the relationship (organisation, person, advocate) on the journey it
    // reads, under the journey's lock; what the role may record is the workflow's.
    const result = await this.journeys.record(id, actor, body, options);
    response.status(201).header('ETag', etagOf(result.revision));
    return result;
  }

  @Post(':id/migrations')
  @ApiOperation({
    summary: 'Move a journey to a later workflow version (approvers, with a reason), if its whole history is valid under it',
  })
  @ApiHeader({ name: 'If-Match', required: false })
  async migrate(
    @CurrentActor() actor: Actor,
    @Param('id', JourneyIdPipe) id: string,
    @Body() body: MigrateJourneyBody,
    @Headers('if-match') ifMatch: string | undefined,
    @Headers('x-correlation-id') correlationId: string | undefined,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<RecordResult> {
    const result = await this.journeys.migrate(id, actor, body, {
      ifMatch: parseIfMatch(ifMatch),
      correlationId: correlationIdOf(correlationId),
    });
    response.status(201).header('ETag', etagOf(result.revision));
    return result;
  }

  @Get(':id')
  @LogsJourneyRead()
  @ShowsIntegrity()
  @ApiOperation({ summary: 'The journey now: state, summary, events allowed for your role' })
  async get(
    @CurrentActor() actor: Actor,
    @Param('id', JourneyIdPipe) id: string,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<JourneyView> {
    // From the cached snapshot and clocks: only what the store holds beyond them is read and folded.
    const journey = await this.journeys.now(id, actor);
    response.header('ETag', etagOf(journey.revision));
    return journeyView(journey, actor.role, this.clock.now());
  }

  @Get(':id/history')
  @LogsJourneyRead()
  @ShowsIntegrity()
  @ApiOperation({ summary: "The facts in pages (`limit`, `after` = the previous page's `next`): who, when, why, and the state after each" })
  async history(@CurrentActor() actor: Actor, @Param('id', JourneyIdPipe) id: string, @Query() query: HistoryQuery): Promise<HistoryPage> {
    const journey = await this.journeys.load(id);
    assertMayAccess(actor, journey);
    return historyPage(journey, query);
  }

  @Get(':id/state')
  @LogsJourneyRead()
  @ShowsIntegrity()
  @ApiOperation({ summary: 'The journey as it stood at a revision, or as the engine knew it at a time' })
  @HttpCode(200)
  async stateAt(
    @CurrentActor() actor: Actor,
    @Param('id', JourneyIdPipe) id: string,
    @Query() query: StateQuery,
  ): Promise<JourneyView & { asOf: { at?: string; revision?: number } }> {
    // Access is judged on the journey now: an advocate withdrawn today may not read last month's state.
    const now = await this.journeys.load(id);
    assertMayAccess(actor, now);
    const journey = this.journeys.asOf(now, { revision: query.revision, at: query.at ? new Date(query.at) : undefined });
    // Clocks are shown as late as they were then, not as they are now.
    const then = query.at ? new Date(query.at) : new Date(metadataOf(journey.events[journey.revision]).recordedAt);
    return { ...journeyView(nowOf(journey), actor.role, then), asOf: { at: query.at, revision: query.revision } };
  }
}

const CORRELATION = /^[A-Za-z0-9._:-]{1,100}$/;

/** A caller's correlation id is kept only if it is a safe token; otherwise one is generated. */
function correlationIdOf(header: string | undefined): string | undefined {
  return header !== undefined && CORRELATION.test(header) ? header : undefined;
}
