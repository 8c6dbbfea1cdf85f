/**
 * What the pages need from the HTTP server itself, called from configureApp so tests run what
 * production runs: Nunjucks with the GOV.UK Frontend templates, the design system's assets, the
 * session cookie and its CSRF token, and the form parser.
 */
import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { dirname, join } from 'node:path';
import nunjucks from 'nunjucks';
import type { AppConfig } from '../config/app-config';
import { provideCsrfToken, sessionMiddleware } from './page-session';

export const PAGES_PATH = '/app';
/** Where GOV.UK Frontend's compiled CSS expects its fonts and images (`/assets/fonts/...`). */
export const ASSETS_PATH = '/assets';
const FORM_BODY_LIMIT = '64kb';

/** node_modules/govuk-frontend/dist: holds `govuk/template.njk`, the component macros and the assets. */
function govukFrontendDist(): string {
  return dirname(dirname(require.resolve('govuk-frontend')));
}

/** A page's own request (its forms are not JSON, and must not be refused as such). */
export function isPageRequest(url: string | undefined): boolean {
  return url === PAGES_PATH || (url?.startsWith(`${PAGES_PATH}/`) ?? false) || (url?.startsWith(`${PAGES_PATH}?`) ?? false);
}

export function configurePages(app: INestApplication, config: AppConfig): void {
  const expressApp = app as NestExpressApplication;
  const dist = govukFrontendDist();
  const views = join(__dirname, 'views');
  const env = nunjucks.configure([views, dist], { autoescape: true, express: expressApp.getHttpAdapter().getInstance(), throwOnUndefined: false });
  env.addGlobal('serviceName', 'Support planning');
  env.addGlobal('errorList', errorList);
  env.addGlobal('errorFor', errorFor);
  expressApp.setViewEngine('njk');
  expressApp.useStaticAssets(join(dist, 'govuk', 'assets'), { prefix: ASSETS_PATH, index: false, maxAge: '1d' });
  expressApp.useStaticAssets(join(dist, 'govuk'), { prefix: `${ASSETS_PATH}/govuk`, index: false, maxAge: '1d' });
  expressApp.useBodyParser('urlencoded', { extended: false, limit: FORM_BODY_LIMIT });
  expressApp.use(PAGES_PATH, sessionMiddleware(config), provideCsrfToken, noStore);
}

/** Pages show personal data: no browser or proxy keeps a copy. */
function noStore(_request: Request, response: Response, next: NextFunction): void {
  response.setHeader('Cache-Control', 'no-store');
  next();
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
