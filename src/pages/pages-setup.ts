/**
 * What the pages need from the HTTP server itself, called from configureApp so tests run what
 * production runs: Nunjucks with the GOV.UK Frontend templates, the design system's assets, the
 * session cookie and its CSRF token.
 */
import fastifyCookie from '@fastify/cookie';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { dirname, join } from 'node:path';
import nunjucks from 'nunjucks';
import type { AppConfig } from '../config/app-config';
import { loadSession, sessionSaver } from './page-session';

export const PAGES_PATH = '/app';
/** Where GOV.UK Frontend's compiled CSS expects its fonts and images (`/assets/fonts/...`). */
export const ASSETS_PATH = '/assets';

/** node_modules/govuk-frontend/dist: holds `govuk/template.njk`, the component macros and the assets. */
function govukFrontendDist(): string {
  return dirname(dirname(require.resolve('govuk-frontend')));
}

/** A page's own request (its forms are not JSON, and must not be refused as such). */
export function isPageRequest(url: string | undefined): boolean {
  return url === PAGES_PATH || (url?.startsWith(`${PAGES_PATH}/`) ?? false) || (url?.startsWith(`${PAGES_PATH}?`) ?? false);
}

/**
 * Registers the session cookie's signing, the view engine (Nunjucks, whose `reply.locals` every
 * template sees), the design system's assets and the hooks that load and save the session on the
 * pages' requests. The form parser is the request-body module's (it knows every body limit).
 */
export async function configurePages(app: NestFastifyApplication, config: AppConfig): Promise<void> {
  const dist = govukFrontendDist();
  await app.register(fastifyCookie, { secret: config.sessionSecret });
  app.setViewEngine({
    engine: { nunjucks },
    templates: [join(__dirname, 'views'), dist],
    options: { autoescape: true, throwOnUndefined: false, onConfigure: addGlobals },
  });
  // Two roots under one prefix: the second registration must not decorate the reply again.
  app.useStaticAssets({ root: join(dist, 'govuk', 'assets'), prefix: `${ASSETS_PATH}/`, index: false, maxAge: '1d' });
  app.useStaticAssets({ root: join(dist, 'govuk'), prefix: `${ASSETS_PATH}/govuk/`, index: false, maxAge: '1d', decorateReply: false });
  const fastify = app.getHttpAdapter().getInstance();
  fastify.decorateRequest('session', null);
  fastify.addHook('preHandler', onPages(loadSession));
  fastify.addHook('preHandler', onPages(noStore));
  fastify.addHook('onSend', sessionSaver(config.publicUrl));
}

function addGlobals(env: nunjucks.Environment): void {
  env.addGlobal('serviceName', 'Support planning');
  env.addGlobal('errorList', errorList);
  env.addGlobal('errorFor', errorFor);
}

type Hook = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void;

/** A hook for the pages' requests only. */
function onPages(hook: Hook): Hook {
  return (request, reply, done) => (isPageRequest(request.url) ? hook(request, reply, done) : done());
}

/** Pages show personal data: no browser or proxy keeps a copy. */
function noStore(_request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
  reply.header('Cache-Control', 'no-store');
  done();
}

interface FieldError {
  field: string;
  text: string;
}

/** The error summary's list: each message links to its field. */
function errorList(errors: readonly FieldError[] | undefined): Array<{ text: string; href: string }> {
  return (errors ?? []).map((error) => ({ text: error.text, href: `#${error.field}` }));
}

/** A field's error as the GOV.UK macros take it (`errorMessage`), or undefined when it has none. */
function errorFor(errors: readonly FieldError[] | undefined, field: string): { text: string } | undefined {
  const error = (errors ?? []).find((candidate) => candidate.field === field);
  return error === undefined ? undefined : { text: error.text };
}
