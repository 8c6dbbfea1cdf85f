/**
 * Bad input to the read side, generated: every GET route with a query string made of its own
 * parameters (and strangers) set to odd values (huge and negative numbers, exponents, dates in
 * forms JavaScript misreads, empty strings, repeats, unicode). Every answer must be a 200 or a
 * readable 4xx; never a 5xx.
 */
import fc from 'fast-check';
import { ManualClock } from '../../src/common/clock';
import { isPosition } from '../../src/projections/position.validator';
import { fact } from '../../workflows/testing/facts';
import { bearer, startApp, type TestApp } from '../support/test-app';

const RUNS_PER_ROUTE = 100;
/**
 * The sweep below is a fixed 5,460 requests: on a slow or busy machine it needs more than jest's
 * default. A bound against a hang, not a speed check.
 */
const SWEEP_TIMEOUT_MS = 240_000;

/** The parameters the read routes know, so that generated queries reach their validation. */
const PARAMETERS = [
  'limit',
  'offset',
  'after',
  'waitMs',
  'state',
  'step',
  'status',
  'fundingStream',
  'route',
  'clock',
  'withinHours',
  'type',
  'challenged',
  'journey',
  'actor',
  'revision',
  'at',
  'format',
  'journeyId',
  'againstPreference',
];

/** Values that have broken read routes before, or would: each is also swept alone over every parameter below. */
const ODD_VALUES = [
  '1e20',
  '1e300',
  '-1',
  '0',
  '9007199254740993',
  'NaN',
  'Infinity',
  '0x10',
  '1.5',
  '',
  ' ',
  'true',
  'null',
  '[]',
  '{}',
  '2026-W01-1',
  '2026-005',
  '2026-01-05T09:00:00',
  '2026-02-30T09:00:00Z',
  '2026-01-05T09:00:00Z',
  '99999-01-01T00:00:00Z',
];

/** Numbers in every form a client or a fuzzer writes them: huge, negative, exponents, fractions, hex, beyond 64 bits. */
const oddNumber = fc.oneof(
  fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }).map(String),
  fc.bigInt({ min: 2n ** 53n, max: 2n ** 70n }).map(String),
  fc.tuple(fc.integer({ min: -9, max: 9 }), fc.integer({ min: -400, max: 400 })).map(([mantissa, exponent]) => `${mantissa}e${exponent}`),
  fc.double().map(String),
  fc.nat().map((n) => `0x${n.toString(16)}`),
);

const oddValue = fc.oneof(
  fc.constantFrom(...ODD_VALUES),
  oddNumber,
  fc.constantFrom(
    'open',
    'closed',
    'open.assessment',
    'nhs-chc',
    'fast-track',
    'assessment-completed',
    'json',
    'html',
    'SupportPlanApproved',
  ),
  fc.integer({ min: -1_000_000, max: 1_000_000 }).map(String),
  fc.string({ maxLength: 30 }),
  fc.uuid(),
);

