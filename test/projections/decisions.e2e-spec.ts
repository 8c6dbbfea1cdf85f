/**
 * GET /decisions on the real app (AppModule + configureApp, a real SQLite file): decisions
 * recorded over HTTP show in the index, scoped as the caseload list is, filtered, waiting for the
 * caller's own write with `after`, and refusing bad queries.
 */
import { fact } from '../../workflows/testing/facts';
import type { EventType } from '../../workflows';
import { ManualClock } from '../../src/common/clock';
import { bearer, startApp, tempDataDir, type TestApp } from '../support/test-app';

const PERSON_ID = '7d1f0a8e-3b5c-4f7a-9e2d-1c6b8a4f0e21';
const dataOf = (type: EventType, overrides: Record<string, unknown> = {}) => ({ ...fact(type).data, ...overrides });

describe('GET /decisions', () => {
  let t: TestApp;
  const auth: Record<string, string> = {};
  let councilA: string;
  let councilB: string;
  let challengePosition: string;

  async function record(id: string, who: string, type: EventType, data: Record<string, unknown> = {}) {
    return t
      .http()
      .post(`/journeys/${id}/events`)
      .set('Authorization', auth[who])
      .send({ type, data: dataOf(type, data) })
      .expect(201);
  }

  async function open(who: string): Promise<string> {
    const response = await t
      .http()
      .post('/journeys')
      .set('Authorization', auth[who])
      .send({ data: dataOf('ReferralReceived') })
      .expect(201);
    return response.body.id as string;
  }

  const get = (query: string, who: string) => t.http().get(`/decisions${query}`).set('Authorization', auth[who]);

  beforeAll(async () => {
    t = await startApp({ clock: new ManualClock(new Date('2026-01-05T10:00:00Z')) });
    auth.caseWorkerA = await bearer('case-worker-a', 'case-worker', { organisation: 'council-a' });
    auth.approverA = await bearer('approver-a', 'approver', { organisation: 'council-a' });
    auth.caseWorkerB = await bearer('case-worker-b', 'case-worker', { organisation: 'council-b' });
    auth.approverB = await bearer('approver-b', 'approver', { organisation: 'council-b' });
    auth.auditor = await bearer('auditor-1', 'auditor');
    auth.person = await bearer(PERSON_ID, 'person');
    auth.advocate = await bearer('advocate-1', 'advocate');

    // Council A: assessed, budget set, then the person challenges the assessment.
    councilA = await open('caseWorkerA');
    await record(councilA, 'caseWorkerA', 'AssessmentStarted');
    await record(councilA, 'caseWorkerA', 'AssessmentCompleted');
    await record(councilA, 'caseWorkerA', 'IndicativeBudgetSet');
    const challenge = await record(councilA, 'person', 'DecisionChallenged', { decisionRevision: 2, raisedBy: PERSON_ID });
    challengePosition = challenge.body.position as string;

    // Council B: assessed only.
    councilB = await open('caseWorkerB');
    await record(councilB, 'caseWorkerB', 'AssessmentStarted');
    await record(councilB, 'caseWorkerB', 'AssessmentCompleted');
  });
  afterAll(() => t.close());

  it('the auditor sees every journey’s decisions, with the position the index is up to', async () => {
    const response = await get(`?after=${challengePosition}`, 'auditor').expect(200);
    expect(response.body).toMatchObject({ total: 3, limit: 50, offset: 0 });
    expect(BigInt(response.body.position)).toBeGreaterThanOrEqual(BigInt(challengePosition));
    expect(response.body.items.map((item: { journeyId: string; type: string }) => [item.journeyId, item.type])).toEqual([
      [councilA, 'AssessmentCompleted'],
      [councilA, 'IndicativeBudgetSet'],
      [councilB, 'AssessmentCompleted'],
    ]);
    expect(response.body.items[0]).toMatchObject({
      revision: 2,
      actor: { id: 'case-worker-a', role: 'case-worker' },
      occurredAt: '2026-01-05T10:00:00.000Z',
      recordedAt: '2026-01-05T10:00:00.000Z',
      overridesPreference: false,
      challenged: true,
      challenge: { revision: 4, count: 1, outcome: null },
    });
  });

  it('an approver sees their organisation’s journeys only, as on the caseload list', async () => {
    const a = await get('', 'approverA').expect(200);
    const b = await get('', 'approverB').expect(200);
    expect(new Set(a.body.items.map((item: { journeyId: string }) => item.journeyId))).toEqual(new Set([councilA]));
    expect(new Set(b.body.items.map((item: { journeyId: string }) => item.journeyId))).toEqual(new Set([councilB]));
  });

  it('people and advocates get no cross-journey list', async () => {
    await get('', 'person').expect(403);
    await get('', 'advocate').expect(403);
  });

  it('filters by type, actor and challenged', async () => {
    const assessments = await get('?type=AssessmentCompleted', 'auditor').expect(200);
    expect(assessments.body.total).toBe(2);
    const byActor = await get('?actor=case-worker-b', 'auditor').expect(200);
    expect(byActor.body.items.map((item: { journeyId: string }) => item.journeyId)).toEqual([councilB]);
    const challenged = await get('?challenged=true', 'auditor').expect(200);
    expect(challenged.body.items.map((item: { journeyId: string; revision: number }) => [item.journeyId, item.revision])).toEqual([
      [councilA, 2],
    ]);
    const unchallenged = await get('?challenged=false&limit=1&offset=1', 'auditor').expect(200);
    expect(unchallenged.body).toMatchObject({ total: 2, limit: 1, offset: 1, items: [{ journeyId: councilB }] });
  });

  it('`after` waits for the caller’s own write: the resolution just recorded is in the answer', async () => {
    const resolved = await record(councilA, 'approverA', 'ChallengeResolved', { challengeRevision: 4, outcome: 'not-upheld' });
    const response = await get(`?after=${resolved.body.position as string}&challenged=true`, 'approverA').expect(200);
    expect(response.body.items).toEqual([
      expect.objectContaining({ revision: 2, challenge: { revision: 4, count: 1, outcome: 'not-upheld' } }),
    ]);
  });

  it('a position the index has not reached answers 503 naming the lag and the read model', async () => {
    const response = await get('?after=999999&waitMs=50', 'auditor').expect(503);
    expect(response.body.message).toMatch(/read model decisions is \d+ events behind/);
  });

  it('refuses a bad query with 400 naming the field', async () => {
    const cases: Array<[string, string]> = [
      ['?type=UpdateAssessment', 'type'],
      ['?challenged=maybe', 'challenged'],
      ['?limit=0', 'limit'],
      ['?limit=501', 'limit'],
      ['?offset=-1', 'offset'],
      ['?after=abc', 'after'],
      ['?unknown=1', 'unknown'],
    ];
    for (const [query, field] of cases) {
      const response = await get(query, 'auditor');
      expect({ query, status: response.status, message: response.body.message }).toEqual({
        query,
        status: 400,
        message: expect.stringContaining(field),
      });
    }
  });
});

