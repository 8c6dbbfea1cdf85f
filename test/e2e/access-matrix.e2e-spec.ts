/**
 * The access matrix of issue 7, walked over HTTP on the real app: every kind of caller against
 * every endpoint, and against every event type of the vocabulary. The expected table is written
 * out below as literals, not computed from the policy or the workflow, so that a change to either
 * that moves any cell fails here.
 *
 * The callers: staff of council A (the journey's organisation) and of council B, staff whose token
 * names no organisation, an advocate appointed to the journey, one whose appointment was withdrawn,
 * one never appointed, the person the journey is about, another person, and the auditor.
 */
import { EVENT_TYPES, type EventType } from '../../workflows';
import { fact } from '../../workflows/testing/facts';
import { ManualClock } from '../../src/common/clock';
import { bearer, startApp, type TestApp } from '../support/test-app';

const PERSON_OWN = '0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d';
const PERSON_OTHER = 'ffeeddcc-bbaa-4099-8877-665544332211';

type Caller =
  | 'caseWorkerA'
  | 'approverA'
  | 'seniorApproverA'
  | 'caseWorkerB'
  | 'approverB'
  | 'caseWorkerNoOrg'
  | 'advocateAppointed'
  | 'advocateWithdrawn'
  | 'advocateNever'
  | 'personOwn'
  | 'personOther'
  | 'auditor';

const CALLERS: Record<Caller, Parameters<typeof bearer>> = {
  caseWorkerA: ['cw-a', 'case-worker', { organisation: 'council-a' }],
  approverA: ['ap-a', 'approver', { organisation: 'council-a' }],
  seniorApproverA: ['sap-a', 'senior-approver', { organisation: 'council-a' }],
  caseWorkerB: ['cw-b', 'case-worker', { organisation: 'council-b' }],
  approverB: ['ap-b', 'approver', { organisation: 'council-b' }],
  caseWorkerNoOrg: ['cw-0', 'case-worker'],
  advocateAppointed: ['advocate-on', 'advocate'],
  advocateWithdrawn: ['advocate-off', 'advocate'],
  advocateNever: ['advocate-none', 'advocate', { organisation: 'council-a' }],
  personOwn: [PERSON_OWN, 'person'],
  personOther: [PERSON_OTHER, 'person'],
  auditor: ['auditor-1', 'auditor'],
};

// ---------------------------------------------------------------------------------------------
// The expected table (issue 7, "Who may do what"), as literals.
// ---------------------------------------------------------------------------------------------

/** GET /journeys/:id, /journeys/:id/history and /journeys/:id/state on a council A journey. */
const READ_JOURNEY: Record<Caller, number> = {
  caseWorkerA: 200,
  approverA: 200,
  seniorApproverA: 200,
  caseWorkerB: 404,
  approverB: 404,
  caseWorkerNoOrg: 404,
  advocateAppointed: 200,
  advocateWithdrawn: 403,
  advocateNever: 404,
  personOwn: 200,
  personOther: 404,
  auditor: 200,
};

/** GET /journeys and GET /clocks/overdue: status, and which of the two journeys (A's, B's) the list shows. */
const LISTS: Record<Caller, [number, { a: boolean; b: boolean } | null]> = {
  caseWorkerA: [200, { a: true, b: false }],
  approverA: [200, { a: true, b: false }],
  seniorApproverA: [200, { a: true, b: false }],
  caseWorkerB: [200, { a: false, b: true }],
  approverB: [200, { a: false, b: true }],
  caseWorkerNoOrg: [200, { a: false, b: false }],
  advocateAppointed: [403, null],
  advocateWithdrawn: [403, null],
  advocateNever: [403, null],
  personOwn: [403, null],
  personOther: [403, null],
  auditor: [200, { a: true, b: true }],
};

/**
 * Audit and advocacy routes on a council A journey (issue 5): the advocate's views and the export
 * read like the journey itself; verify is the auditor's alone (403 to all others, before the
 * journey is looked up); who looked is for the person, their appointed advocate and the auditor.
 */
const AUDIT_READS: Record<
  Caller,
  { decisions: number; preferences: number; export: number; verify: number; access: number; accessLog: number }
