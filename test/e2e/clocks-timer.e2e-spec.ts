/**
 * The scheduler's own timer: nothing here calls tick(). The service is left running across the
 * moment a clock falls due, and the missed clock must be recorded by the timer the scheduler set
 * when the deadlines read model showed the clock. The ManualClock stands a fraction of a second
 * before the due time, so the timer is real and short; the test only bounds how long it waits.
 */
import { ManualClock } from '../../src/common/clock';
import { fact } from '../../workflows/testing/facts';
import { bearer, startApp, type TestApp } from '../support/test-app';

const REFERRED_AT = '2026-03-02T09:00:00.000Z';
/** The fast-track clock: care in place within 48 hours of the referral. */
const DUE_AT = '2026-03-04T09:00:00.000Z';
const LEAD_MS = 300;
const WAIT_LIMIT_MS = 10_000;

describe('the scheduler wakes on its own', () => {
  let t: TestApp;
  let caseWorker: string;
  const clock = new ManualClock(new Date(Date.parse(DUE_AT) - LEAD_MS));

  beforeAll(async () => {
    caseWorker = await bearer('case-worker-1', 'case-worker');
    t = await startApp({ clock });
  });
  afterAll(() => t.close());

  it('records the clock as missed once its due time passes, with no tick from outside', async () => {
    const referral = { ...fact('ReferralReceived').data, fundingStream: 'nhs-chc', route: 'fast-track' };
    const opened = await t
      .http()
      .post('/journeys')
      .set('Authorization', caseWorker)
      .send({ data: referral, occurredAt: REFERRED_AT })
      .expect(201);
    const id = opened.body.id as string;
    // Wait until the read models hold the referral (one batch for all of them): the scheduler
    // plans on the deadlines read model, and now shows the clock as running.
    await t.http().get(`/journeys?after=${opened.body.position}`).set('Authorization', caseWorker).expect(200);
    const overdue = await t.http().get('/clocks/overdue?clock=fast-track-care-in-place').set('Authorization', caseWorker).expect(200);
    expect(overdue.body.items).toEqual([expect.objectContaining({ journeyId: id, status: 'running', dueAt: DUE_AT })]);
    expect(await missed(id)).toHaveLength(0);

    // Time moves past the due time while the timer (set for LEAD_MS ahead) is still pending.
    clock.set(new Date(Date.parse(DUE_AT) + 1_000));
    const started = Date.now();
    let facts = await missed(id);
    while (facts.length === 0 && Date.now() - started < WAIT_LIMIT_MS) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      facts = await missed(id);
    }
    expect(facts).toEqual([
      expect.objectContaining({
        data: { clock: 'fast-track-care-in-place', dueAt: DUE_AT },
        actor: expect.objectContaining({ role: 'system' }),
      }),
    ]);
  });

  async function missed(id: string): Promise<Array<{ type: string; data: Record<string, unknown> }>> {
    const history = await t.http().get(`/journeys/${id}/history`).set('Authorization', caseWorker).expect(200);
    return (history.body.events as Array<{ type: string; data: Record<string, unknown> }>).filter(
      (event) => event.type === 'DeadlineMissed',
    );
  }
});
