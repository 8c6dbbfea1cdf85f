/**
 * personId and free text are personal data: they must never reach a log line. A whole journey,
 * the refusals on the way (bad data, wrong role, wrong state, bad token, a stranger's read), and
 * a missed clock recorded by the scheduler, all while every log line (through the production
 * logger at its most verbose level, trace) and console write is kept; then neither the
 * distinctive personId nor any of the free text may appear in what was kept.
 */
import { DeadlineScheduler } from '../../src/clocks/deadline-scheduler';
import { ManualClock } from '../../src/common/clock';
import type { EventType } from '../../workflows';
import { fact } from '../../workflows/testing/facts';
import { CapturedLogger } from '../support/captured-logger';
import { bearer, startApp, type TestApp } from '../support/test-app';

const PERSON_ID = 'b0b5face-7e57-4d1a-9c3e-5a17ed0dd0d0';
/** Free text, each piece distinctive enough that finding it in a log cannot be a coincidence. */
const TEXT = {
  summary: 'Mrs Quillfeather-Zebedee fell at home on Tuesday',
  personViews: 'Quillfeather wants to stay near her allotment',
  reasons: 'Zebedee-reasons: three outcomes unmet',
  inTheirWords: 'I want to die at home with my cat Marmaduke',
  grounds: 'Marmaduke-grounds: night needs ignored',
  reason: 'Recorded after a call with Quillfeather’s daughter',
  badToken: 'Quillfeather.Zebedee.Marmaduke',
};

const dataOf = (type: EventType, overrides: Record<string, unknown> = {}) => ({ ...fact(type).data, ...overrides });

describe('personal data never reaches the logs', () => {
  const logger = new CapturedLogger();
  const consoleLines: string[] = [];
  const clock = new ManualClock(new Date('2026-01-05T10:00:00Z'));
  let t: TestApp;
  let spies: jest.SpyInstance[];

  beforeAll(async () => {
    spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((level) =>
      jest.spyOn(console, level).mockImplementation((...parts: unknown[]) => {
        consoleLines.push(parts.map(String).join(' '));
      }),
    );
    t = await startApp({ clock, logger, env: { LOG_LEVEL: 'trace' } });
  });
  afterAll(async () => {
    await t.close();
    spies.forEach((spy) => spy.mockRestore());
  });

  it('runs a journey, with refusals and a missed clock, and logs none of its personal data', async () => {
    const caseWorker = await bearer('case-worker-1', 'case-worker', { organisation: 'council-a' });
    const approver = await bearer('approver-1', 'approver', { organisation: 'council-a' });
    const person = await bearer(PERSON_ID, 'person');
    const stranger = await bearer('case-worker-9', 'case-worker', { organisation: 'council-b' });
    const post = (id: string, auth: string, body: unknown) =>
      t
        .http()
        .post(`/journeys/${id}/events`)
        .set('Authorization', auth)
        .send(body as object);

    const open = await t
      .http()
      .post('/journeys')
      .set('Authorization', caseWorker)
      .send({
        data: dataOf('ReferralReceived', { personId: PERSON_ID, summary: TEXT.summary }),
        reason: TEXT.reason,
        occurredAt: '2026-01-05T09:00:00Z',
      })
      .expect(201);
    const id = open.body.id as string;

    await post(id, caseWorker, { type: 'AssessmentStarted', data: dataOf('AssessmentStarted') }).expect(201);
    await post(id, person, {
      type: 'PreferenceRecorded',
      data: dataOf('PreferenceRecorded', { inTheirWords: TEXT.inTheirWords }),
      reason: TEXT.reason,
    }).expect(201);
    const completed = dataOf('AssessmentCompleted', { personViews: TEXT.personViews, reasons: TEXT.reasons, summary: TEXT.summary });
    // Refusals that carry the free text: invalid data (400), a role that may not (403), a state that does not allow it (409).
    await post(id, caseWorker, { type: 'AssessmentCompleted', data: { ...completed, eligibleOutcomes: TEXT.summary } }).expect(400);
    await post(id, approver, { type: 'AssessmentCompleted', data: completed, reason: TEXT.reason }).expect(403);
    await post(id, caseWorker, { type: 'SupportStarted', data: dataOf('SupportStarted'), reason: TEXT.reason }).expect(409);
    await post(id, caseWorker, { type: 'AssessmentCompleted', data: completed, reason: TEXT.reason }).expect(201);
    await post(id, person, {
      type: 'DecisionChallenged',
      data: dataOf('DecisionChallenged', { decisionRevision: 3, grounds: TEXT.grounds, raisedBy: PERSON_ID }),
    }).expect(201);
    // A stranger, a bad token and a malformed body that quote the personal data.
    await t.http().get(`/journeys/${id}`).set('Authorization', stranger).expect(404);
    await t.http().get(`/journeys/${id}?person=${PERSON_ID}`).set('Authorization', `Bearer ${TEXT.badToken}`).expect(401);
    await t
      .http()
      .post('/journeys')
      .set('Authorization', caseWorker)
      .set('Content-Type', 'application/json')
      .send(`{"personId":"${PERSON_ID}",`)
      .expect(400);

    // Day 30: the assessment clock has long passed; the scheduler records it and says so in the log.
    clock.set('2026-02-10T10:00:00Z');
    await post(id, caseWorker, { type: 'IndicativeBudgetSet', data: dataOf('IndicativeBudgetSet') }).expect(201);
    await t.app.get(DeadlineScheduler).tick();
    const history = await t.http().get(`/journeys/${id}/history`).set('Authorization', caseWorker).expect(200);
    expect(history.body.events.map((e: { type: string }) => e.type)).toContain('DeadlineMissed');

    const logged = [logger.text, ...consoleLines].join('\n');
    // The capture works: the refusal, the missed clock and start-up were all logged...
    expect(logged).toContain('refused GET /journeys/');
    expect(logged).toMatch(/clock challenge-answered missed|clock plan-signed-off missed|missed \(due/);
    // ...and so was a request line for every request, the person's own included (as a role, not an id).
    const requestLines = logger.records.filter((record) => record.route !== undefined);
    expect(requestLines.length).toBeGreaterThanOrEqual(13);
    expect(requestLines).toContainEqual(
      expect.objectContaining({ route: '/journeys/:id/events', status: 201, actor: { id: '[redacted]', role: 'person' } }),
    );
    // ...and none of the personal data was.
    for (const secret of [PERSON_ID, ...Object.values(TEXT)]) {
      expect({ secret, found: logged.includes(secret) }).toEqual({ secret, found: false });
    }
    for (const word of ['Quillfeather', 'Zebedee', 'Marmaduke', 'allotment']) {
      expect({ word, found: logged.includes(word) }).toEqual({ word, found: false });
    }
  });
});