> = {
  caseWorkerA: { decisions: 200, preferences: 200, export: 200, verify: 403, access: 403, accessLog: 403 },
  approverA: { decisions: 200, preferences: 200, export: 200, verify: 403, access: 403, accessLog: 403 },
  seniorApproverA: { decisions: 200, preferences: 200, export: 200, verify: 403, access: 403, accessLog: 403 },
  caseWorkerB: { decisions: 404, preferences: 404, export: 404, verify: 403, access: 404, accessLog: 403 },
  approverB: { decisions: 404, preferences: 404, export: 404, verify: 403, access: 404, accessLog: 403 },
  caseWorkerNoOrg: { decisions: 404, preferences: 404, export: 404, verify: 403, access: 404, accessLog: 403 },
  advocateAppointed: { decisions: 200, preferences: 200, export: 200, verify: 403, access: 200, accessLog: 403 },
  advocateWithdrawn: { decisions: 403, preferences: 403, export: 403, verify: 403, access: 403, accessLog: 403 },
  advocateNever: { decisions: 404, preferences: 404, export: 404, verify: 403, access: 404, accessLog: 403 },
  personOwn: { decisions: 200, preferences: 200, export: 200, verify: 403, access: 200, accessLog: 403 },
  personOther: { decisions: 404, preferences: 404, export: 404, verify: 403, access: 404, accessLog: 403 },
  auditor: { decisions: 200, preferences: 200, export: 200, verify: 200, access: 200, accessLog: 200 },
};

/** POST /journeys (a referral opens a journey): case workers only. */
const OPEN_JOURNEY: Record<Caller, number> = {
  caseWorkerA: 201,
  approverA: 403,
  seniorApproverA: 403,
  caseWorkerB: 201,
  approverB: 403,
  caseWorkerNoOrg: 201,
  advocateAppointed: 403,
  advocateWithdrawn: 403,
  advocateNever: 403,
  personOwn: 403,
  personOther: 403,
  auditor: 403,
};

const CASE_WORKER_EVENTS: EventType[] = [
  'ReferralReceived',
  'AssessmentStarted',
  'AssessmentCompleted',
  'IndicativeBudgetSet',
  'SupportPlanDrafted',
  'SupportPlanSubmitted',
  'SupportStarted',
  'ReviewRequested',
  'ReviewStarted',
  'ReviewCompleted',
  'PreferenceRecorded',
  'AdvocateAppointed',
  'AdvocateWithdrawn',
  'JourneyClosed',
  'AccessRequested',
  'AccessRequestAnswered',
];
const APPROVER_EVENTS: EventType[] = ['SupportPlanReturned', 'SupportPlanApproved', 'ChallengeResolved'];

/**
 * POST /journeys/:id/events on a council A journey: `hidden` (404: no relationship), `ended`
 * (403: appointment withdrawn), or the event types the caller may record there. Any other event
 * type is 403. "May record" means the role and relationship let it through: the answer is 201, or
 * 409 when the journey's state does not take that event now. `DeadlineMissed` is the scheduler's
 * own and in nobody's list.
 */
const MAY_RECORD: Record<Caller, EventType[] | 'hidden' | 'ended'> = {
  caseWorkerA: CASE_WORKER_EVENTS,
  approverA: APPROVER_EVENTS,
  seniorApproverA: APPROVER_EVENTS,
  caseWorkerB: 'hidden',
  approverB: 'hidden',
  caseWorkerNoOrg: 'hidden',
  // v2: a representative may also ask for a review, and for the record.
  advocateAppointed: ['PreferenceRecorded', 'DecisionChallenged', 'ReviewRequested', 'AccessRequested'],
  advocateWithdrawn: 'ended',
  advocateNever: 'hidden',
  personOwn: ['PreferenceRecorded', 'DecisionChallenged', 'ReviewRequested', 'AccessRequested'],
  personOther: 'hidden',
  auditor: [],
};

/** Every route the app serves is in the matrix, or here with the reason it is not per-journey. */
const ROUTES_FOR_EVERYONE_WITH_A_TOKEN = ['GET /auth/whoami', 'GET /workflows', 'GET /workflows/{id}/{version}'];
const PUBLIC_ROUTES = ['GET /health', 'GET /health/live'];
const MATRIX_ROUTES = [
  'GET /journeys/{id}',
  'GET /journeys/{id}/history',
  'GET /journeys/{id}/state',
  'GET /journeys',
  'GET /clocks/overdue',
  'GET /clocks/late-entries',
  'GET /decisions',
  'POST /journeys',
  'POST /journeys/{id}/events',
  'POST /journeys/{id}/migrations',
  'GET /journeys/{id}/decisions',
  'GET /journeys/{id}/preferences',
  'GET /journeys/{id}/export',
  'GET /journeys/{id}/verify',
  'GET /journeys/{id}/access',
  'GET /audit/access',
];

