/**
 * Workflow version 2 over HTTP, on the real app and a real SQLite file: the stories v1 recorded
 * less truthfully (issue 13), version 2 beside version 1, and the declared migration of a journey
 * from one to the other, recorded only after its dry run passes.
 */
import type { EventType } from '../../workflows';
import { fact } from '../../workflows/testing/facts';
import { ManualClock } from '../../src/common/clock';
import { bearer, startApp, tempDataDir, type TestApp } from '../support/test-app';

const REFERRED_AT = '2026-01-05T09:00:00Z';
const clock = () => new ManualClock(new Date('2026-01-05T12:00:00Z'));
const dataOf = (type: EventType, overrides: Record<string, unknown> = {}) => ({ ...fact(type).data, ...overrides });

let caseWorker: string;
let approver: string;
let otherApprover: string;
let daughter: string;

beforeAll(async () => {
  caseWorker = await bearer('case-worker-1', 'case-worker', { organisation: 'council-a' });
  approver = await bearer('approver-1', 'approver', { organisation: 'council-a' });
  otherApprover = await bearer('approver-2', 'approver', { organisation: 'council-a' });
  daughter = await bearer('daughter-1', 'advocate');
});

async function open(t: TestApp, overrides: Record<string, unknown> = {}): Promise<string> {
  const response = await t
    .http()
    .post('/journeys')
    .set('Authorization', caseWorker)
    .send({ data: dataOf('ReferralReceived', overrides), occurredAt: REFERRED_AT })
    .expect(201);
  return response.body.id as string;
}

const record = (t: TestApp, id: string, auth: string, type: EventType, data: Record<string, unknown> = {}) =>
  t
    .http()
    .post(`/journeys/${id}/events`)
    .set('Authorization', auth)
    .send({ type, data: dataOf(type, data) });

async function toPlanning(t: TestApp, id: string): Promise<void> {
  for (const type of ['AssessmentStarted', 'AssessmentCompleted', 'IndicativeBudgetSet'] as const)
    await record(t, id, caseWorker, type).expect(201);
}

describe('new journeys on version 2', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ clock: clock() });
  });
  afterAll(() => t.close());

  it('start on v2, and GET /workflows lists both versions with what changed, in words', async () => {
    const id = await open(t);
    const journey = await t.http().get(`/journeys/${id}`).set('Authorization', caseWorker).expect(200);
    expect(journey.body.workflow).toEqual({ id: 'support-planning', version: 2 });
    const list = await t.http().get('/workflows').set('Authorization', caseWorker).expect(200);
    expect(list.body.map((entry: { version: number; current: boolean }) => [entry.version, entry.current])).toEqual([
      [1, false],
      [2, true],
    ]);
    expect(list.body[0].changesFromPrevious).toBeNull();
    expect(list.body[1].changesFromPrevious).toContain('finalBudgetCoversPlan');
    const v2 = await t.http().get('/workflows/support-planning/2').set('Authorization', caseWorker).expect(200);
    expect(v2.body.changes).toEqual(expect.objectContaining({}));
    expect(v2.body.document).toContain('planFollowsWishesOrSaysWhy');
  });

  it('refuses the seed story (a wish for Agency A, a plan naming Agency B) until it says so, and why', async () => {
    const id = await open(t);
    await record(t, id, caseWorker, 'PreferenceRecorded', {
      topic: 'provider',
      value: 'agency-a',
      inTheirWords: 'We chose Agency A',
    }).expect(201);
    await toPlanning(t, id);
    const agencyB = [{ description: 'Home care', category: 'personal-care', costPence: 24_000, provider: 'Agency B' }];
    await record(t, id, caseWorker, 'SupportPlanDrafted', { supports: agencyB }).expect(201);
    const silent = await record(t, id, caseWorker, 'SupportPlanSubmitted').expect(409);
    expect(silent.body.reason).toMatch(/^planFollowsWishesOrSaysWhy/);
    const override = [{ topic: 'provider', reason: 'Agency A has no staff in her area until April' }];
    await record(t, id, caseWorker, 'SupportPlanSubmitted', { overridesPreference: override }).expect(201);
    const unexplained = await record(t, id, approver, 'SupportPlanApproved').expect(409);
    expect(unexplained.body.reason).toMatch(/^planFollowsWishesOrSaysWhy/);
    await record(t, id, approver, 'SupportPlanApproved', { overridesPreference: override }).expect(201);
  });

  it('lets a daughter appointed as family ask for a review, which v1 refused', async () => {
    const id = await open(t);
    await toPlanning(t, id);
    for (const [type, auth] of [
      ['SupportPlanDrafted', caseWorker],
      ['SupportPlanSubmitted', caseWorker],
      ['SupportPlanApproved', approver],
      ['SupportStarted', caseWorker],
    ] as const) {
      await record(t, id, auth, type).expect(201);
    }
    await record(t, id, caseWorker, 'AdvocateAppointed', { advocateId: 'daughter-1', basis: 'family-or-friend' }).expect(201);
    const asked = await record(t, id, daughter, 'ReviewRequested', {
      requestedBy: 'daughter-1',
      why: 'Mum is more confused at night',
    }).expect(201);
    expect(asked.body.state).toBe('open.liveSupport');
    const access = await record(t, id, daughter, 'AccessRequested', { requestedBy: 'daughter-1' }).expect(201);
    const view = await t.http().get(`/journeys/${id}`).set('Authorization', caseWorker).expect(200);
    expect(view.body.clocks).toEqual(
      expect.arrayContaining([expect.objectContaining({ clock: 'access-request-answered', status: 'running' })]),
    );
    await record(t, id, caseWorker, 'AccessRequestAnswered', {
      requestRevision: access.body.revision,
      given: 'The export, by secure email',
    }).expect(201);
  });

  it('asks for the advice given when no needs are eligible, and refuses a category that is not on the list', async () => {
    const id = await open(t);
    await record(t, id, caseWorker, 'AssessmentStarted').expect(201);
    const bare = await record(t, id, caseWorker, 'AssessmentCompleted', { eligible: false, eligibleOutcomes: [] }).expect(409);
    expect(bare.body.reason).toMatch(/^notEligibleGivesAdvice/);
    await record(t, id, caseWorker, 'AssessmentCompleted', {
      eligible: false,
      eligibleOutcomes: [],
      adviceGiven: 'Falls clinic and meals service',
    }).expect(201);

    const other = await open(t);
    await toPlanning(t, other);
    const whisky = await record(t, other, caseWorker, 'SupportPlanDrafted', {
      supports: [{ description: 'Whisky', category: 'Alcohol', costPence: 100 }],
    }).expect(400);
    expect(whisky.body.details[0]).toMatchObject({ field: 'data.supports.0.category', rule: 'isIn' });
  });
});

