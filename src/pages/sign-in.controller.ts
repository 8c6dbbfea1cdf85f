import { ApiExcludeController } from '@nestjs/swagger';
import { Body, Controller, Get, NotFoundException, Post, Query, Render, Req, Res } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { ROLES, isInternalRole, isRole, type Actor } from '../auth/actor';
import { AppConfig } from '../config/app-config';
import { validate as isUuid } from 'uuid';
import { CurrentActor } from '../auth/current-actor.decorator';
import { Clock } from '../common/clock';
import { ForbiddenActionError } from '../errors/domain-errors';
import { JourneysService } from '../journeys/journeys.service';
import { recordExampleJourney } from './example-journey';
import { OidcSignIn } from './oidc';
import { OpenToAnyone, PageController } from './page-guard';
import { safeReturnPath, type PageRequest } from './page-session';
import { roleName } from './plain-english';

/** The roles a person may sign in as on the development page (`system` is the engine's own). */
const SIGN_IN_ROLES = ROLES.filter((role) => !isInternalRole(role)).map((role) => ({ value: role, text: roleName(role) }));

interface SignInPage {
  devSignIn: boolean;
  oidc: boolean;
  roles: typeof SIGN_IN_ROLES;
  errors: Array<{ field: string; text: string }>;
  values: Record<string, string>;
}

/**
 * Signing in and out, and the start page. In development (never in production) a page picks a
 * role and subject, so `npm start` and a browser are enough to try every role; with
 * OIDC_ISSUER_URL set, sign-in goes to the identity provider (OidcController).
 */
@PageController()
@ApiExcludeController()
@Controller('app')
export class SignInController {
  constructor(
    private readonly config: AppConfig,
    private readonly oidc: OidcSignIn,
    private readonly journeys: JourneysService,
    private readonly clock: Clock,
  ) {}

  /** Off to the identity provider, with a fresh state, nonce and PKCE verifier kept in the session. */
  @Get('sign-in/oidc')
  @OpenToAnyone()
  async startOidc(@Req() request: PageRequest, @Res() response: FastifyReply): Promise<void> {
    const { url, pending } = await this.oidc.start();
    request.session = { ...(request.session ?? {}), oidc: pending };
    response.redirect(url, 303);
  }

  @Get('auth/callback')
  @OpenToAnyone()
  async oidcCallback(@Req() request: PageRequest, @Query() query: Record<string, unknown>, @Res() response: FastifyReply): Promise<void> {
    const pending = request.session?.oidc;
    if (request.session) delete request.session.oidc;
    signIn(request, response, await this.oidc.finish(query, pending));
  }

  @Get()
  @Render('home')
  home(
    @Req() request: PageRequest,
    @Query('reference') reference: unknown,
  ): { actor: Actor; invalidReference: boolean; offerExample: boolean } {
    const actor = request.actor as Actor;
    return { actor, invalidReference: reference === 'invalid', offerExample: this.config.devSignIn && actor.role === 'case-worker' };
  }

  /** Development only: an example journey to walk through (see example-journey.ts). */
  @Post('example-journey')
  async exampleJourney(@CurrentActor() actor: Actor, @Res() response: FastifyReply): Promise<void> {
    if (!this.config.devSignIn) throw new NotFoundException();
    if (actor.role !== 'case-worker') throw new ForbiddenActionError(actor.role, 'create an example journey');
    const id = await recordExampleJourney(this.journeys, actor, this.clock.now());
    response.redirect(`/app/journeys/${id}?done=example`, 303);
  }

  /** "Go to a record": a person or advocate reaches a journey by its reference. */
  @Get('go')
  go(@Query('reference') reference: unknown, @Res() response: FastifyReply): void {
    const id = typeof reference === 'string' ? reference.trim().toLowerCase() : '';
    response.redirect(isUuid(id) ? `/app/journeys/${id}` : '/app?reference=invalid', 303);
  }

  @Get('sign-in')
  @OpenToAnyone()
  @Render('sign-in')
  signInPage(): SignInPage {
    return this.signInModel([], {});
  }

  @Post('sign-in/dev')
  @OpenToAnyone()
  devSignIn(@Req() request: PageRequest, @Body() body: Record<string, unknown>, @Res() response: FastifyReply): void {
    if (!this.config.devSignIn) throw new NotFoundException();
    const values = { role: field(body, 'role'), subject: field(body, 'subject'), organisation: field(body, 'organisation') };
    const errors: SignInPage['errors'] = [];
    if (!isRole(values.role) || isInternalRole(values.role)) errors.push({ field: 'role', text: 'Select who you are signing in as' });
    if (!/^[A-Za-z0-9._@:-]{1,200}$/.test(values.subject))
      errors.push({ field: 'subject', text: 'Enter a subject: letters, numbers, dots, dashes or @, no spaces' });
    if (values.organisation !== '' && !/^[A-Za-z0-9._:-]{1,200}$/.test(values.organisation))
      errors.push({ field: 'organisation', text: 'Enter an organisation: letters, numbers, dots or dashes, no spaces' });
    if (errors.length > 0) {
      response.status(400).view('sign-in', this.signInModel(errors, values));
      return;
    }
    const actor: Actor = {
      id: values.subject,
      role: values.role as Actor['role'],
      ...(values.organisation ? { organisation: values.organisation } : {}),
    };
    signIn(request, response, actor);
  }

  @Post('sign-out')
  @OpenToAnyone()
  signOut(@Req() request: PageRequest, @Res() response: FastifyReply): void {
    request.session = null;
    response.redirect('/app/sign-in', 303);
  }

  private signInModel(errors: SignInPage['errors'], values: Record<string, string>): SignInPage {
    return { devSignIn: this.config.devSignIn, oidc: this.config.oidc !== undefined, roles: SIGN_IN_ROLES, errors, values };
  }
}

/**
 * Starts the signed-in session and goes where the visitor was heading. The CSRF token is
 * replaced, so a token seen before signing in is worth nothing after.
 */
export function signIn(request: PageRequest, response: FastifyReply, actor: Actor): void {
  const returnTo = safeReturnPath(request.session?.returnTo);
  request.session = { actor, csrfToken: randomBytes(32).toString('base64url') };
  response.redirect(returnTo, 303);
}

function field(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  return typeof value === 'string' ? value.trim() : '';
}