const query = fc
  .array(fc.tuple(fc.oneof(fc.constantFrom(...PARAMETERS), fc.string({ minLength: 1, maxLength: 10 })), oddValue), { maxLength: 5 })
  .map((pairs) => pairs.map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`).join('&'));

/**
 * A 2xx, or a 4xx with a message; the one 5xx a read may give is the read model's documented lag,
 * and only for an `after` a store could reach (a position past any store's range is a 400).
 */
function isReadableAnswer(response: { status: number; body: { error?: unknown; message?: unknown } }, search: string): boolean {
  if (response.status < 400) return true;
  if (typeof response.body.message !== 'string') return false;
  if (response.status < 500) return true;
  const after = new URLSearchParams(search).get('after');
  return response.status === 503 && response.body.error === 'READ_MODEL.LAGGING' && isPosition(after);
}

describe('bad queries to every read route', () => {
  let t: TestApp;
  let auditor: string;
  let caseWorker: string;
  let id: string;
  const statuses = new Map<number, number>();

  beforeAll(async () => {
    // The read limit is not what this test is about: lift it so every request reaches validation.
    t = await startApp({ clock: new ManualClock(new Date('2026-01-05T10:00:00Z')), env: { RATE_LIMIT_READS_PER_MINUTE: '1000000' } });
    // Listening once: supertest would otherwise open and close a server for each request.
    await t.app.listen(0, '127.0.0.1');
    auditor = await bearer('auditor-1', 'auditor');
    caseWorker = await bearer('case-worker-1', 'case-worker');
    const opened = await t
      .http()
      .post('/journeys')
      .set('Authorization', caseWorker)
      .send({ data: fact('ReferralReceived').data })
      .expect(201);
    id = opened.body.id as string;
    await t
      .http()
      .post(`/journeys/${id}/events`)
      .set('Authorization', caseWorker)
      .send({ type: 'AssessmentStarted', data: fact('AssessmentStarted').data })
      .expect(201);
  });
  afterAll(() => t.close());

  const routes = (journeyId: string) => [
    '/journeys',
    '/decisions',
    '/clocks/overdue',
    '/audit/access',
    '/workflows',
    `/journeys/${journeyId}`,
    `/journeys/${journeyId}/history`,
    `/journeys/${journeyId}/state`,
    `/journeys/${journeyId}/decisions`,
    `/journeys/${journeyId}/preferences`,
    `/journeys/${journeyId}/export`,
    `/journeys/${journeyId}/verify`,
    `/journeys/${journeyId}/access`,
  ];

  it(
    'answers each with a 200 or a readable 4xx',
    async () => {
      for (const route of routes(id)) {
        await fc.assert(
          fc.asyncProperty(query, fc.boolean(), async (search, asAuditor) => {
            const response = await t
              .http()
              .get(`${route}?${search}`)
              .set('Authorization', asAuditor ? auditor : caseWorker);
            statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
            expect([route, search, isReadableAnswer(response, search)]).toEqual([route, search, true]);
          }),
          { numRuns: RUNS_PER_ROUTE },
        );
      }
    },
    SWEEP_TIMEOUT_MS,
  );

  it(
    'answers each odd value of each parameter alone with a 200 or a readable 4xx (a sweep: a value alone reaches the code past validation)',
    async () => {
      for (const route of routes(id)) {
        for (const name of PARAMETERS) {
          for (const value of ODD_VALUES) {
            // waitMs=0: a position past the read model is answered at once (503 READ_MODEL.LAGGING, its documented answer).
            const wait = name === 'waitMs' ? '' : '&waitMs=0';
            const response = await t
              .http()
              .get(`${route}?${name}=${encodeURIComponent(value)}${wait}`)
              .set('Authorization', auditor);
            statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
            expect([route, name, value, isReadableAnswer(response, `${name}=${encodeURIComponent(value)}`)]).toEqual([
              route,
              name,
              value,
              true,
            ]);
          }
        }
      }
    },
    SWEEP_TIMEOUT_MS,
  );

  /** Workflow ids and versions a client may send: unknown ones, prototype names, odd numbers. */
  const workflowPath = fc
    .record({
      id: fc.oneof(
        fc.constantFrom('support-planning', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'prototype'),
        fc.string({ minLength: 1, maxLength: 30 }).filter((id) => id !== '.' && id !== '..'),
      ),
      version: fc.oneof(
        fc.integer({ min: -5, max: 5 }).map(String),
        fc.constantFrom('999', '1e3', '1.0', '01', '0x1'),
        oddNumber,
        fc.string({ minLength: 1, maxLength: 10 }),
      ),
    })
    .map(({ id, version }) => ({ id, version, path: `/workflows/${encodeURIComponent(id)}/${encodeURIComponent(version)}` }));

  it('answers GET /workflows/:id/:version with 200 for a registered version, else 404 or 400 naming the version; never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(workflowPath, async ({ id, version, path }) => {
        const response = await t.http().get(path).set('Authorization', caseWorker);
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        const registered = id === 'support-planning' && /^0*[12]$/.test(version);
        const expected = registered ? [200] : /^\d+$/.test(version) ? [404] : [400, 404];
        expect([path, expected.includes(response.status)]).toEqual([path, true]);
        if (response.status === 404 && /^\d+$/.test(version)) expect(response.body.error).toBe('WORKFLOW.NOT_FOUND');
      }),
      { numRuns: 300 },
    );
  });

  it('reached both answers and refusals, or the tests above prove little', () => {
    expect(statuses.get(200)).toBeGreaterThan(100);
    expect(statuses.get(400)).toBeGreaterThan(100);
  });
});
