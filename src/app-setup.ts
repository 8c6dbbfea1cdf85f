import type { INestApplication } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { Logger as PinoNestLogger } from 'nestjs-pino';
import { AppConfig } from './config/app-config';
import { answerNotModified } from './http/not-modified';
import { readBodies } from './http/request-body';
import { addSecurityHeaders } from './http/security-headers';
import { RequestObserver } from './observability/http/request-observer';
import { AppLogger } from './observability/logging/app-logger';
import { configurePages } from './pages/pages-setup';

export const DOCS_PATH = 'docs';

/** Longest path parameter routed (Fastify's default is 100): a longer id is the id pipe's 400 to give, not a 404. */
const MAX_PARAM_LENGTH = 2_048;

/**
 * The HTTP server: Fastify. `/journeys/` is `/journeys` (as it was on Express). Body parsing is
 * configureApp's (request-body.ts), so Nest's own parsers are off (NEST_APP_OPTIONS).
 */
export function httpAdapter(): FastifyAdapter {
  return new FastifyAdapter({ routerOptions: { ignoreTrailingSlash: true, maxParamLength: MAX_PARAM_LENGTH } });
}

/** For NestFactory.create and createNestApplication, with the adapter above. */
export const NEST_APP_OPTIONS = { bodyParser: false } as const;

/**
 * What cannot be a provider, in one place shared by main.ts and the e2e tests, so that tests run
 * the app production runs. Await it before `app.init()` / `app.listen()`; after `app.init()`, a
 * test also awaits `ready()` (see readyForRequests). Guards, the validation pipe and the exception
 * filter are APP_* providers of AppModule and need nothing here.
 *
 * The order is the order Fastify runs the hooks in: the observer first (every request measured,
 * logged and traced, even one refused before it reaches a route), then the security headers,
 * Cache-Control, the body rules and the pages.
 *
 * CORS stays closed unless CORS_ORIGINS names browser origins: the callers are servers and
 * same-origin tools.
 */
export async function configureApp(nestApp: INestApplication): Promise<NestFastifyApplication> {
  const app = nestApp as NestFastifyApplication;
  const config = app.get(AppConfig);
  observe(app);
  openCorsTo(app, config.corsOrigins);
  const fastify = app.getHttpAdapter().getInstance();
  addSecurityHeaders(fastify, {
    // Swagger UI is served over plain http in development; upgrading its requests would blank it.
    contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
  });
  fastify.addHook('onRequest', forbidStoring);
  fastify.addHook('onSend', answerNotModified);
  await readBodies(fastify);
  await configurePages(app, config);
  // No ETag hashed from every body (Fastify computes none): a journey's ETag is its revision, set
  // by the journey routes themselves, and lists change with every write anyway.
  setUpOpenApi(app);
  app.enableShutdownHooks();
  return app;
}

/** After `app.init()`: Fastify has loaded its plugins, and `app.getHttpServer()` answers requests. */
export async function readyForRequests(app: INestApplication): Promise<void> {
  await (app as NestFastifyApplication).getHttpAdapter().getInstance().ready();
}

/**
 * The request observer settles the correlation id, writes the request line and opens the
 * request's span; Nest's own Logger writes through the same pino (docs/operating.md). GET
 * /metrics is MetricsEndpoint's to add, once the app's routes are in place.
 */
function observe(app: NestFastifyApplication): void {
  app.get(RequestObserver).attachTo(app.getHttpAdapter().getInstance(), app.get(AppLogger));
  app.useLogger(app.get(PinoNestLogger));
}

/**
 * Only the named origins, only what the API uses. Bearer tokens, not cookies, so no credentials:
 * a page on an allowed origin must still hold a token to read anything.
 */
function openCorsTo(app: NestFastifyApplication, origins: readonly string[]): void {
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
export function forbidStoring(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
  if (!PUBLIC_PATHS.test(request.url)) reply.header('Cache-Control', 'no-store');
  done();
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
