/**
 * Clocks that cannot be lost: the fast-track story with the service down when the 48-hour clock
 * passes, two schedulers on one store, and closure stopping every clock. Time is a ManualClock;
 * nothing sleeps.
 */
import { ManualClock } from '../../src/common/clock';
import { DeadlineScheduler } from '../../src/clocks/deadline-scheduler';
import { fact } from '../../workflows/testing/facts';
import type { EventType } from '../../workflows';
import { bearer, startApp, tempDataDir, type TestApp } from '../support/test-app';

const dataOf = (type: EventType, overrides: Record<string, unknown> = {}) => ({ ...fact(type).data, ...overrides });
const DAY1_0900 = '2026-03-02T09:00:00.000Z';
const DUE = '2026-03-04T09:00:00.000Z';

let caseWorker: string;
let manager: string;

beforeAll(async () => {
  caseWorker = await bearer('case-worker-1', 'case-worker');
  manager = await bearer('team-manager-1', 'case-worker');
});

async function fastTrackReferral(t: TestApp): Promise<string> {
  const response = await t
    .http()
    .post('/journeys')
    .set('Authorization', caseWorker)
    .send({ data: dataOf('ReferralReceived', { fundingStream: 'nhs-chc', route: 'fast-track' }), occurredAt: DAY1_0900 })
    .expect(201);
  return response.body.id as string;
}

async function historyTypes(
  t: TestApp,
  id: string,
): Promise<Array<{ type: string; data: Record<string, unknown>; actor: { role: string } }>> {
  const response = await t.http().get(`/journeys/${id}/history`).set('Authorization', caseWorker).expect(200);
  return response.body.events;
}

function missedFacts(events: Array<{ type: string; data: Record<string, unknown> }>, clock: string) {
  return events.filter((event) => event.type === 'DeadlineMissed' && event.data.clock === clock);
}

describe('the fast-track story', () => {
  it('records the 48-hour clock as missed once, on start-up after the service was down, and care in place stops it', async () => {
    const data = tempDataDir();
    const clock = new ManualClock(new Date('2026-03-02T09:00:00Z'));
    let t = await startApp({ file: data.file, clock });
    const id = await fastTrackReferral(t);
    clock.set('2026-03-04T10:00:00Z');
    // Day 3, 10:00: the service stops (the clock fell due at 09:00 today, but say the timer never ran).
    await t.close();

    clock.set('2026-03-04T12:00:00Z');
    t = await startApp({ file: data.file, clock });
    try {
      const missed = missedFacts(await historyTypes(t, id), 'fast-track-care-in-place');
      expect(missed).toHaveLength(1);
      expect(missed[0]).toMatchObject({ data: { clock: 'fast-track-care-in-place', dueAt: DUE }, actor: { role: 'system' } });

      const journey = await t.http().get(`/journeys/${id}`).set('Authorization', caseWorker).expect(200);
      expect(journey.body.escalated).toBe(true);
      const fastTrack = journey.body.clocks.find((c: { clock: string }) => c.clock === 'fast-track-care-in-place');
      expect(fastTrack).toMatchObject({ status: 'missed', dueAt: DUE, lateByMs: 3 * 3_600_000 });

      const overdue = await t.http().get('/clocks/overdue?clock=fast-track-care-in-place').set('Authorization', manager).expect(200);
      expect(overdue.body.items).toEqual([expect.objectContaining({ journeyId: id, status: 'missed', dueAt: DUE })]);

      // Restarting again and ticking again records nothing more.
      await t.app.get(DeadlineScheduler).tick();
      expect(missedFacts(await historyTypes(t, id), 'fast-track-care-in-place')).toHaveLength(1);

      // Care is put in place: assessment, budget, plan, approval, support started.
      for (const [type, data, token] of [
        ['AssessmentStarted', {}, caseWorker],
        ['AssessmentCompleted', {}, caseWorker],
        ['IndicativeBudgetSet', {}, caseWorker],
        ['SupportPlanDrafted', {}, caseWorker],
        ['SupportPlanSubmitted', {}, caseWorker],
        ['SupportPlanApproved', {}, await bearer('approver-1', 'approver')],
        ['SupportStarted', { startDate: '2026-03-04T12:00:00Z' }, caseWorker],
      ] as Array<[EventType, Record<string, unknown>, string]>) {
        await t
          .http()
          .post(`/journeys/${id}/events`)
          .set('Authorization', token)
          .send({ type, data: dataOf(type, data) })
          .expect(201);
      }
      const after = await t.http().get(`/journeys/${id}`).set('Authorization', caseWorker).expect(200);
      expect(after.body.clocks.map((c: { clock: string }) => c.clock)).not.toContain('fast-track-care-in-place');
      expect(after.body.escalated).toBe(false);
    } finally {
      await t.close();
      data.remove();
    }
  });
});

