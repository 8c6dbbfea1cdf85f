/**
 * Clocks under the v2 clock values (rules 7 and 8), over HTTP on the real app, with a test
 * workflow version (v1's machine and policy with `clockTiming` set) as the one new journeys start
 * on. Time is a ManualClock; the scheduler is ticked by hand.
 */
import { ManualClock } from '../../src/common/clock';
import { DeadlineScheduler } from '../../src/clocks/deadline-scheduler';
import type { EventType } from '../../workflows';
import { fact } from '../../workflows/testing/facts';
import { lateEntryRegistry } from '../../workflows/testing/late-entry-policy';
import { bearer, startApp, type TestApp } from '../support/test-app';

const NOW = '2026-03-26T09:00:00.000Z';
/** 80 days before NOW: the assessment clock (28 days) fell due 52 days ago. */
const REFERRED = '2026-01-05T09:00:00.000Z';
const ASSESSMENT_DUE = '2026-02-02T09:00:00.000Z';
const dataOf = (type: EventType, overrides: Record<string, unknown> = {}) => ({ ...fact(type).data, ...overrides });

interface Story {
  t: TestApp;
  clock: ManualClock;
  tokens: Record<'caseWorker' | 'approver' | 'auditor' | 'otherCouncil' | 'person', string>;
}

let story: Story;

beforeAll(async () => {
  const clock = new ManualClock(new Date(NOW));
  const t = await startApp({ clock, registry: lateEntryRegistry() });
  story = {
    t,
    clock,
    tokens: {
      caseWorker: await bearer('case-worker-1', 'case-worker', { organisation: 'council-a' }),
      approver: await bearer('approver-1', 'approver', { organisation: 'council-a' }),
      auditor: await bearer('auditor-1', 'auditor'),
      otherCouncil: await bearer('case-worker-9', 'case-worker', { organisation: 'council-b' }),
      person: await bearer(fact('ReferralReceived').data.personId, 'person'),
    },
  };
});
afterAll(() => story.t.close());

const http = () => story.t.http();

async function referral(occurredAt: string): Promise<{ id: string; position: string }> {
  const response = await http()
    .post('/journeys')
    .set('Authorization', story.tokens.caseWorker)
    .send({ data: dataOf('ReferralReceived'), occurredAt, reason: 'Referral entered from the paper file' })
    .expect(201);
  expect(response.body).toMatchObject({ revision: 0 });
  return { id: response.body.id as string, position: response.body.position as string };
}

async function record(id: string, type: EventType, data: Record<string, unknown>, occurredAt?: string, token = story.tokens.caseWorker) {
  const body = { type, data: dataOf(type, data), ...(occurredAt ? { occurredAt, reason: 'Entered from the paper file' } : {}) };
  return (await http().post(`/journeys/${id}/events`).set('Authorization', token).send(body).expect(201)).body as {
    position: string;
    revision: number;
  };
}

/** Let the read models (and so the scheduler) see everything up to `position`. */
async function caughtUp(position: string): Promise<void> {
  await http().get(`/journeys?after=${position}`).set('Authorization', story.tokens.auditor).expect(200);
}

async function missedFacts(id: string): Promise<Array<{ revision: number; data: { clock: string; dueAt: string } }>> {
  const history = await http().get(`/journeys/${id}/history`).set('Authorization', story.tokens.auditor).expect(200);
  return history.body.events.filter((event: { type: string }) => event.type === 'DeadlineMissed');
}

const journey = async (id: string) => (await http().get(`/journeys/${id}`).set('Authorization', story.tokens.caseWorker).expect(200)).body;

