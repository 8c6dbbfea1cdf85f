/**
 * Every read of journey data is logged because every route that shows journey data carries the
 * access log's interceptor, and this test is what keeps that true: it lists every route the app
 * registers and fails for a GET route that is neither a listed journey read (decorated with
 * @LogsJourneyRead()) nor named below as showing no journey data. Commands carry no interceptor:
 * the chain costs every request it is on (see LogsJourneyRead).
 */
import { RequestMethod, type Type } from '@nestjs/common';
import { INTERCEPTORS_METADATA, METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import { AccessLogInterceptor, JOURNEY_LIST_ROUTES, JOURNEY_READ_ROUTES } from '../../src/access-log/access-log.interceptor';
import { startApp, type TestApp } from '../support/test-app';

/** GET routes that show no journey's data, and why. A new one belongs here only if that is true. */
const NO_JOURNEY_DATA: Record<string, string> = {
  'GET /health': 'liveness and readiness of the service',
  'GET /health/live': 'liveness of the process',
  'GET /auth/whoami': "the caller's own token",
  'GET /workflows': 'the workflow definitions',
  'GET /workflows/:id/:version': 'one workflow definition',
  'GET /audit/access': 'the access log itself: reading it is not logged',
  'GET /journeys/:id/access': 'the access log itself: reading it is not logged',
  'GET /app': 'the pages: the start page, for the signed-in role',
  'GET /app/go': 'the pages: a redirect to the record whose reference was typed',
  'GET /app/sign-in': 'the pages: signing in',
  'GET /app/sign-in/oidc': 'the pages: a redirect to the identity provider',
  'GET /app/auth/callback': 'the pages: the identity provider sending the browser back',
  'GET /app/access-log': 'the pages: the access log itself, as GET /audit/access',
  'GET /app/workflows/:id/:version': 'the pages: one workflow definition, as GET /workflows/:id/:version',
};

interface Route {
  route: string;
  logged: boolean;
}

function joinPath(...parts: Array<string | undefined>): string {
  const segments = parts.flatMap((part) => String(part ?? '').split('/')).filter((segment) => segment !== '');
  return `/${segments.join('/')}`;
}

function routesOf(controller: Type): Route[] {
  const prefix = Reflect.getMetadata(PATH_METADATA, controller) as string | undefined;
  const onClass = (Reflect.getMetadata(INTERCEPTORS_METADATA, controller) as unknown[] | undefined) ?? [];
  const prototype = controller.prototype as Record<string, unknown>;
  return Object.getOwnPropertyNames(prototype)
    .map((name) => prototype[name])
    .filter((handler): handler is object => typeof handler === 'function' && Reflect.hasMetadata(PATH_METADATA, handler))
    .map((handler) => {
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
      const onHandler = (Reflect.getMetadata(INTERCEPTORS_METADATA, handler) as unknown[] | undefined) ?? [];
      return {
        route: `${method} ${joinPath(prefix, Reflect.getMetadata(PATH_METADATA, handler))}`,
        logged: [...onClass, ...onHandler].includes(AccessLogInterceptor),
      };
    });
}

describe('which routes write to the access log', () => {
  let t: TestApp;
  let routes: Route[];
  const journeyReads = [...JOURNEY_READ_ROUTES, ...JOURNEY_LIST_ROUTES].map((path) => `GET ${path}`);

  beforeAll(async () => {
    t = await startApp();
    const controllers = [...t.app.get(ModulesContainer).values()].flatMap((module) =>
      [...module.controllers.values()].map((wrapper) => wrapper.metatype as Type),
    );
    routes = controllers.flatMap(routesOf);
  });
  afterAll(() => t.close());

  it('finds the routes (or the checks below prove nothing)', () => {
    expect(routes.length).toBeGreaterThan(15);
    expect(routes.map((r) => r.route)).toEqual(expect.arrayContaining(['POST /journeys/:id/events', 'GET /journeys/:id/history']));
  });

  it('puts the interceptor on every listed journey read, and every listed read exists', () => {
    for (const read of journeyReads) expect([read, routes.find((r) => r.route === read)?.logged]).toEqual([read, true]);
  });

  it('names every other GET route as showing no journey data, and logs none of them', () => {
    const others = routes.filter((r) => r.route.startsWith('GET ') && !journeyReads.includes(r.route));
    expect(others.map((r) => r.route).sort()).toEqual(Object.keys(NO_JOURNEY_DATA).sort());
    expect(others.filter((r) => r.logged)).toEqual([]);
  });

  it('puts no interceptor on commands', () => {
    expect(routes.filter((r) => !r.route.startsWith('GET ') && r.logged)).toEqual([]);
  });
});
