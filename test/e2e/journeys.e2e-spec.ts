/**
 * The journeys API over HTTP, on the real app and a real SQLite file: a whole journey, every
 * error status, races between writers, idempotent retries and a restart on the same file.
 */
import Database from 'better-sqlite3';
import { fact } from '../../workflows/testing/facts';
import type { EventType } from '../../workflows';
import { ManualClock } from '../../src/common/clock';
import { bearer, startApp as startRealApp, tempDataDir, type StartOptions, type TestApp } from '../support/test-app';

/** Time stands still an hour after the referrals below, so no clock falls due during these tests. */
const startApp = (options: StartOptions = {}) => startRealApp({ clock: new ManualClock(new Date('2026-01-05T10:00:00Z')), ...options });

const PERSON_ID = '7d1f0a8e-3b5c-4f7a-9e2d-1c6b8a4f0e21';
const dataOf = (type: EventType, overrides: Record<string, unknown> = {}) => ({ ...fact(type).data, ...overrides });

let caseWorker: string;
let approver: string;
let auditor: string;
let person: string;

beforeAll(async () => {
  caseWorker = await bearer('case-worker-1', 'case-worker', { organisation: 'council-a' });
  approver = await bearer('approver-1', 'approver', { organisation: 'council-a' });
  auditor = await bearer('auditor-1', 'auditor');
  person = await bearer(PERSON_ID, 'person');
});

async function openJourney(t: TestApp, overrides: Record<string, unknown> = {}): Promise<string> {
  const response = await t
    .http()
    .post('/journeys')
    .set('Authorization', caseWorker)
    .send({ data: dataOf('ReferralReceived', overrides), occurredAt: '2026-01-05T09:00:00Z' })
    .expect(201);
  return response.body.id as string;
}

function record(t: TestApp, id: string, auth: string, type: EventType, data: Record<string, unknown> = {}, reason?: string) {
  return t
    .http()
    .post(`/journeys/${id}/events`)
    .set('Authorization', auth)
    .send({ type, data: dataOf(type, data), ...(reason ? { reason } : {}) });
}

describe('a journey from referral to live support', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t.close());

  it('records each step, decided by the workflow, and shows state, history and the past', async () => {
    const open = await t
      .http()
      .post('/journeys')
      .set('Authorization', caseWorker)
      .send({ type: 'ReferralReceived', data: dataOf('ReferralReceived'), reason: 'GP referral' })
      .expect(201);
    expect(open.headers.etag).toBe('"0"');
    expect(open.body).toMatchObject({ revision: 0, state: 'open.referral', status: 'open', repeated: false });
    const id = open.body.id as string;

    await record(t, id, caseWorker, 'AssessmentStarted').expect(201);
    await record(t, id, caseWorker, 'AssessmentCompleted').expect(201);
    await record(t, id, caseWorker, 'IndicativeBudgetSet').expect(201);
    await record(t, id, caseWorker, 'SupportPlanDrafted').expect(201);
    const submitted = await record(t, id, caseWorker, 'SupportPlanSubmitted').expect(201);
    expect(submitted.body.state).toBe('open.signOff');
    const approved = await record(t, id, approver, 'SupportPlanApproved', {}, 'Meets eligible needs').expect(201);
    expect(approved.body).toMatchObject({ revision: 6, state: 'open.approved' });
    await record(t, id, caseWorker, 'SupportStarted').expect(201);

    const journey = await t.http().get(`/journeys/${id}`).set('Authorization', caseWorker).expect(200);
    expect(journey.headers.etag).toBe('"7"');
    expect(journey.body).toMatchObject({
      id,
      workflow: { id: 'support-planning', version: 2 },
      revision: 7,
      state: 'open.liveSupport',
      status: 'open',
      escalated: false,
    });
    // A client holding the current revision is told so (304, no body); an older one gets the journey.
    const current = await t.http().get(`/journeys/${id}`).set('Authorization', caseWorker).set('If-None-Match', '"7"');
    expect([current.status, current.text]).toEqual([304, '']);
    await t.http().get(`/journeys/${id}`).set('Authorization', caseWorker).set('If-None-Match', '"6"').expect(200);
    expect(journey.body.summary.budgetInForce).toMatchObject({ amountPence: 25_000, period: 'week', approvedBy: 'approver-1' });
    expect(journey.body.allowed).toEqual(expect.arrayContaining(['ReviewStarted', 'JourneyClosed']));
    expect(journey.body.clocks.map((clock: { clock: string }) => clock.clock)).toEqual(
      expect.arrayContaining(['first-review', 'direct-payment-first-review']),
    );

    const history = await t.http().get(`/journeys/${id}/history`).set('Authorization', auditor).expect(200);
    expect(history.headers.etag).toBeUndefined();
    expect(history.body.events.map((e: { type: string }) => e.type)).toEqual([
      'ReferralReceived',
      'AssessmentStarted',
      'AssessmentCompleted',
      'IndicativeBudgetSet',
      'SupportPlanDrafted',
      'SupportPlanSubmitted',
      'SupportPlanApproved',
      'SupportStarted',
    ]);
    expect(history.body.events[6]).toMatchObject({
      revision: 6,
      actor: { id: 'approver-1', role: 'approver' },
      reason: 'Meets eligible needs',
      stateAfter: 'open.approved',
    });
    expect(history.body.events[0].occurredAt).toEqual(expect.any(String));
    expect(history.body.events[0].recordedAt).toEqual(expect.any(String));

    const atSubmission = await t.http().get(`/journeys/${id}/state?revision=5`).set('Authorization', auditor).expect(200);
    expect(atSubmission.body).toMatchObject({ revision: 5, state: 'open.signOff', asOf: { revision: 5 } });
    const recordedAtApproval = history.body.events[6].recordedAt as string;
    const atTime = await t
      .http()
      .get(`/journeys/${id}/state?at=${encodeURIComponent(recordedAtApproval)}`)
      .set('Authorization', auditor)
      .expect(200);
    expect(atTime.body.revision).toBeGreaterThanOrEqual(6);
  });
});

