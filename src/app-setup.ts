import { INestApplication } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { Logger as PinoNestLogger } from 'nestjs-pino';
import type { IncomingMessage } from 'node:http';
import { AppConfig } from './config/app-config';
import { fromParsingError } from './errors/body-parser-errors';
import { refuseForbiddenKeys } from './errors/forbidden-keys';
import { BodyTooDeepError, UnsupportedMediaTypeError } from './errors/domain-errors';
import { MAX_JSON_DEPTH, exceedsDepth } from './common/json-depth';
import { RequestObserver } from './observability/http/request-observer';
import { AppLogger } from './observability/logging/app-logger';
import { METRICS_PATH, MetricsEndpoint } from './observability/metrics/metrics-endpoint';
import { configurePages, isPageRequest } from './pages/pages-setup';

/** Largest JSON body accepted: a journey event is a few kilobytes; this leaves room, not a lot. */
export const JSON_BODY_LIMIT = '256kb';
export const DOCS_PATH = 'docs';

type Next = (error?: unknown) => void;

const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/**
 * What cannot be a provider, in one place shared by main.ts and the e2e tests, so that tests run
 * the app production runs. Call before `app.init()` / `app.listen()`. Guards, the validation pipe
 * and the exception filter are APP_* providers of AppModule and need nothing here.
 *
 * CORS stays closed unless CORS_ORIGINS names browser origins: the callers are servers and
 * same-origin tools.
 */
export function configureApp(app: INestApplication): INestApplication {
  const expressApp = app as NestExpressApplication;
  observe(expressApp);
  openCorsTo(expressApp, app.get(AppConfig).corsOrigins);
  expressApp.use(
    helmet({
      // Swagger UI is served over plain http in development; upgrading its requests would blank it.
      contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
    }),
  );
  expressApp.use(forbidStoring);
  expressApp.use(requireJsonBody);
  // Registered before Nest's own parsers, so it replaces the default JSON parser (100kb).
  expressApp.useBodyParser('json', { limit: JSON_BODY_LIMIT });
  expressApp.use(translateBodyParserError);
  expressApp.use(refuseDeepBodies);
  expressApp.use(refuseForbiddenKeys);
  configurePages(app, app.get(AppConfig));
  const express = expressApp.getHttpAdapter().getInstance();
  express.disable('x-powered-by');
  // No ETag hashed from every body (a SHA-1 of each answer): a journey's ETag is its revision, set
  // by the journey routes themselves, and lists change with every write anyway.
  express.disable('etag');
  setUpOpenApi(app);
  app.enableShutdownHooks();
  return app;
}

/**
 * First in the chain, so that every request is measured, logged and traced, even one refused
 * before it reaches a route (a body too large, not JSON): the observer settles the correlation id
 * and opens the request's span, pino-http writes the request line, and Nest's own Logger writes
 * through the same pino (docs/operating.md).
 */
function observe(app: NestExpressApplication): void {
  app.use(app.get(RequestObserver).middleware);
  app.use(app.get(AppLogger).http);
  app.useLogger(app.get(PinoNestLogger));
  app.getHttpAdapter().getInstance().get(METRICS_PATH, app.get(MetricsEndpoint).onMainPort);
}

/**
 * Only the named origins, only what the API uses. Bearer tokens, not cookies, so no credentials:
 * a page on an allowed origin must still hold a token to read anything.
 */
function openCorsTo(app: NestExpressApplication, origins: readonly string[]): void {
  if (origins.length === 0) return;
  app.enableCors({
    origin: [...origins],
    methods: ['GET', 'POST'],
    allowedHeaders: ['Authorization', 'Content-Type', 'If-Match', 'Idempotency-Key', 'X-Correlation-Id'],
    exposedHeaders: ['ETag', 'Location', 'Retry-After'],
    credentials: false,
    maxAge: 600,
  });
}

/** Paths whose answers carry no one's data: health checks and the API documentation. */
const PUBLIC_PATHS = /^\/(health|docs)(\/|\?|$)/;

/**
 * `Cache-Control: no-store` on every answer that may carry a person's data (every route but
 * /health and /docs, errors included): no browser, proxy or CDN keeps a copy of someone's record.
 */
export function forbidStoring(request: IncomingMessage, response: { setHeader(name: string, value: string): unknown }, next: Next): void {
  if (!PUBLIC_PATHS.test(request.url ?? '')) response.setHeader('Cache-Control', 'no-store');
  next();
}

/** 415 for a write whose body is not JSON, before any parser looks at it. The pages' forms are the exception. */
export function requireJsonBody(request: IncomingMessage, _response: unknown, next: Next): void {
  if (!isPageRequest(request.url) && METHODS_WITH_BODY.has(request.method ?? '') && hasBody(request) && !isJson(request.headers['content-type'])) {
    next(new UnsupportedMediaTypeError());
    return;
  }
  next();
}

/**
 * Express error middleware (four parameters) right after the JSON parser. Without it Nest turns a
 * JSON SyntaxError into a 400 whose message quotes the body, which may hold personal data.
 */
export function translateBodyParserError(error: unknown, _request: unknown, _response: unknown, next: Next): void {
  next(fromParsingError(error) ?? error);
}

/**
 * 400 for a body nested deeper than MAX_JSON_DEPTH, checked once right after parsing and without
 * recursion, so that nothing later (validation, transformation, hashing) walks it into a stack overflow.
 */
export function refuseDeepBodies(request: IncomingMessage & { body?: unknown }, _response: unknown, next: Next): void {
  next(exceedsDepth(request.body, MAX_JSON_DEPTH) ? new BodyTooDeepError(MAX_JSON_DEPTH) : undefined);
}

function hasBody(request: IncomingMessage): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function isJson(contentType: string | undefined): boolean {
  return contentType !== undefined && /^application\/json\s*(;|$)/i.test(contentType.trim());
}

/** OpenAPI at /docs (UI) and /docs/json, with the bearer scheme every route but /health needs. */
function setUpOpenApi(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('Support-planning engine')
    .setDescription(
      'Event-sourced support planning: every journey is an event stream, the workflow decides what may happen next. ' +
        'Get a token with `npm run -s token -- --sub alice --role case-worker` and use it as a Bearer token.',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    .addSecurityRequirements('bearer')
    .build();
  const document = SwaggerModule.createDocument(app, config);
  SwaggerModule.setup(DOCS_PATH, app, document, { jsonDocumentUrl: `${DOCS_PATH}/json` });
}