describe('declared migration from v1 to v2', () => {
  it('is refused (409) naming the first revision and rule v2 refuses, and recorded (201) once the dry run passes', async () => {
    const data = tempDataDir();
    const onV1 = await startApp({ file: data.file, clock: clock(), env: { WORKFLOW_VERSION: '1' } });
    let breaking: string;
    let sound: string;
    try {
      breaking = await open(onV1);
      await record(onV1, breaking, caseWorker, 'AssessmentStarted').expect(201);
      // Not eligible with no advice: v1 takes it, v2's rule 3 would not.
      await record(onV1, breaking, caseWorker, 'AssessmentCompleted', { eligible: false, eligibleOutcomes: [] }).expect(201);
      sound = await open(onV1);
      await record(onV1, sound, caseWorker, 'AssessmentStarted').expect(201);
    } finally {
      await onV1.close();
    }
    const t = await startApp({ file: data.file, clock: clock() });
    try {
      const migrate = (id: string, auth: string, body: Record<string, unknown>) =>
        t.http().post(`/journeys/${id}/migrations`).set('Authorization', auth).send(body);
      const refused = await migrate(breaking, approver, { to: 2, reason: 'Council moves open journeys to v2' }).expect(409);
      expect(refused.body).toMatchObject({
        error: 'WORKFLOW.MIGRATION_REFUSED',
        from: 1,
        to: 2,
        revision: 2,
        rule: 'notEligibleGivesAdvice',
      });
      await migrate(sound, caseWorker, { to: 2, reason: 'Council moves open journeys to v2' }).expect(403);
      const blank = await migrate(sound, approver, { to: 2, reason: '  ' }).expect(400);
      expect(blank.body.details[0]).toMatchObject({ field: 'reason', rule: 'hasVisibleText' });
      const backwards = await migrate(sound, approver, { to: 1, reason: 'Back' }).expect(400);
      expect(backwards.body.details[0]).toMatchObject({ field: 'to' });

      const moved = await migrate(sound, approver, { to: 2, reason: 'Council moves open journeys to v2' }).expect(201);
      expect(moved.body).toMatchObject({ revision: 2, state: 'open.assessment' });
      const view = await t.http().get(`/journeys/${sound}`).set('Authorization', caseWorker).expect(200);
      expect(view.body.workflow).toEqual({ id: 'support-planning', version: 2 });
      // From now on v2's rules decide: no finding of no eligible needs without the advice.
      const bare = await record(t, sound, caseWorker, 'AssessmentCompleted', { eligible: false, eligibleOutcomes: [] }).expect(409);
      expect(bare.body.reason).toMatch(/^notEligibleGivesAdvice/);
      const history = await t.http().get(`/journeys/${sound}/history`).set('Authorization', caseWorker).expect(200);
      expect(history.body.events.map((event: { type: string; stateAfter: string }) => [event.type, event.stateAfter])).toEqual([
        ['ReferralReceived', 'open.referral'],
        ['AssessmentStarted', 'open.assessment'],
        ['WorkflowMigrated', 'open.assessment'],
      ]);
      expect(history.body.events[2]).toMatchObject({
        actor: { id: 'approver-1', role: 'approver' },
        reason: 'Council moves open journeys to v2',
      });
      const verified = await t
        .http()
        .get(`/journeys/${sound}/verify`)
        .set('Authorization', await bearer('auditor-1', 'auditor'))
        .expect(200);
      expect(verified.body.replay).toMatchObject({ consistent: true });
      // The v1 journey the dry run refused stays on v1, untouched.
      const stayed = await t.http().get(`/journeys/${breaking}`).set('Authorization', caseWorker).expect(200);
      expect(stayed.body.workflow).toEqual({ id: 'support-planning', version: 1 });
      await migrate(sound, otherApprover, { to: 2, reason: 'Again' }).expect(400);
    } finally {
      await t.close();
      data.remove();
    }
  });
});