describe('errors: one status per kind of problem, never a 500, never a partial event', () => {
  let t: TestApp;
  let id: string;
  beforeAll(async () => {
    t = await startApp();
    id = await openJourney(t);
  });
  afterAll(() => t.close());

  async function eventCount(): Promise<number> {
    const history = await t.http().get(`/journeys/${id}/history`).set('Authorization', auditor).expect(200);
    return history.body.events.length as number;
  }

  it('400 names the field and the rule of bad data', async () => {
    const response = await record(t, id, caseWorker, 'AssessmentStarted', { assessor: 42 }).expect(400);
    expect(response.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'data.assessor', rule: 'isString' })]));
  });

  it('400 for a nested field, money as a float, and an unknown field', async () => {
    await record(t, id, caseWorker, 'AssessmentStarted').expect(201);
    await record(t, id, caseWorker, 'AssessmentCompleted').expect(201);
    await record(t, id, caseWorker, 'IndicativeBudgetSet').expect(201);
    const response = await record(t, id, caseWorker, 'SupportPlanDrafted', {
      supports: [{ description: 'Care', category: 'personal-care', costPence: 10.5 }],
      colour: 'blue',
    }).expect(400);
    const fields = response.body.details.map((d: { field: string; rule: string }) => `${d.field}:${d.rule}`);
    expect(fields).toEqual(expect.arrayContaining(['data.supports.0.costPence:isInt', 'data.colour:whitelistValidation']));
  });

  it('400 for an unknown event type and for a malformed journey id', async () => {
    const unknown = await t
      .http()
      .post(`/journeys/${id}/events`)
      .set('Authorization', caseWorker)
      .send({ type: 'UpdateAssessment', data: {} })
      .expect(400);
    expect(unknown.body.details[0]).toMatchObject({ field: 'type', rule: 'isIn' });
    const badId = await t.http().get('/journeys/not-a-uuid').set('Authorization', caseWorker).expect(400);
    expect(badId.body.details[0]).toMatchObject({ field: 'id', rule: 'isUuid' });
  });

  it('400 for a fact dated in the future', async () => {
    const response = await t
      .http()
      .post(`/journeys/${id}/events`)
      .set('Authorization', caseWorker)
      .send({ type: 'PreferenceRecorded', data: dataOf('PreferenceRecorded'), occurredAt: '2999-01-01T00:00:00Z' })
      .expect(400);
    expect(response.body.details[0]).toMatchObject({ field: 'occurredAt', rule: 'notInFuture' });
  });

  it('400 for times JavaScript would misread (week, ordinal, no zone, no such day), and huge paging numbers', async () => {
    const before = await eventCount();
    for (const occurredAt of ['2026-W01-1', '2026-005', '2026-01-05T09:00:00', '2026-02-30T09:00:00Z', '2010-02-18T16,2283Z']) {
      const response = await t
        .http()
        .post(`/journeys/${id}/events`)
        .set('Authorization', caseWorker)
        .send({ type: 'PreferenceRecorded', data: dataOf('PreferenceRecorded'), occurredAt })
        .expect(400);
      expect(response.body.details[0]).toMatchObject({ field: 'occurredAt', rule: 'isTimestamp' });
    }
    const dated = await t.http().get(`/journeys/${id}/state?at=2026-W02-1`).set('Authorization', caseWorker).expect(400);
    expect(dated.body.details[0]).toMatchObject({ field: 'at', rule: 'isTimestamp' });
    for (const path of ['/journeys?offset=1e20', '/decisions?offset=1e300']) {
      const paged = await t.http().get(path).set('Authorization', caseWorker).expect(400);
      expect(paged.body.details[0]).toMatchObject({ field: 'offset', rule: 'max' });
    }
    expect(await eventCount()).toBe(before);
  });

  it('401 without a token', async () => {
    await t.http().get(`/journeys/${id}`).expect(401);
  });

  it('403 names the role and the event it may not record', async () => {
    const response = await record(t, id, caseWorker, 'SupportPlanApproved').expect(403);
    expect(response.body.message).toContain('case-worker');
    expect(response.body.message).toContain('SupportPlanApproved');
    await record(t, id, auditor, 'PreferenceRecorded').expect(403);
  });

  it('404 for a journey that does not exist', async () => {
    await t.http().get('/journeys/00000000-0000-4000-8000-000000000000').set('Authorization', caseWorker).expect(404);
    await record(t, '00000000-0000-4000-8000-000000000000', caseWorker, 'AssessmentStarted').expect(404);
  });

  it('409 names the state, the rule and the events allowed now', async () => {
    const response = await record(t, id, caseWorker, 'SupportStarted').expect(409);
    expect(response.body).toMatchObject({ state: 'open.supportPlanning' });
    expect(response.body.reason).toContain('wrong-state');
    expect(response.body.allowed).toEqual(expect.arrayContaining(['SupportPlanDrafted']));
    expect(response.body.allowed).not.toContain('SupportPlanSubmitted'); // no plan drafted yet: nothing to submit
  });

  it('409 names the failing guard of a rule', async () => {
    await record(t, id, caseWorker, 'SupportPlanDrafted', { supports: [] }).expect(201);
    const response = await record(t, id, caseWorker, 'SupportPlanSubmitted', { planVersion: 1 }).expect(409);
    expect(response.body.reason).toContain('planHasOutcomeAndSupport');
  });

  it('412 for a stale If-Match, and nothing is written', async () => {
    const before = await eventCount();
    const response = await t
      .http()
      .post(`/journeys/${id}/events`)
      .set('Authorization', caseWorker)
      .set('If-Match', '"1"')
      .send({ type: 'PreferenceRecorded', data: dataOf('PreferenceRecorded') })
      .expect(412);
    expect(response.body).toMatchObject({ expectedRevision: 1, actualRevision: before - 1 });
    expect(await eventCount()).toBe(before);
    await t
      .http()
      .post(`/journeys/${id}/events`)
      .set('Authorization', caseWorker)
      .set('If-Match', `"${before - 1}"`)
      .send({ type: 'PreferenceRecorded', data: dataOf('PreferenceRecorded') })
      .expect(201);
  });

  it('none of the refused requests left an event behind', async () => {
    const history = await t.http().get(`/journeys/${id}/history`).set('Authorization', auditor).expect(200);
    expect(history.body.events.map((e: { type: string }) => e.type)).toEqual([
      'ReferralReceived',
      'AssessmentStarted',
      'AssessmentCompleted',
      'IndicativeBudgetSet',
      'SupportPlanDrafted',
      'PreferenceRecorded',
    ]);
  });
});