describe('GET /decisions lists a closure where the journey’s version makes it a decision', () => {
  const data = tempDataDir();
  let auditor: string;
  let caseWorker: string;

  async function openAndClose(t: TestApp): Promise<{ id: string; revision: number; position: string }> {
    const opened = await t
      .http()
      .post('/journeys')
      .set('Authorization', caseWorker)
      .send({ data: dataOf('ReferralReceived') })
      .expect(201);
    const id = opened.body.id as string;
    const closed = await t
      .http()
      .post(`/journeys/${id}/events`)
      .set('Authorization', caseWorker)
      .send({ type: 'JourneyClosed', data: dataOf('JourneyClosed') })
      .expect(201);
    return { id, revision: closed.body.revision as number, position: closed.body.position as string };
  }

  afterAll(() => data.remove());

  it('on version 2 (rule 9: a closure may be challenged), and not on version 1', async () => {
    auditor = await bearer('auditor-1', 'auditor');
    caseWorker = await bearer('case-worker-1', 'case-worker');
    const clock = new ManualClock(new Date('2026-01-05T10:00:00Z'));
    let t = await startApp({ file: data.file, clock, env: { WORKFLOW_VERSION: '1' } });
    const onV1 = await openAndClose(t);
    await t.close();
    t = await startApp({ file: data.file, clock, env: { WORKFLOW_VERSION: '2' } });
    try {
      const onV2 = await openAndClose(t);
      const listed = await t.http().get(`/decisions?type=JourneyClosed&after=${onV2.position}`).set('Authorization', auditor).expect(200);
      expect(listed.body.items.map((item: { journeyId: string; revision: number }) => [item.journeyId, item.revision])).toEqual([
        [onV2.id, onV2.revision],
      ]);
      expect(listed.body.items.map((item: { journeyId: string }) => item.journeyId)).not.toContain(onV1.id);
    } finally {
      await t.close();
    }
  });
});