describe('a referral entered 80 days late, with the assessment done an hour after it', () => {
  it('is not recorded missed at once: the scheduler waits the grace, and the assessment entered in it stops the clock in time', async () => {
    story.clock.set(NOW);
    const { id, position } = await referral(REFERRED);
    await caughtUp(position);
    await story.t.app.get(DeadlineScheduler).tick();
    expect(await missedFacts(id)).toEqual([]);

    story.clock.set('2026-03-26T15:00:00.000Z');
    await record(id, 'AssessmentStarted', {}, '2026-01-05T09:30:00.000Z');
    const done = await record(id, 'AssessmentCompleted', {}, '2026-01-05T10:00:00.000Z');
    await caughtUp(done.position);

    story.clock.set('2026-03-28T09:00:00.000Z');
    await story.t.app.get(DeadlineScheduler).tick();
    expect(await missedFacts(id)).toEqual([]);
    expect(await journey(id)).toMatchObject({ escalated: false, lateEntries: [] });
  });

  it('is recorded missed once the grace has passed; the assessment entered later is met, recorded late, no longer escalates, and is listed', async () => {
    story.clock.set(NOW);
    const { id, position } = await referral(REFERRED);
    await caughtUp(position);

    // 24 hours after the referral was recorded, the engine records the miss (once, however often it ticks).
    story.clock.set('2026-03-27T09:00:00.000Z');
    await story.t.app.get(DeadlineScheduler).tick();
    await story.t.app.get(DeadlineScheduler).tick();
    const missed = await missedFacts(id);
    expect(missed).toEqual([expect.objectContaining({ revision: 1, data: { clock: 'assessment-completed', dueAt: ASSESSMENT_DUE } })]);
    expect(await journey(id)).toMatchObject({
      escalated: true,
      clocks: [expect.objectContaining({ clock: 'assessment-completed', status: 'missed' })],
    });

    // The case worker then enters the assessment, done an hour after the referral.
    story.clock.set('2026-03-27T11:00:00.000Z');
    await record(id, 'AssessmentStarted', {}, '2026-01-05T09:30:00.000Z');
    const done = await record(id, 'AssessmentCompleted', {}, '2026-01-05T10:00:00.000Z');
    await caughtUp(done.position);

    const view = await journey(id);
    expect(view.escalated).toBe(false);
    expect(view.clocks.map((clock: { clock: string }) => clock.clock)).not.toContain('assessment-completed');
    const metLate = {
      clock: 'assessment-completed',
      status: 'met-late',
      dueAt: ASSESSMENT_DUE,
      missedAtRevision: 1,
      recordedLateAtRevision: done.revision,
      stoppedAt: '2026-01-05T10:00:00.000Z',
    };
    expect(view.lateEntries).toEqual([expect.objectContaining(metLate)]);

    const overdue = await http().get('/clocks/overdue').set('Authorization', story.tokens.auditor).expect(200);
    expect(overdue.body.items.filter((item: { journeyId: string }) => item.journeyId === id)).toEqual([]);

    // Both figures, for the auditor and the council's own staff; another council sees none of it.
    const listed = await http()
      .get('/clocks/late-entries?clock=assessment-completed')
      .set('Authorization', story.tokens.auditor)
      .expect(200);
    expect(listed.body.items).toContainEqual(
      expect.objectContaining({ ...metLate, journeyId: id, fundingStream: 'social-care', recordedLateAt: '2026-03-27T11:00:00.000Z' }),
    );
    const ownStaff = await http().get('/clocks/late-entries').set('Authorization', story.tokens.caseWorker).expect(200);
    expect(ownStaff.body.items.map((item: { journeyId: string }) => item.journeyId)).toContain(id);
    const otherCouncil = await http().get('/clocks/late-entries').set('Authorization', story.tokens.otherCouncil).expect(200);
    expect(otherCouncil.body.items.map((item: { journeyId: string }) => item.journeyId)).not.toContain(id);
    await http().get('/clocks/late-entries').set('Authorization', story.tokens.person).expect(403);
    // The export keeps the miss on its timeline, saying what contradicted it.
    const exported = await http().get(`/journeys/${id}/export?format=json`).set('Authorization', story.tokens.auditor).expect(200);
    const missLine = exported.body.timeline.find((entry: { type: string }) => entry.type === 'DeadlineMissed');
    expect(missLine.summary).toBe(
      `Deadline missed: assessment-completed, due ${ASSESSMENT_DUE} (met, recorded late: done 2026-01-05T10:00:00.000Z, entered at revision ${done.revision})`,
    );
    const html = await http().get(`/journeys/${id}/export?format=html`).set('Authorization', story.tokens.auditor).expect(200);
    expect(html.text).toContain('met, recorded late: done 2026-01-05T10:00:00.000Z');

    const otherClock = await http().get('/clocks/late-entries?clock=first-review').set('Authorization', story.tokens.auditor).expect(200);
    expect(otherClock.body.items.map((item: { journeyId: string }) => item.journeyId)).not.toContain(id);
  });

  it('answers a bad filter on the late-entry list with a 400 naming the field', async () => {
    const response = await http()
      .get('/clocks/late-entries?limit=0&fundingStream=private')
      .set('Authorization', story.tokens.auditor)
      .expect(400);
    expect(JSON.stringify(response.body)).toContain('limit');
    expect(JSON.stringify(response.body)).toContain('fundingStream');
  });
});

describe('support entered 21 days after it started', () => {
  it('runs the first-review and direct-payment review clocks from the start date, not from the day it was typed in', async () => {
    story.clock.set('2026-03-22T10:00:00.000Z');
    const { id } = await referral('2026-02-02T09:00:00.000Z');
    for (const type of [
      'AssessmentStarted',
      'AssessmentCompleted',
      'IndicativeBudgetSet',
      'SupportPlanDrafted',
      'SupportPlanSubmitted',
    ] as const) {
      await record(id, type, {});
    }
    await record(id, 'SupportPlanApproved', {}, undefined, story.tokens.approver);
    await record(id, 'SupportStarted', { startDate: '2026-03-01' });

    const clocks = (await journey(id)).clocks as Array<{ clock: string; dueAt: string; startedAt: string }>;
    expect(clocks.find((clock) => clock.clock === 'first-review')).toMatchObject({
      startedAt: '2026-03-01T00:00:00.000Z',
      dueAt: '2026-04-26T00:00:00.000Z',
    });
    expect(clocks.find((clock) => clock.clock === 'direct-payment-first-review')?.dueAt).toBe('2026-09-01T00:00:00.000Z');
  });
});