describe('races and retries', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t.close());

  it('20 concurrent writers on one journey: each gets its own revision, none is lost, state equals replay', async () => {
    const id = await openJourney(t);
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, n) => record(t, id, person, 'PreferenceRecorded', { topic: `topic-${n}`, value: `v${n}` })),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(201));
    expect(responses.map((r) => r.body.revision).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, n) => n + 1));
    const journey = await t.http().get(`/journeys/${id}`).set('Authorization', caseWorker).expect(200);
    expect(journey.body.revision).toBe(20);
    const preferences = journey.body.summary.preferences as Record<string, { value: string }>;
    expect(Object.fromEntries(Object.entries(preferences).map(([topic, preference]) => [topic, preference.value]))).toEqual(
      Object.fromEntries(Array.from({ length: 20 }, (_, n) => [`topic-${n}`, `v${n}`])),
    );
    // What the last writer was told (decided on the command path's cached snapshot) is what a replay says.
    const last = responses.find((r) => r.body.revision === 20)!;
    const asPerson = await t.http().get(`/journeys/${id}`).set('Authorization', person).expect(200);
    expect({ state: last.body.state, status: last.body.status, allowed: last.body.allowed }).toEqual({
      state: asPerson.body.state,
      status: asPerson.body.status,
      allowed: asPerson.body.allowed,
    });
    const verified = await t.http().get(`/journeys/${id}/verify`).set('Authorization', auditor).expect(200);
    expect(verified.body).toMatchObject({ chain: { intact: true }, replay: { consistent: true } });
  });

  it('20 concurrent writers racing for one step: exactly one wins, the rest are re-decided and refused', async () => {
    const id = await openJourney(t);
    const responses = await Promise.all(Array.from({ length: 20 }, () => record(t, id, caseWorker, 'AssessmentStarted')));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(19);
  });

  it('two service instances on one file: concurrent writers are re-decided, never appended out of order', async () => {
    const other = await startApp({ file: process.env.SQLITE_FILE });
    try {
      const id = await openJourney(t);
      const writes = Array.from({ length: 20 }, (_, n) =>
        record(n % 2 === 0 ? t : other, id, person, 'PreferenceRecorded', { topic: `topic-${n}`, value: `v${n}` }),
      );
      const responses = await Promise.all(writes);
      expect(responses.map((r) => r.status)).toEqual(Array(20).fill(201));
      const history = await t.http().get(`/journeys/${id}/history`).set('Authorization', auditor).expect(200);
      expect(history.body.events.map((e: { revision: number }) => e.revision)).toEqual(Array.from({ length: 21 }, (_, n) => n));
      const verified = await t.http().get(`/journeys/${id}/verify`).set('Authorization', auditor).expect(200);
      expect(verified.body).toMatchObject({ chain: { intact: true }, replay: { consistent: true } });
    } finally {
      await other.close();
    }
  });

  it('a retried request with the same Idempotency-Key records once and answers as the first time', async () => {
    const id = await openJourney(t);
    const send = () =>
      t
        .http()
        .post(`/journeys/${id}/events`)
        .set('Authorization', person)
        .set('Idempotency-Key', 'pref-home-1')
        .send({ type: 'PreferenceRecorded', data: dataOf('PreferenceRecorded') });
    const first = await send().expect(201);
    await record(t, id, caseWorker, 'AssessmentStarted').expect(201);
    const again = await send().expect(201);
    expect(again.body).toMatchObject({ eventId: first.body.eventId, revision: first.body.revision, repeated: true });
    const concurrent = await Promise.all([send(), send(), send()]);
    expect(concurrent.every((r) => r.body.eventId === first.body.eventId)).toBe(true);
    const history = await t.http().get(`/journeys/${id}/history`).set('Authorization', auditor).expect(200);
    expect(history.body.events.filter((e: { type: string }) => e.type === 'PreferenceRecorded')).toHaveLength(1);
  });

  it('the same Idempotency-Key with a different request is refused', async () => {
    const id = await openJourney(t);
    const send = (value: string) =>
      t
        .http()
        .post(`/journeys/${id}/events`)
        .set('Authorization', person)
        .set('Idempotency-Key', 'pref-key')
        .send({ type: 'PreferenceRecorded', data: dataOf('PreferenceRecorded', { value }) });
    await send('home').expect(201);
    const response = await send('hospice').expect(422);
    expect(response.body).toMatchObject({ error: 'IDEMPOTENCY.KEY_REUSED', field: 'Idempotency-Key' });
  });

  it('opening a journey twice with one Idempotency-Key opens it once', async () => {
    const send = () =>
      t
        .http()
        .post('/journeys')
        .set('Authorization', caseWorker)
        .set('Idempotency-Key', 'referral-123')
        .send({ data: dataOf('ReferralReceived') });
    const [a, b] = await Promise.all([send(), send()]);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.body.id).toBe(b.body.id);
    expect(a.body.eventId).toBe(b.body.eventId);
  });
});

