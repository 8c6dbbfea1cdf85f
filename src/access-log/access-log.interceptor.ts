/**
 * Logs every successful read of a journey's data, after the handler answered and before the
 * answer leaves: a read that cannot be logged is refused (503), never answered unrecorded. A list
 * logs one entry for each journey it shows, in one transaction.
 *
 * An interceptor on the routes that show journey data (`@LogsJourneyRead()`), which the lists
 * below name; test/e2e/access-log-coverage.e2e-spec.ts fails for any GET route that is neither
 * decorated and listed nor named there as showing no journey data, so a new route cannot forget it.
 */
import { Injectable, Logger, UseInterceptors, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { mergeMap, type Observable } from 'rxjs';
import type { Actor } from '../auth/actor';
import { Clock } from '../common/clock';
import { AccessLogUnavailableError } from '../errors/domain-errors';
import { AccessLog, type NewAccessEntry } from './access-log';

/** The routes that read one journey's data. A new read route on a journey belongs here. */
export const JOURNEY_READ_ROUTES: readonly string[] = [
  '/journeys/:id',
  '/journeys/:id/history',
  '/journeys/:id/state',
  '/journeys/:id/decisions',
  '/journeys/:id/preferences',
  '/journeys/:id/verify',
  '/journeys/:id/export',
  // The pages (src/pages): each shows the journey's data as the API's reads do.
  '/app/journeys/:id',
  '/app/journeys/:id/preference',
  '/app/journeys/:id/review',
  '/app/journeys/:id/challenge',
  '/app/journeys/:id/audit',
  '/app/journeys/:id/workflow',
  '/app/journeys/:id/copy',
];

/**
 * The routes that list several journeys' data (state, clocks, decisions): each journey an answer
 * shows is a read of that journey, logged as such, so a person's "who read my record" includes
 * the caseload lists their journey appeared on.
 */
export const JOURNEY_LIST_ROUTES: readonly string[] = [
  '/journeys',
  '/decisions',
  '/clocks/overdue',
  '/clocks/late-entries',
  '/app/caseload',
  '/app/overdue',
];

/** Query parameters that say what was read; anything else a caller adds is not kept (it could be anything). */
const DETAIL_PARAMETERS = ['revision', 'at', 'format'];

type ReadRequest = Pick<FastifyRequest, 'method'> & {
  params?: Record<string, unknown>;
  query?: Record<string, unknown>;
  routeOptions?: { url?: unknown };
  actor?: Actor;
};

/**
 * A HEAD is a read like a GET (Fastify answers it with the GET route, minus the body): it tells
 * whether the journey exists and its revision, so it is logged as `HEAD <route>`.
 */
const READ_METHODS = ['GET', 'HEAD'];

/** The log entry for a request, or null when it is not a journey read (or has no verified actor). */
export function journeyReadOf(request: ReadRequest, at: Date): NewAccessEntry | null {
  const path = typeof request.routeOptions?.url === 'string' ? request.routeOptions.url : undefined;
  if (!READ_METHODS.includes(request.method) || path === undefined || !JOURNEY_READ_ROUTES.includes(path)) return null;
  const journeyId = request.params?.id;
  if (!request.actor || typeof journeyId !== 'string') return null;
  const route = `${request.method} ${path}`;
  return { at, actor: request.actor, route, detail: detailOf(request.query), journeyId: journeyId.toLowerCase() };
}

/** One entry per journey a list answer shows (its items' `id` or `journeyId`), or none for other routes. */
export function journeyListReadsOf(request: ReadRequest, answer: unknown, at: Date): NewAccessEntry[] {
  const path = typeof request.routeOptions?.url === 'string' ? request.routeOptions.url : undefined;
  if (!READ_METHODS.includes(request.method) || path === undefined || !JOURNEY_LIST_ROUTES.includes(path) || !request.actor) return [];
  const items = (answer as { items?: unknown } | null)?.items;
  if (!Array.isArray(items)) return [];
  const ids = new Set(
    items
      .map((item: { id?: unknown; journeyId?: unknown }) => item?.journeyId ?? item?.id)
      .filter((id): id is string => typeof id === 'string'),
  );
  const actor = request.actor;
  return [...ids].map((journeyId) => ({ at, actor, route: `${request.method} ${path}`, detail: null, journeyId: journeyId.toLowerCase() }));
}

function detailOf(query: ReadRequest['query']): string | null {
  const parts = DETAIL_PARAMETERS.flatMap((name) => {
    const value = query?.[name];
    return typeof value === 'string' ? [`${name}=${value.slice(0, 40)}`] : [];
  });
  return parts.length === 0 ? null : parts.join('&');
}

@Injectable()
export class AccessLogInterceptor implements NestInterceptor {
  private readonly logger = new Logger('AccessLog');

  constructor(
    private readonly accessLog: AccessLog,
    private readonly clock: Clock,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<ReadRequest>();
    return next.handle().pipe(
      mergeMap(async (answer: unknown) => {
        const at = this.clock.now();
        const single = journeyReadOf(request, at);
        const entries = single ? [single] : journeyListReadsOf(request, answer, at);
        if (entries.length > 0) await this.record(entries);
        return answer;
      }),
    );
  }

  private async record(entries: readonly NewAccessEntry[]): Promise<void> {
    try {
      await this.accessLog.record(entries);
    } catch (error) {
      // The code only: the entry holds who read which journey, which is not for the application log.
      this.logger.error(`could not record a read: ${(error as { code?: string }).code ?? (error as Error).name}`);
      throw new AccessLogUnavailableError();
    }
  }
}

/**
 * Logs the route's reads. Per route, not global: a global interceptor puts Nest's interceptor
 * chain (rxjs, an AsyncResource per request) on every request, commands included, and that cost
 * about a fifth of a command's time in the append bench.
 */
export const LogsJourneyRead = () => UseInterceptors(AccessLogInterceptor);