describe('two schedulers over one store', () => {
  it('record each missed clock exactly once', async () => {
    const data = tempDataDir();
    const clock = new ManualClock(new Date('2026-03-02T09:00:00Z'));
    const a = await startApp({ file: data.file, clock });
    const b = await startApp({ file: data.file, clock });
    try {
      const ids = await Promise.all([fastTrackReferral(a), fastTrackReferral(b), fastTrackReferral(a)]);
      // Both instances' read models must know the journeys before their schedulers can see them.
      const head = (
        await a
          .http()
          .post(`/journeys/${ids[0]}/events`)
          .set('Authorization', caseWorker)
          .send({ type: 'AssessmentStarted', data: dataOf('AssessmentStarted') })
          .expect(201)
      ).body.position;
      for (const t of [a, b]) await t.http().get(`/journeys?after=${head}`).set('Authorization', caseWorker).expect(200);

      clock.set('2026-04-30T12:00:00Z');
      await Promise.all([a.app.get(DeadlineScheduler).tick(), b.app.get(DeadlineScheduler).tick(), a.app.get(DeadlineScheduler).tick()]);
      await Promise.all([a.app.get(DeadlineScheduler).tick(), b.app.get(DeadlineScheduler).tick()]);

      for (const id of ids) {
        const events = await historyTypes(a, id);
        for (const name of ['fast-track-care-in-place', 'chc-eligibility-decision', 'assessment-completed']) {
          expect(missedFacts(events, name)).toHaveLength(1);
        }
      }
    } finally {
      await a.close();
      await b.close();
      data.remove();
    }
  });
});

describe('closure', () => {
  it('a journey closed because the person died stops all its clocks, and none is recorded missed later', async () => {
    const clock = new ManualClock(new Date('2026-03-02T09:00:00Z'));
    const t = await startApp({ clock });
    try {
      const id = await fastTrackReferral(t);
      const before = await t.http().get(`/journeys/${id}`).set('Authorization', caseWorker).expect(200);
      expect(before.body.clocks.length).toBeGreaterThan(0);
      clock.set('2026-03-03T09:00:00Z');
      const closed = await t
        .http()
        .post(`/journeys/${id}/events`)
        .set('Authorization', caseWorker)
        .send({ type: 'JourneyClosed', data: { reason: 'died' }, occurredAt: '2026-03-03T08:00:00Z' })
        .expect(201);
      await t.http().get(`/journeys?after=${closed.body.position}`).set('Authorization', caseWorker).expect(200);

      clock.set('2026-06-01T00:00:00Z');
      await t.app.get(DeadlineScheduler).tick();
      const journey = await t.http().get(`/journeys/${id}`).set('Authorization', caseWorker).expect(200);
      expect(journey.body.clocks).toEqual([]);
      expect(journey.body.status).toBe('closed');
      expect((await historyTypes(t, id)).map((e) => e.type)).toEqual(['ReferralReceived', 'JourneyClosed']);
      const overdue = await t.http().get('/clocks/overdue').set('Authorization', manager).expect(200);
      expect(overdue.body.items.filter((item: { journeyId: string }) => item.journeyId === id)).toEqual([]);
    } finally {
      await t.close();
    }
  });
});

describe('a challenge raised after closure', () => {
  it('runs its 28-day clock on the closed journey, and the scheduler records it missed once', async () => {
    const clock = new ManualClock(new Date('2026-03-02T09:00:00Z'));
    const t = await startApp({ clock });
    const person = await bearer(fact('ReferralReceived').data.personId, 'person');
    const post = (token: string, type: EventType, data: Record<string, unknown> = {}) =>
      t
        .http()
        .post(`/journeys/${id}/events`)
        .set('Authorization', token)
        .send({ type, data: dataOf(type, data) })
        .expect(201);
    let id = '';
    try {
      id = (
        await t
          .http()
          .post('/journeys')
          .set('Authorization', caseWorker)
          .send({ data: dataOf('ReferralReceived') })
          .expect(201)
      ).body.id;
      await post(caseWorker, 'AssessmentStarted');
      await post(caseWorker, 'AssessmentCompleted', {
        eligible: false,
        eligibleOutcomes: [],
        reasons: 'Needs do not meet reg. 2',
        adviceGiven: 'Falls clinic and meals service',
      }); // 2
      await post(caseWorker, 'JourneyClosed', { reason: 'no-longer-eligible' });
      const challenged = await post(person, 'DecisionChallenged', { decisionRevision: 2, raisedBy: 'the person' });
      await t.http().get(`/journeys?after=${challenged.body.position}`).set('Authorization', caseWorker).expect(200);

      clock.set('2026-04-01T09:00:00Z');
      expect(await t.app.get(DeadlineScheduler).tick()).toBe(1);
      expect(await t.app.get(DeadlineScheduler).tick()).toBe(0);
      const missed = missedFacts(await historyTypes(t, id), 'challenge-answered');
      expect(missed).toEqual([expect.objectContaining({ data: { clock: 'challenge-answered', dueAt: '2026-03-30T09:00:00.000Z' } })]);
      const journey = await t.http().get(`/journeys/${id}`).set('Authorization', caseWorker).expect(200);
      expect(journey.body).toMatchObject({ status: 'closed', escalated: true });
    } finally {
      await t.close();
    }
  });
});
