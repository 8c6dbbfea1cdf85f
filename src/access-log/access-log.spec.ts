import { Logger, type CallHandler, type ExecutionContext } from '@nestjs/common';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, of } from 'rxjs';
import type { Actor } from '../auth/actor';
import { ManualClock } from '../common/clock';
import { AccessLogUnavailableError } from '../errors/domain-errors';
import { toErrorAnswer } from '../errors/http-error.filter';
import { AccessLog, SqliteAccessLog, accessLogFile, type AccessPage, type NewAccessEntry } from './access-log';
import { AccessLogInterceptor, journeyReadOf } from './access-log.interceptor';

const JOURNEY = '6f1c2b8e-0d7a-4c1e-9d3e-5b0a1f2e3d4c';
const AT = new Date('2026-03-02T18:00:00Z');
const advocate: Actor = { id: 'advocate-1', role: 'advocate' };
const caseWorker: Actor = { id: 'case-worker-1', role: 'case-worker', organisation: 'council-a' };

function read(path: string, extra: { method?: string; query?: Record<string, unknown>; actor?: Actor; id?: string } = {}) {
  return {
    method: extra.method ?? 'GET',
    routeOptions: { url: path },
    params: { id: extra.id ?? JOURNEY.toUpperCase() },
    query: extra.query ?? {},
    actor: 'actor' in extra ? extra.actor : advocate,
  } as unknown as Parameters<typeof journeyReadOf>[0];
}

describe('journeyReadOf: which requests are journey reads', () => {
  it('a GET of a journey route, with who, the route, the journey (lower case) and when', () => {
    expect(journeyReadOf(read('/journeys/:id/history'), AT)).toEqual({
      at: AT,
      actor: advocate,
      route: 'GET /journeys/:id/history',
      detail: null,
      journeyId: JOURNEY,
    });
  });

  it('keeps only the query parameters that say what was read, never anything else a caller sends', () => {
    const entry = journeyReadOf(
      read('/journeys/:id/state', { query: { revision: '5', name: 'Jane Doe', at: '2026-03-01T00:00:00Z' } }),
      AT,
    );
    expect(entry?.detail).toBe('revision=5&at=2026-03-01T00:00:00Z');
  });

  it.each([
    ['a write', read('/journeys/:id/events', { method: 'POST' })],
    ['a list', read('/journeys')],
    ['the access log itself', read('/journeys/:id/access')],
    ['a request with no verified actor', read('/journeys/:id', { actor: undefined })],
  ])('not %s', (_label, request) => {
    expect(journeyReadOf(request, AT)).toBeNull();
  });
});

describe('SqliteAccessLog', () => {
  let dir: string;
  let log: SqliteAccessLog;
  const entry = (actor: Actor, journeyId = JOURNEY): NewAccessEntry => ({
    at: AT,
    actor,
    route: 'GET /journeys/:id',
    detail: null,
    journeyId,
  });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'spe-access-'));
    log = new SqliteAccessLog(join(dir, 'access-log.db'));
  });
  afterEach(async () => {
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists by journey and by actor, in the order read, page by page', async () => {
    await log.record([entry(advocate)]);
    await log.record([entry(caseWorker)]);
    await log.record([entry(advocate, '11111111-1111-4111-8111-111111111111')]);
    await log.record([entry(advocate)]);
    const byJourney = await log.list({ journeyId: JOURNEY, limit: 2 });
    expect(byJourney.entries.map((e) => e.actor)).toEqual([advocate, caseWorker]);
    expect(byJourney.next).toBe(byJourney.entries[1].id);
    const rest = await log.list({ journeyId: JOURNEY, limit: 2, after: byJourney.next as number });
    expect([rest.entries.map((e) => e.id), rest.next]).toEqual([[4], null]);
    const byActor = await log.list({ actorId: 'advocate-1', limit: 10 });
    expect(byActor.entries.map((e) => e.journeyId)).toEqual([JOURNEY, '11111111-1111-4111-8111-111111111111', JOURNEY]);
    expect(byActor.entries[0]).toEqual({
      id: 1,
      at: AT.toISOString(),
      actor: advocate,
      route: 'GET /journeys/:id',
      detail: null,
      journeyId: JOURNEY,
    });
  });

  it('is append-only: the file refuses to change or remove an entry', async () => {
    await log.record([entry(advocate)]);
    const db = new Database(join(dir, 'access-log.db'));
    expect(() => db.prepare("UPDATE access_log SET actor_id = 'someone-else'").run()).toThrow('append-only');
    expect(() => db.prepare('DELETE FROM access_log').run()).toThrow('append-only');
    db.close();
  });

  it('lives beside the event file, or in memory with the memory store', () => {
    expect(accessLogFile({ eventStore: 'sqlite', sqliteFile: '/var/lib/spe/events.db' })).toBe('/var/lib/spe/access-log.db');
    expect(accessLogFile({ eventStore: 'kurrentdb', sqliteFile: './data/events.db' })).toBe('data/access-log.db');
    expect(accessLogFile({ eventStore: 'memory', sqliteFile: './data/events.db' })).toBe(':memory:');
  });
});

