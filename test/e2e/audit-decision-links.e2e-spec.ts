/**
 * Each decision in GET /journeys/:id/decisions links to the journey as it stood: by revision
 * (just before it and with it applied) and by time (as the engine knew it when the decision was
 * recorded). Facts are recorded an hour apart here, so the link by time has something to tell apart.
 */
import { ManualClock } from '../../src/common/clock';
import type { TestApp } from '../support/test-app';
import { PERSON, callers, openJourney, record, startAuditApp, type Caller } from './audit.helpers';

let t: TestApp;
let auth: Record<Caller, string>;
let id: string;

beforeAll(async () => {
  auth = await callers();
  const clock = new ManualClock(new Date('2026-03-02T10:00:00.000Z'));
  t = await startAuditApp({ clock });
  id = await openJourney(t, auth.caseWorker, { personId: PERSON });
  const steps: Array<[string, Caller, Parameters<typeof record>[3]]> = [
    ['2026-03-02T11:00:00.000Z', 'caseWorker', 'AssessmentStarted'],
    ['2026-03-02T12:00:00.000Z', 'caseWorker', 'AssessmentCompleted'],
    ['2026-03-02T13:00:00.000Z', 'caseWorker', 'IndicativeBudgetSet'],
    ['2026-03-02T14:00:00.000Z', 'person', 'PreferenceRecorded'],
  ];
  for (const [at, caller, type] of steps) {
    clock.set(at);
    await record(t, id, auth[caller], type);
  }
});
afterAll(() => t.close());

const get = (path: string) => t.http().get(path).set('Authorization', auth.person);

describe('GET /journeys/:id/decisions: links to the state of the journey', () => {
  it('beside the links by revision, one by the time the decision was recorded', async () => {
    const response = await get(`/journeys/${id}/decisions`).expect(200);
    const decisions = response.body.decisions as Array<{ revision: number; recordedAt: string; links: Record<string, string> }>;
    expect(decisions.map((decision) => [decision.revision, decision.recordedAt, decision.links])).toEqual([
      [
        2,
        '2026-03-02T12:00:00.000Z',
        {
          stateBefore: `/journeys/${id}/state?revision=1`,
          stateAfter: `/journeys/${id}/state?revision=2`,
          stateWhenRecorded: `/journeys/${id}/state?at=2026-03-02T12:00:00.000Z`,
        },
      ],
      [
        3,
        '2026-03-02T13:00:00.000Z',
        {
          stateBefore: `/journeys/${id}/state?revision=2`,
          stateAfter: `/journeys/${id}/state?revision=3`,
          stateWhenRecorded: `/journeys/${id}/state?at=2026-03-02T13:00:00.000Z`,
        },
      ],
    ]);
  });

  it('the link by time shows the journey as the decision left it, not as it is now', async () => {
    const response = await get(`/journeys/${id}/decisions`).expect(200);
    for (const decision of response.body.decisions as Array<{ revision: number; links: Record<string, string> }>) {
      const { asOf: _byTime, ...then } = (await get(decision.links.stateWhenRecorded).expect(200)).body;
      const { asOf: _byRevision, ...after } = (await get(decision.links.stateAfter).expect(200)).body;
      expect(then.revision).toBe(decision.revision);
      expect(then).toEqual(after);
    }
  });
});