describe('durability and read models', () => {
  it('a journey survives closing the app and reopening the file', async () => {
    const data = tempDataDir();
    const first = await startApp({ file: data.file });
    const id = await openJourney(first);
    await record(first, id, caseWorker, 'AssessmentStarted').expect(201);
    await first.close();

    const rows = new Database(data.file, { readonly: true }).prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number };
    expect(rows.n).toBe(2);

    const second = await startApp({ file: data.file });
    try {
      const journey = await second.http().get(`/journeys/${id}`).set('Authorization', caseWorker).expect(200);
      expect(journey.body).toMatchObject({ revision: 1, state: 'open.assessment' });
      const list = await second.http().get('/journeys?step=assessment').set('Authorization', caseWorker).expect(200);
      expect(list.body.items.map((row: { id: string }) => row.id)).toContain(id);
    } finally {
      await second.close();
      data.remove();
    }
  });

  it('the caseload list filters, pages, and waits for the caller’s own write', async () => {
    const t = await startApp();
    try {
      const nhs = await openJourney(t, { fundingStream: 'nhs-chc', route: 'fast-track' });
      await openJourney(t);
      const started = await record(t, nhs, caseWorker, 'AssessmentStarted').expect(201);
      const list = await t
        .http()
        .get(`/journeys?fundingStream=nhs-chc&after=${started.body.position}`)
        .set('Authorization', caseWorker)
        .expect(200);
      expect(list.body.items).toEqual([expect.objectContaining({ id: nhs, step: 'assessment', route: 'fast-track', revision: 1 })]);
      expect(BigInt(list.body.position)).toBeGreaterThanOrEqual(BigInt(started.body.position));
      const paged = await t.http().get('/journeys?limit=1&offset=1').set('Authorization', caseWorker).expect(200);
      expect(paged.body).toMatchObject({ total: 2, limit: 1, offset: 1 });
      expect(paged.body.items).toHaveLength(1);
      const bad = await t.http().get('/journeys?limit=100000').set('Authorization', caseWorker).expect(400);
      expect(bad.body.details[0]).toMatchObject({ field: 'limit', rule: 'max' });
    } finally {
      await t.close();
    }
  });

  it('a read that waits for a position the read model has not reached answers 503 naming the lag', async () => {
    const t = await startApp();
    try {
      const response = await t.http().get('/journeys?after=999999&waitMs=50').set('Authorization', caseWorker).expect(503);
      expect(response.body.message).toContain('behind');
      // A position past what a double can hold is still named exactly (positions are bigints, up to 2^64 - 1).
      const far = await t.http().get('/journeys?after=18446744073709551615&waitMs=0').set('Authorization', caseWorker).expect(503);
      expect(far.body.lag).toBe('18446744073709551616');
    } finally {
      await t.close();
    }
  });
});