// ---------------------------------------------------------------------------------------------

type Cell = number | 'may record';

function expectedWrite(caller: Caller, type: EventType): Cell {
  const rule = MAY_RECORD[caller];
  if (rule === 'hidden') return 404;
  if (rule === 'ended') return 403;
  return rule.includes(type) ? 'may record' : 403;
}

/** 201 and 409 both mean access and role let the event through to the workflow's state check. */
function cellOf(status: number): Cell {
  return status === 201 || status === 409 ? 'may record' : status;
}

const callers = Object.keys(CALLERS) as Caller[];

describe('the access matrix', () => {
  let t: TestApp;
  const auth = {} as Record<Caller, string>;

  beforeAll(async () => {
    t = await startApp({ clock: new ManualClock(new Date('2026-01-05T10:00:00Z')) });
    for (const caller of callers) auth[caller] = await bearer(...CALLERS[caller]);
  });
  afterAll(() => t.close());

  async function post(path: string, caller: Caller, body: object): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await t.http().post(path).set('Authorization', auth[caller]).send(body);
    return { status: response.status, body: response.body as Record<string, unknown> };
  }

  /** A council A journey about PERSON_OWN, with one advocate appointed and another appointed then withdrawn. */
  async function councilAJourney(): Promise<string> {
    const open = await post('/journeys', 'caseWorkerA', { data: { ...fact('ReferralReceived').data, personId: PERSON_OWN } });
    expect(open.status).toBe(201);
    const id = open.body.id as string;
    for (const [type, advocateId] of [
      ['AdvocateAppointed', 'advocate-on'],
      ['AdvocateAppointed', 'advocate-off'],
      ['AdvocateWithdrawn', 'advocate-off'],
    ] as const) {
      const recorded = await post(`/journeys/${id}/events`, 'caseWorkerA', { type, data: { ...fact(type).data, advocateId } });
      expect(recorded.status).toBe(201);
    }
    return id;
  }

  async function journeyOf(caller: Caller, personId: string): Promise<string> {
    const open = await post('/journeys', caller, { data: { ...fact('ReferralReceived').data, personId } });
    expect(open.status).toBe(201);
    return open.body.id as string;
  }

  it('covers every route the app serves', async () => {
    const document = await t.http().get('/docs/json').expect(200);
    const served = Object.entries(document.body.paths as Record<string, Record<string, unknown>>).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(served.sort()).toEqual([...MATRIX_ROUTES, ...ROUTES_FOR_EVERYONE_WITH_A_TOKEN, ...PUBLIC_ROUTES].sort());
  });

  it('reads of one journey: every caller × GET /journeys/:id, /history, /state', async () => {
    const id = await councilAJourney();
    const actual = {} as Record<Caller, number[]>;
    for (const caller of callers) {
      actual[caller] = await Promise.all(
        [`/journeys/${id}`, `/journeys/${id}/history`, `/journeys/${id}/state?revision=0`].map(
          async (path) => (await t.http().get(path).set('Authorization', auth[caller])).status,
        ),
      );
    }
    const expected = Object.fromEntries(
      callers.map((caller) => [caller, [READ_JOURNEY[caller], READ_JOURNEY[caller], READ_JOURNEY[caller]]]),
    );
    expect(actual).toEqual(expected);
  });

  it('audit and advocacy reads: every caller × decisions, preferences, export, verify, who looked, the access log', async () => {
    const id = await councilAJourney();
    const status = async (caller: Caller, path: string) => (await t.http().get(path).set('Authorization', auth[caller])).status;
    const actual = {} as Record<Caller, unknown>;
    for (const caller of callers) {
      actual[caller] = {
        decisions: await status(caller, `/journeys/${id}/decisions`),
        preferences: await status(caller, `/journeys/${id}/preferences`),
        export: await status(caller, `/journeys/${id}/export`),
        verify: await status(caller, `/journeys/${id}/verify`),
        access: await status(caller, `/journeys/${id}/access`),
        accessLog: await status(caller, `/audit/access?journey=${id}`),
      };
    }
    expect(actual).toEqual(AUDIT_READS);
  });

  it('a hidden journey answers exactly as a journey that does not exist', async () => {
    const id = await councilAJourney();
    const hidden = await t.http().get(`/journeys/${id}`).set('Authorization', auth.caseWorkerB);
    const missing = await t.http().get('/journeys/00000000-0000-4000-8000-000000000000').set('Authorization', auth.caseWorkerB);
    expect(hidden.status).toBe(404);
    expect({ ...hidden.body, message: undefined, journeyId: undefined }).toEqual({
      ...missing.body,
      message: undefined,
      journeyId: undefined,
    });
    expect(hidden.body.message).toBe(`journey ${id} not found`);
  });

  it('lists: every caller × GET /journeys and GET /clocks/overdue, each showing only what the caller may see', async () => {
    const a = await councilAJourney();
    const b = await journeyOf('caseWorkerB', PERSON_OTHER);
    const actual = {} as Record<Caller, unknown>;
    for (const caller of callers) {
      const list = await t.http().get('/journeys?limit=500').set('Authorization', auth[caller]);
      const overdue = await t.http().get('/clocks/overdue?withinHours=2160&limit=1000').set('Authorization', auth[caller]);
      const ids = (items: Array<{ id?: string; journeyId?: string }>) => new Set(items.map((item) => item.id ?? item.journeyId));
      const shows = (response: typeof list) =>
        response.status === 200 ? { a: ids(response.body.items).has(a), b: ids(response.body.items).has(b) } : null;
      // Which journeys the late-entry list shows by organisation: test/e2e/clocks-late-entries.e2e-spec.ts.
      const lateEntries = await t.http().get('/clocks/late-entries').set('Authorization', auth[caller]);
      actual[caller] = { caseload: [list.status, shows(list)], overdue: [overdue.status, shows(overdue)], lateEntries: lateEntries.status };
    }
    const expected = Object.fromEntries(
      callers.map((caller) => [caller, { caseload: LISTS[caller], overdue: LISTS[caller], lateEntries: LISTS[caller][0] }]),
    );
    expect(actual).toEqual(expected);
  });

  it('lists: every caller × GET /decisions, each showing only decisions on journeys the caller may see', async () => {
    const assessed = async (caseWorker: Caller, id: string): Promise<string> => {
      let position = '';
      for (const type of ['AssessmentStarted', 'AssessmentCompleted'] as const) {
        const recorded = await post(`/journeys/${id}/events`, caseWorker, { type, data: fact(type).data });
        expect(recorded.status).toBe(201);
        position = recorded.body.position as string;
      }
      return position;
    };
    const a = await councilAJourney();
    const b = await journeyOf('caseWorkerB', PERSON_OTHER);
    await assessed('caseWorkerA', a);
    const after = await assessed('caseWorkerB', b);
    const actual = {} as Record<Caller, unknown>;
    for (const caller of callers) {
      const list = await t.http().get(`/decisions?after=${after}&limit=500`).set('Authorization', auth[caller]);
      const journeys = new Set((list.body.items ?? []).map((item: { journeyId: string }) => item.journeyId));
      actual[caller] = [list.status, list.status === 200 ? { a: journeys.has(a), b: journeys.has(b) } : null];
    }
    expect(actual).toEqual(LISTS);
  });

  it('opening a journey: every caller × POST /journeys', async () => {
    const actual = {} as Record<Caller, number>;
    for (const caller of callers) {
      actual[caller] = (await post('/journeys', caller, { data: { ...fact('ReferralReceived').data, personId: PERSON_OTHER } })).status;
    }
    expect(actual).toEqual(OPEN_JOURNEY);
  });

  it('recording: every caller × every event type of the vocabulary, on a council A journey', async () => {
    // Cells that may succeed get a journey of their own, so that one write cannot change another cell's answer.
    const shared = await councilAJourney();
    const actual = {} as Record<Caller, Record<string, Cell>>;
    const expected = {} as Record<Caller, Record<string, Cell>>;
    for (const caller of callers) {
      actual[caller] = {};
      expected[caller] = {};
      for (const type of EVENT_TYPES) {
        expected[caller][type] = expectedWrite(caller, type);
        const id = expected[caller][type] === 'may record' ? await councilAJourney() : shared;
        const data = type === 'ReferralReceived' ? { ...fact(type).data, personId: PERSON_OWN } : fact(type).data;
        actual[caller][type] = cellOf((await post(`/journeys/${id}/events`, caller, { type, data })).status);
      }
    }
    expect(actual).toEqual(expected);
  });

  it('migration: every caller × POST /journeys/:id/migrations, on a council A journey', async () => {
    // The journey is on the current version already: whoever gets past access and role is told
    // that the target is not a later version (400), and nothing is recorded.
    const id = await councilAJourney();
    const MIGRATE: Record<Caller, number> = {
      caseWorkerA: 403,
      approverA: 400,
      seniorApproverA: 400,
      caseWorkerB: 404,
      approverB: 404,
      caseWorkerNoOrg: 404,
      advocateAppointed: 403,
      advocateWithdrawn: 403,
      advocateNever: 404,
      personOwn: 403,
      personOther: 404,
      auditor: 403,
    };
    const actual = {} as Record<Caller, number>;
    for (const caller of callers)
      actual[caller] = (await post(`/journeys/${id}/migrations`, caller, { to: 2, reason: 'Move to v2' })).status;
    expect(actual).toEqual(MIGRATE);
  });

  it('an advocate reads while appointed; after AdvocateWithdrawn the next read and write are refused (403); reappointed, they read again', async () => {
    const id = await journeyOf('caseWorkerA', PERSON_OWN);
    const read = async () => (await t.http().get(`/journeys/${id}`).set('Authorization', auth.advocateAppointed)).status;
    const appoint = (type: 'AdvocateAppointed' | 'AdvocateWithdrawn') =>
      post(`/journeys/${id}/events`, 'caseWorkerA', { type, data: { ...fact(type).data, advocateId: 'advocate-on' } });

    expect(await read()).toBe(404);
    expect((await appoint('AdvocateAppointed')).status).toBe(201);
    expect(await read()).toBe(200);
    expect(
      (await post(`/journeys/${id}/events`, 'advocateAppointed', { type: 'PreferenceRecorded', data: fact('PreferenceRecorded').data }))
        .status,
    ).toBe(201);

    expect((await appoint('AdvocateWithdrawn')).status).toBe(201);
    const refused = await t.http().get(`/journeys/${id}`).set('Authorization', auth.advocateAppointed);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: 'AUTH.ACCESS_ENDED' });
    expect((await t.http().get(`/journeys/${id}/history`).set('Authorization', auth.advocateAppointed)).status).toBe(403);
    expect((await t.http().get(`/journeys/${id}/state?revision=2`).set('Authorization', auth.advocateAppointed)).status).toBe(403);
    expect(
      (await post(`/journeys/${id}/events`, 'advocateAppointed', { type: 'PreferenceRecorded', data: fact('PreferenceRecorded').data }))
        .status,
    ).toBe(403);

    expect((await appoint('AdvocateAppointed')).status).toBe(201);
    expect(await read()).toBe(200);
  });

  it('a person reads their own journey and no other, even one about them opened elsewhere', async () => {
    const own = await journeyOf('caseWorkerA', PERSON_OWN);
    const other = await journeyOf('caseWorkerA', PERSON_OTHER);
    const inCouncilB = await journeyOf('caseWorkerB', PERSON_OWN);
    const status = async (id: string) => (await t.http().get(`/journeys/${id}`).set('Authorization', auth.personOwn)).status;
    expect([await status(own), await status(other), await status(inCouncilB)]).toEqual([200, 404, 200]);
  });

  it('a journey recorded without an organisation is seen by staff without one, and not by council staff', async () => {
    const id = await journeyOf('caseWorkerNoOrg', PERSON_OTHER);
    const status = async (caller: Caller) => (await t.http().get(`/journeys/${id}`).set('Authorization', auth[caller])).status;
    expect({
      noOrg: await status('caseWorkerNoOrg'),
      a: await status('caseWorkerA'),
      b: await status('caseWorkerB'),
      auditor: await status('auditor'),
    }).toEqual({
      noOrg: 200,
      a: 404,
      b: 404,
      auditor: 200,
    });
  });
});
