import { ApiExcludeController } from '@nestjs/swagger';
import { Body, Controller, Get, Param, Post, Query, Render, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { EventType } from '../../workflows';
import { assertJourneyAccess, assertMayAccess } from '../access';
import { AuditedJourneys, journeyExport } from '../audit/audited-journeys';
import { renderExportHtml } from '../audit/export/export-html';
import { AccessLog } from '../access-log/access-log';
import { LogsJourneyRead } from '../access-log/access-log.interceptor';
import type { Actor } from '../auth/actor';
import { CurrentActor } from '../auth/current-actor.decorator';
import { Clock } from '../common/clock';
import { toErrorAnswer } from '../errors/http-error.filter';
import { JourneyIdPipe } from '../journeys/journey-id.pipe';
import { JourneysService } from '../journeys/journeys.service';
import { journeyPage, READ_LOG_ROLES, type JourneyPage } from './journey-page';
import {
  parseChallenge,
  parsePreference,
  parseReviewRequest,
  PREFERENCE_TOPICS,
  refusalMessages,
  type FormError,
  type Parsed,
} from './journey-forms';
import { EXAMPLE_ADVOCATE, EXAMPLE_APPROVER, EXAMPLE_PERSON } from './example-journey';
import { PageController } from './page-guard';

/** Most reads a page lists under "who has looked at this record". */
const READS_SHOWN = 200;

/** The three forms: their template, the field an engine refusal is shown against, and what the journey page then says. */
const FORMS = {
  preference: {
    view: 'preference-form',
    type: 'PreferenceRecorded',
    firstField: 'topic',
    done: 'Your preference has been recorded, in your words.',
  },
  review: { view: 'review-form', type: 'ReviewRequested', firstField: 'why', done: 'Your request for a review has been recorded.' },
  challenge: {
    view: 'challenge-form',
    type: 'DecisionChallenged',
    firstField: 'decision',
    done: 'Your challenge has been recorded. It must be answered within 28 days.',
  },
} as const satisfies Record<string, { view: string; type: EventType; firstField: string; done: string }>;

type FormName = keyof typeof FORMS;

const EXAMPLE_DONE =
  `Example journey recorded. Sign out, then sign in as the person (subject ${EXAMPLE_PERSON}), ` +
  `the advocate (${EXAMPLE_ADVOCATE}) or an auditor to see it as they do. Its approver is ${EXAMPLE_APPROVER}.`;

interface FormModel {
  page: JourneyPage;
  form: FormName;
  topics: typeof PREFERENCE_TOPICS;
  errors: FormError[];
  values: Record<string, string>;
}

/**
 * A journey's pages for whoever may see it: the record, and the forms of the person and their
 * advocate. Reads go through JourneysService.load and the one access policy (404 where the API
 * answers 404) and are logged by the API's own interceptor; forms record the same facts the API
 * records, as the signed-in actor, and a refusal is shown on the form, not as a failure.
 */
@PageController()
@ApiExcludeController()
@Controller('app/journeys')
export class JourneyPagesController {
  constructor(
    private readonly journeys: JourneysService,
    private readonly accessLog: AccessLog,
    private readonly audited: AuditedJourneys,
    private readonly clock: Clock,
  ) {}

  @Get(':id')
  @LogsJourneyRead()
  @Render('journey')
  async show(
    @CurrentActor() actor: Actor,
    @Param('id', JourneyIdPipe) id: string,
    @Query('done') done?: string,
  ): Promise<{ page: JourneyPage; done: string | null }> {
    const page = await this.page(actor, id);
    return { page, done: done === 'example' ? EXAMPLE_DONE : isFormName(done) ? FORMS[done].done : null };
  }

  @Get(':id/preference')
  @LogsJourneyRead()
  @Render('preference-form')
  async preferenceForm(@CurrentActor() actor: Actor, @Param('id', JourneyIdPipe) id: string): Promise<FormModel> {
    return this.formModel(actor, id, 'preference');
  }

  @Get(':id/review')
  @LogsJourneyRead()
  @Render('review-form')
  async reviewForm(@CurrentActor() actor: Actor, @Param('id', JourneyIdPipe) id: string): Promise<FormModel> {
    return this.formModel(actor, id, 'review');
  }

  @Get(':id/challenge')
  @LogsJourneyRead()
  @Render('challenge-form')
  async challengeForm(@CurrentActor() actor: Actor, @Param('id', JourneyIdPipe) id: string): Promise<FormModel> {
    return this.formModel(actor, id, 'challenge');
  }

  /**
   * A copy of the whole record to keep: the same self-contained HTML file as the API's export
   * (and `npm run audit -- export`), logged as a read like them.
   */
  @Get(':id/copy')
  @LogsJourneyRead()
  async copy(
    @CurrentActor() actor: Actor,
    @Param('id', JourneyIdPipe) id: string,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<string> {
    const journey = await this.audited.read(id);
    assertJourneyAccess(actor, journey.relations);
    const html = renderExportHtml(journeyExport(journey, this.clock.now()));
    response.type('text/html; charset=utf-8').header('Content-Disposition', `attachment; filename="journey-${id}.html"`);
    return html;
  }

  @Post(':id/preference')
  async addPreference(
    @CurrentActor() actor: Actor,
    @Param('id', JourneyIdPipe) id: string,
    @Body() body: Record<string, unknown>,
    @Res() response: FastifyReply,
  ): Promise<void> {
    await this.submit(response, actor, id, 'preference', parsePreference(body));
  }

  @Post(':id/review')
  async askForReview(
    @CurrentActor() actor: Actor,
    @Param('id', JourneyIdPipe) id: string,
    @Body() body: Record<string, unknown>,
    @Res() response: FastifyReply,
  ): Promise<void> {
    await this.submit(response, actor, id, 'review', parseReviewRequest(body, actor));
  }

  @Post(':id/challenge')
  async challenge(
    @CurrentActor() actor: Actor,
    @Param('id', JourneyIdPipe) id: string,
    @Body() body: Record<string, unknown>,
    @Res() response: FastifyReply,
  ): Promise<void> {
    const { page } = await this.formModel(actor, id, 'challenge');
    await this.submit(
      response,
      actor,
      id,
      'challenge',
      parseChallenge(
        body,
        actor,
        page.challengeable.map((choice) => choice.value),
      ),
    );
  }

  private async page(actor: Actor, id: string): Promise<JourneyPage> {
    const journey = await this.journeys.load(id);
    assertMayAccess(actor, journey);
    const reads = READ_LOG_ROLES.includes(actor.role) ? (await this.accessLog.list({ journeyId: id, limit: READS_SHOWN })).entries : null;
    return journeyPage(journey, actor, this.clock.now(), reads);
  }

  private async formModel(
    actor: Actor,
    id: string,
    form: FormName,
    errors: FormError[] = [],
    values: Record<string, string> = {},
  ): Promise<FormModel> {
    return { page: await this.page(actor, id), form, topics: PREFERENCE_TOPICS, errors, values };
  }

  /** Records the fact and goes back to the journey (post, redirect, get); or shows the form again with what to fix. */
  private async submit(response: FastifyReply, actor: Actor, id: string, form: FormName, parsed: Parsed<object>): Promise<void> {
    if (!parsed.ok) return this.showAgain(response, actor, id, form, 400, parsed.errors, parsed.values);
    try {
      await this.journeys.record(id, actor, { type: FORMS[form].type, data: parsed.data });
    } catch (error) {
      const errors = refusalMessages(error, FORMS[form].firstField);
      if (errors === null) throw error;
      return this.showAgain(response, actor, id, form, toErrorAnswer(error).status, errors, parsed.values);
    }
    response.redirect(`/app/journeys/${id}?done=${form}`, 303);
  }

  /**
   * The form again, with the journey it belongs to: that shows the journey's data, so it is
   * logged as a read like any page of the journey (by the route that showed it).
   */
  private async showAgain(
    response: FastifyReply,
    actor: Actor,
    id: string,
    form: FormName,
    status: number,
    errors: FormError[],
    values: Record<string, string>,
  ): Promise<void> {
    const model = await this.formModel(actor, id, form, errors, values);
    await this.accessLog.record([{ at: this.clock.now(), actor, route: `POST /app/journeys/:id/${form}`, detail: null, journeyId: id }]);
    response.status(status).view(FORMS[form].view, model);
  }
}

function isFormName(value: unknown): value is FormName {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(FORMS, value);
}