describe('AccessLogInterceptor', () => {
  class BrokenLog extends AccessLog {
    async record(): Promise<void> {
      throw Object.assign(new Error(`disk full while writing ${JOURNEY}`), { code: 'SQLITE_FULL' });
    }
    async list(): Promise<AccessPage> {
      return { entries: [], next: null };
    }
    async recordReset(): Promise<void> {}
    async resets(): Promise<[]> {
      return [];
    }
    async close(): Promise<void> {}
  }

  function contextFor(request: unknown): ExecutionContext {
    return { getType: () => 'http', switchToHttp: () => ({ getRequest: () => request }) } as unknown as ExecutionContext;
  }
  const answer: CallHandler = { handle: () => of({ journey: 'data' }) };

  it('logs the read and lets the answer through', async () => {
    const log = new SqliteAccessLog(':memory:');
    const interceptor = new AccessLogInterceptor(log, new ManualClock(AT));
    await expect(lastValueFrom(interceptor.intercept(contextFor(read('/journeys/:id/decisions')), answer))).resolves.toEqual({
      journey: 'data',
    });
    expect((await log.list({ journeyId: JOURNEY, limit: 10 })).entries.map((e) => e.route)).toEqual(['GET /journeys/:id/decisions']);
    await log.close();
  });

  it('refuses the read (503) when it cannot be logged, and says nothing of who or which journey in the application log', async () => {
    const interceptor = new AccessLogInterceptor(new BrokenLog(), new ManualClock(AT));
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      const refusal = lastValueFrom(interceptor.intercept(contextFor(read('/journeys/:id/history')), answer));
      await expect(refusal).rejects.toBeInstanceOf(AccessLogUnavailableError);
      expect(logged.mock.calls).toEqual([['could not record a read: SQLITE_FULL']]);
    } finally {
      logged.mockRestore();
    }
    expect(toErrorAnswer(new AccessLogUnavailableError())).toMatchObject({
      status: 503,
      code: 'AUDIT.ACCESS_LOG_UNAVAILABLE',
      headers: { 'Retry-After': '5' },
    });
  });

  it('lets everything that is not a journey read pass without touching the log', async () => {
    const interceptor = new AccessLogInterceptor(new BrokenLog(), new ManualClock(AT));
    await expect(lastValueFrom(interceptor.intercept(contextFor(read('/workflows')), answer))).resolves.toEqual({ journey: 'data' });
    const emptyList: CallHandler = { handle: () => of({ items: [] }) };
    await expect(lastValueFrom(interceptor.intercept(contextFor(read('/journeys')), emptyList))).resolves.toEqual({ items: [] });
  });

  it('logs a list as a read of each journey it shows, once each', async () => {
    const log = new SqliteAccessLog(':memory:');
    const interceptor = new AccessLogInterceptor(log, new ManualClock(AT));
    const other = '11111111-1111-4111-8111-111111111111';
    const list: CallHandler = { handle: () => of({ items: [{ journeyId: JOURNEY }, { journeyId: other }, { journeyId: JOURNEY }] }) };
    await lastValueFrom(interceptor.intercept(contextFor(read('/clocks/overdue')), list));
    await lastValueFrom(interceptor.intercept(contextFor(read('/journeys')), { handle: () => of({ items: [{ id: other }] }) }));
    expect((await log.list({ journeyId: JOURNEY, limit: 10 })).entries.map((e) => e.route)).toEqual(['GET /clocks/overdue']);
    expect((await log.list({ journeyId: other, limit: 10 })).entries.map((e) => e.route)).toEqual(['GET /clocks/overdue', 'GET /journeys']);
    await log.close();
  });
});
