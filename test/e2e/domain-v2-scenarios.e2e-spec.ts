/**
 * DOMAIN.md "Workflow version 2", rule by rule, as the domain's stories: each scenario is told
 * through the real HTTP API (the real Nest app on a real SQLite file), as a case worker, an
 * approver, the person, their representative and an auditor would live it, and checks what the
 * record shows afterwards (the journey, its history, its decisions and its clocks). The edges a
 * careful tester tries (wrong role, wrong order, missing reason, impossible dates) sit with the
 * rule they probe; the last part shows v1 journeys keeping v1's rules.
 */
import type { EventType } from '../../workflows';
import { fact } from '../../workflows/testing/facts';
import { ManualClock } from '../../src/common/clock';
import { DeadlineScheduler } from '../../src/clocks/deadline-scheduler';
import { bearer, startApp, tempDataDir, type TestApp } from '../support/test-app';

/** "Now" for the whole file; each journey is referred some days before it. */
const NOW = '2026-03-26T09:00:00.000Z';
const REFERRED = '2026-03-02T09:00:00.000Z';
const PERSON_ID = fact('ReferralReceived').data.personId;

const dataOf = (type: EventType, overrides: Record<string, unknown> = {}) => ({ ...fact(type).data, ...overrides });

interface Tokens {
  caseWorker: string;
  approver: string;
  otherApprover: string;
  person: string;
  daughter: string;
  stranger: string;
  auditor: string;
}

let t: TestApp;
let clock: ManualClock;
let as: Tokens;

beforeAll(async () => {
  clock = new ManualClock(new Date(NOW));
  t = await startApp({ clock });
  as = {
    caseWorker: await bearer('case-worker-1', 'case-worker', { organisation: 'council-a' }),
    approver: await bearer('approver-1', 'approver', { organisation: 'council-a' }),
    otherApprover: await bearer('approver-2', 'approver', { organisation: 'council-a' }),
    person: await bearer(PERSON_ID, 'person'),
    daughter: await bearer('daughter-1', 'advocate'),
    stranger: await bearer('advocate-9', 'advocate'),
    auditor: await bearer('auditor-1', 'auditor'),
  };
});
afterAll(() => t.close());
beforeEach(() => clock.set(NOW));

const http = () => t.http();

interface When {
  occurredAt?: string;
  reason?: string;
}

async function refer(overrides: Record<string, unknown> = {}, when: When = { occurredAt: REFERRED }): Promise<string> {
  const response = await http()
    .post('/journeys')
    .set('Authorization', as.caseWorker)
    .send({ data: dataOf('ReferralReceived', overrides), ...when })
    .expect(201);
  return response.body.id as string;
}

function record(id: string, token: string, type: EventType, data: Record<string, unknown> = {}, when: When = {}) {
  return http()
    .post(`/journeys/${id}/events`)
    .set('Authorization', token)
    .send({ type, data: dataOf(type, data), ...when });
}

async function journey(id: string, token = as.caseWorker) {
  return (await http().get(`/journeys/${id}`).set('Authorization', token).expect(200)).body;
}

async function history(
  id: string,
): Promise<Array<{ revision: number; type: string; data: Record<string, unknown>; stateAfter: string; reason: string | null }>> {
  return (await http().get(`/journeys/${id}/history`).set('Authorization', as.auditor).expect(200)).body.events;
}

type Clock = { clock: string; status: string; startedAt: string; dueAt: string; startedAtRevision: number };
const clockNamed = (view: { clocks: Clock[] }, name: string) => view.clocks.find((entry) => entry.clock === name);

/** Referral → assessment → indicative budget: the journey waits for a plan. */
async function toPlanning(id: string): Promise<void> {
  for (const type of ['AssessmentStarted', 'AssessmentCompleted', 'IndicativeBudgetSet'] as const)
    await record(id, as.caseWorker, type).expect(201);
}

/** … → a plan drafted, submitted, approved by another person, and support started. */
async function toLiveSupport(id: string, plan: Record<string, unknown> = {}, approval: Record<string, unknown> = {}): Promise<void> {
  await toPlanning(id);
  await record(id, as.caseWorker, 'SupportPlanDrafted', plan).expect(201);
  await record(id, as.caseWorker, 'SupportPlanSubmitted').expect(201);
  await record(id, as.approver, 'SupportPlanApproved', approval).expect(201);
  await record(id, as.caseWorker, 'SupportStarted', { startDate: '2026-03-20' }).expect(201);
}

function expectRefused(response: { status: number; body: { reason?: string } }, rule: string): void {
  expect(response.status).toBe(409);
  expect(response.body.reason).toMatch(new RegExp(`^${rule}:`));
}

function expectInvalid(
  response: { status: number; body: { details?: Array<{ field: string; rule: string }> } },
  field: string,
  rule: string,
): void {
  expect(response.status).toBe(400);
  expect(response.body.details).toContainEqual(expect.objectContaining({ field, rule }));
}

describe('rule 1: a plan is compared with the person’s wishes by what it contains', () => {
  it('seed 000: given her wish for Agency A, when the plan names Agency B and says nothing, then submission and approval are refused until the plan says why', async () => {
    const id = await refer();
    await record(id, as.person, 'PreferenceRecorded', {
      topic: 'provider',
      value: 'agency-a',
      inTheirWords: 'Mum chose Agency A; she knows the carers',
    }).expect(201);
    await toPlanning(id);
    const agencyB = [{ description: 'Home care, 10 hours a week', category: 'personal-care', costPence: 24_000, provider: 'Agency B' }];
    await record(id, as.caseWorker, 'SupportPlanDrafted', { supports: agencyB, choices: {} }).expect(201);

    expectRefused(await record(id, as.caseWorker, 'SupportPlanSubmitted'), 'planFollowsWishesOrSaysWhy');
    const wrongTopic = [{ topic: 'place-of-care', reason: 'Not the point' }];
    expectRefused(
      await record(id, as.caseWorker, 'SupportPlanSubmitted', { overridesPreference: wrongTopic }),
      'planFollowsWishesOrSaysWhy',
    );
    expectInvalid(
      await record(id, as.caseWorker, 'SupportPlanSubmitted', { overridesPreference: [{ topic: 'provider', reason: '   ' }] }),
      'data.overridesPreference.0.reason',
      'hasVisibleText',
    );

    const why = [{ topic: 'provider', reason: 'Agency A has no carers free in her area until April' }];
    await record(id, as.caseWorker, 'SupportPlanSubmitted', { overridesPreference: why }).expect(201);
    expectRefused(await record(id, as.approver, 'SupportPlanApproved'), 'planFollowsWishesOrSaysWhy');
    await record(id, as.approver, 'SupportPlanApproved', { overridesPreference: why }).expect(201);

    // The record says the plan went against her wish, and why, where an advocate reads it.
    const decisions = await http().get(`/journeys/${id}/decisions`).set('Authorization', as.auditor).expect(200);
    expect(JSON.stringify(decisions.body)).toContain('Agency A has no carers free in her area until April');
  });

  it('given a wish for Agency A, a plan naming “Agency A” however spelt follows it and goes through unflagged', async () => {
    const id = await refer();
    await record(id, as.person, 'PreferenceRecorded', { topic: 'provider', value: 'agency-a', inTheirWords: 'Agency A, please' }).expect(
      201,
    );
    await toPlanning(id);
    await record(id, as.caseWorker, 'SupportPlanDrafted').expect(201);
    await record(id, as.caseWorker, 'SupportPlanSubmitted').expect(201);
    await record(id, as.approver, 'SupportPlanApproved').expect(201);
  });

  it('given a wish to be cared for at home, a plan for a nursing home is refused unless it says why, and a plan silent on where care is given is refused', async () => {
    const id = await refer();
    await record(id, as.person, 'PreferenceRecorded', {
      topic: 'place-of-care',
      value: 'home',
      inTheirWords: 'A nursing home is my worst nightmare',
    }).expect(201);
    await toPlanning(id);
    await record(id, as.caseWorker, 'SupportPlanDrafted').expect(201);
    expectRefused(await record(id, as.caseWorker, 'SupportPlanSubmitted'), 'planStatesSettingWhenWished');
    await record(id, as.caseWorker, 'SupportPlanDrafted', { setting: 'nursing-home' }).expect(201);
    expectRefused(await record(id, as.caseWorker, 'SupportPlanSubmitted', { planVersion: 2 }), 'planFollowsWishesOrSaysWhy');
    await record(id, as.caseWorker, 'SupportPlanDrafted', { setting: 'home' }).expect(201);
    await record(id, as.caseWorker, 'SupportPlanSubmitted', { planVersion: 3 }).expect(201);
  });

  it('given a wish to die at home, a hospice plan needs the reason on place-of-death; given a wish to hold the money, a notional budget needs its reason', async () => {
    const id = await refer({ fundingStream: 'nhs-chc', route: 'fast-track' });
    await record(id, as.person, 'PreferenceRecorded', {
      topic: 'place-of-death',
      value: 'home',
      inTheirWords: 'I want to die in my own bed',
    }).expect(201);
    await record(id, as.person, 'PreferenceRecorded', {
      topic: 'deployment',
      value: 'direct-payment',
      inTheirWords: 'We will pay the carers ourselves',
    }).expect(201);
    await toPlanning(id);
    await record(id, as.caseWorker, 'SupportPlanDrafted', { setting: 'hospice', deployment: 'notional' }).expect(201);
    const onlyPlace = [{ topic: 'place-of-death', reason: 'Her pain needs the hospice team around the clock' }];
    const refused = await record(id, as.caseWorker, 'SupportPlanSubmitted', { overridesPreference: onlyPlace });
    expectRefused(refused, 'planFollowsWishesOrSaysWhy');
    const both = [...onlyPlace, { topic: 'deployment', reason: 'The family asked the ICB to hold the money for now' }];
    await record(id, as.caseWorker, 'SupportPlanSubmitted', { overridesPreference: both }).expect(201);
  });
});

describe('rule 2: every kind of representative may read, speak for the person, ask for a review and challenge', () => {
  it.each(['care-act-s67', 'chosen-by-person', 'family-or-friend', 'lasting-power-of-attorney', 'court-deputy'])(
    'given a daughter appointed on the basis %s, she reads the journey, records a wish, asks for a review and challenges a decision',
    async (basis) => {
      const id = await refer();
      await toLiveSupport(id);
      await record(id, as.caseWorker, 'AdvocateAppointed', { advocateId: 'daughter-1', basis }).expect(201);

      const view = await journey(id, as.daughter);
      expect(view.summary.advocates).toContain('daughter-1');
      await record(id, as.daughter, 'PreferenceRecorded', {
        topic: 'carers',
        value: 'same-carers',
        inTheirWords: 'Mum wants to keep Jo and Sam',
      }).expect(201);
      const asked = await record(id, as.daughter, 'ReviewRequested', {
        requestedBy: 'daughter-1',
        why: 'Mum is more confused at night',
      }).expect(201);
      expect(asked.body.state).toBe('open.liveSupport');
      const approval = (await history(id)).find((event) => event.type === 'SupportPlanApproved');
      await record(id, as.daughter, 'DecisionChallenged', {
        decisionRevision: approval?.revision,
        grounds: 'The budget leaves no night care',
        raisedBy: 'daughter-1',
      }).expect(201);
      expect((await journey(id)).summary.reviewRequest).toMatchObject({ requestedBy: 'daughter-1', why: 'Mum is more confused at night' });
    },
  );

  it('hides the journey from a representative not appointed to it (404, as if it did not exist), refuses one whose appointment was withdrawn, and a basis v2 does not know (400)', async () => {
    const id = await refer();
    await toLiveSupport(id);
    await http().get(`/journeys/${id}`).set('Authorization', as.stranger).expect(404);
    expect((await record(id, as.stranger, 'ReviewRequested', { requestedBy: 'advocate-9', why: 'Just asking' })).status).toBe(404);

    expectInvalid(await record(id, as.caseWorker, 'AdvocateAppointed', { advocateId: 'daughter-1', basis: 'other' }), 'data.basis', 'isIn');
    await record(id, as.caseWorker, 'AdvocateAppointed', { advocateId: 'daughter-1', basis: 'family-or-friend' }).expect(201);
    await record(id, as.caseWorker, 'AdvocateWithdrawn', { advocateId: 'daughter-1', basis: 'Mum asked for her son instead' }).expect(201);
    const afterWithdrawal = await record(id, as.daughter, 'ReviewRequested', { requestedBy: 'daughter-1', why: 'Still worried' });
    expect(afterWithdrawal.status).toBe(403);
    expect(afterWithdrawal.body.error).toBe('AUTH.ACCESS_ENDED');
  });

  it('lets the person ask for a review themself, but not an auditor (403, actorMayRecord)', async () => {
    const id = await refer();
    await toLiveSupport(id);
    await record(id, as.person, 'ReviewRequested', { requestedBy: PERSON_ID, why: 'My needs have changed' }).expect(201);
    expect((await record(id, as.auditor, 'ReviewRequested', { requestedBy: 'auditor-1', why: 'Curious' })).status).toBe(403);
  });
});

describe('rule 3: not eligible means advice', () => {
  it('given an assessment finding no eligible needs, when it carries no advice it is refused; with the advice it is recorded and shown', async () => {
    const id = await refer();
    await record(id, as.caseWorker, 'AssessmentStarted').expect(201);
    const notEligible = { eligible: false, eligibleOutcomes: [], reasons: 'Manages all ten outcomes unaided' };
    expectRefused(await record(id, as.caseWorker, 'AssessmentCompleted', notEligible), 'notEligibleGivesAdvice');
    expectInvalid(
      await record(id, as.caseWorker, 'AssessmentCompleted', { ...notEligible, adviceGiven: ' \t ' }),
      'data.adviceGiven',
      'hasVisibleText',
    );
    const advice = 'Falls-prevention class at the library; Age UK befriending; how to ask again if things change';
    const done = await record(id, as.caseWorker, 'AssessmentCompleted', { ...notEligible, adviceGiven: advice }).expect(201);
    expect(done.body.state).toBe('open.notEligible');
    const events = await history(id);
    expect(events.find((event) => event.type === 'AssessmentCompleted')?.data.adviceGiven).toBe(advice);
    expect((await journey(id)).status).toBe('not-eligible');
  });

  it('asks no advice of an eligible finding', async () => {
    const id = await refer();
    await record(id, as.caseWorker, 'AssessmentStarted').expect(201);
    const done = await record(id, as.caseWorker, 'AssessmentCompleted').expect(201);
    expect(done.body.state).toBe('open.indicativeBudget');
  });
});

describe('rule 4: the final budget covers the plan', () => {
  it('given a plan costing £300 a week, a final budget of £200 a week is refused whatever reason is given, and the plan goes back instead', async () => {
    const id = await refer();
    await toPlanning(id);
    const plan = {
      supports: [{ description: 'Home care and night sits', category: 'personal-care', costPence: 30_000, provider: 'Agency A' }],
      overBudgetReason: 'Night sits are needed twice a week',
    };
    await record(id, as.caseWorker, 'SupportPlanDrafted', plan).expect(201);
    await record(id, as.caseWorker, 'SupportPlanSubmitted').expect(201);
    const short = await record(id, as.approver, 'SupportPlanApproved', {
      finalBudgetPence: 20_000,
      budgetDifferenceReason: 'Panel capped it',
    });
    expectRefused(short, 'finalBudgetCoversPlan');
    // The same sum over four weeks is still short; £1,200 per four weeks covers it exactly.
    expectRefused(
      await record(id, as.approver, 'SupportPlanApproved', {
        finalBudgetPence: 80_000,
        period: 'four-weeks',
        budgetDifferenceReason: 'Panel',
      }),
      'finalBudgetCoversPlan',
    );
    const returned = await record(id, as.approver, 'SupportPlanReturned', {
      reasons: 'Costs more than we can approve as it stands',
      changesRequested: ['Cost the night sits separately'],
    }).expect(201);
    expect(returned.body.state).toBe('open.supportPlanning');
    expect((await history(id)).filter((event) => event.type === 'SupportPlanApproved')).toEqual([]);
  });

  it('approves a plan whose final budget covers it over the same period', async () => {
    const id = await refer();
    await toPlanning(id);
    await record(id, as.caseWorker, 'SupportPlanDrafted', {
      supports: [{ description: 'Home care', category: 'personal-care', costPence: 30_000 }],
      overBudgetReason: 'Night sits',
    }).expect(201);
    await record(id, as.caseWorker, 'SupportPlanSubmitted').expect(201);
    await record(id, as.approver, 'SupportPlanApproved', {
      finalBudgetPence: 120_000,
      period: 'four-weeks',
      budgetDifferenceReason: 'Covers the night sits',
    }).expect(201);
  });
});

describe('rule 5: the funding in force follows the approval', () => {
  it('given a social-care journey, an approval with NHS and council shares makes it integrated, listed as such, with the referral’s stream kept', async () => {
    const id = await refer();
    await toPlanning(id);
    await record(id, as.caseWorker, 'SupportPlanDrafted').expect(201);
    await record(id, as.caseWorker, 'SupportPlanSubmitted').expect(201);
    const twice = [
      { funder: 'council', amountPence: 10_000 },
      { funder: 'council', amountPence: 15_000 },
    ];
    expectInvalid(await record(id, as.approver, 'SupportPlanApproved', { fundingShares: twice }), 'data.fundingShares', 'uniqueFunders');
    const wrongSum = [
      { funder: 'council', amountPence: 10_000 },
      { funder: 'nhs', amountPence: 10_000 },
    ];
    expectRefused(await record(id, as.approver, 'SupportPlanApproved', { fundingShares: wrongSum }), 'fundingSharesMatchBudget');
    const joint = [
      { funder: 'council', amountPence: 15_000 },
      { funder: 'nhs', amountPence: 10_000 },
    ];
    const approved = await record(id, as.approver, 'SupportPlanApproved', { fundingShares: joint }).expect(201);

    const view = await journey(id);
    expect(view.summary).toMatchObject({ fundingStream: 'integrated', referralFundingStream: 'social-care' });
    expect(view.summary.budgetInForce.fundingShares).toEqual(joint);
    const integrated = await http()
      .get(`/journeys?fundingStream=integrated&after=${approved.body.position}&limit=500`)
      .set('Authorization', as.auditor)
      .expect(200);
    expect(integrated.body.items.map((row: { id?: string; journeyId?: string }) => row.id ?? row.journeyId)).toContain(id);
    const socialCare = await http().get('/journeys?fundingStream=social-care&limit=500').set('Authorization', as.auditor).expect(200);
    expect(socialCare.body.items.map((row: { id?: string; journeyId?: string }) => row.id ?? row.journeyId)).not.toContain(id);
    expect((await history(id))[0].data.fundingStream).toBe('social-care');

    // The clock lists filter by the funding in force too.
    const started = await record(id, as.caseWorker, 'SupportStarted', { startDate: '2026-03-20' }).expect(201);
    await http().get(`/journeys?after=${started.body.position}`).set('Authorization', as.auditor).expect(200);
    const dueSoon = (stream: string) =>
      http().get(`/clocks/overdue?fundingStream=${stream}&withinHours=2000&limit=500`).set('Authorization', as.auditor).expect(200);
    const integratedClocks = (await dueSoon('integrated')).body.items.filter((item: { journeyId: string }) => item.journeyId === id);
    expect(integratedClocks).toEqual([
      expect.objectContaining({ clock: 'first-review', fundingStream: 'integrated', dueAt: '2026-05-15T00:00:00.000Z' }),
    ]);
    expect((await dueSoon('social-care')).body.items.map((item: { journeyId: string }) => item.journeyId)).not.toContain(id);
  });
});

describe('rule 6: a revised plan approved during live support takes effect at once', () => {
  it('given live support and a review that revises the plan, the re-approved plan returns the journey to live support, with the review clock still running', async () => {
    const id = await refer();
    await toLiveSupport(id);
    await record(id, as.caseWorker, 'ReviewStarted').expect(201);
    await record(id, as.caseWorker, 'ReviewCompleted', { outcome: 'revise-plan', reasons: 'More help with meals' }).expect(201);
    await record(id, as.caseWorker, 'SupportPlanDrafted', {
      supports: [{ description: 'Home care and meals', category: 'personal-care', costPence: 25_000, provider: 'Agency A' }],
    }).expect(201);
    await record(id, as.caseWorker, 'SupportPlanSubmitted', { planVersion: 2 }).expect(201);
    const approved = await record(id, as.approver, 'SupportPlanApproved', { planVersion: 2 }).expect(201);
    expect(approved.body.state).toBe('open.liveSupport');

    const view = await journey(id);
    expect(view.summary.supportStartedAt).toBe('2026-03-20');
    expect(clockNamed(view, 'annual-review')).toMatchObject({ status: 'running' });
    // Support never stopped, so it is not started again.
    expectRefused(await record(id, as.caseWorker, 'SupportStarted', { startDate: '2026-03-25' }), 'wrong-state');
  });
});

describe('rule 7: clocks run from when things happened', () => {
  it('given support that started 21 days before it was typed in, the first review is due 8 weeks from the start, not from the typing', async () => {
    const id = await refer();
    await toLiveSupport(id, { deployment: 'notional' });
    const events = await history(id);
    expect(events.at(-1)).toMatchObject({ type: 'SupportStarted' });
    const supportStarted = events.at(-1);
    expect(supportStarted?.data.startDate).toBe('2026-03-20');
    // Typed in on NOW (26 March); started 20 March.
    const view = await journey(id);
    expect(clockNamed(view, 'first-review')).toMatchObject({ startedAt: '2026-03-20T00:00:00.000Z', dueAt: '2026-05-15T00:00:00.000Z' });
  });

  it('runs a direct payment’s 6-month review and an NHS CHC 3-month review from the start date too', async () => {
    const direct = await refer();
    await toLiveSupport(direct, { deployment: 'direct-payment' });
    expect(clockNamed(await journey(direct), 'direct-payment-first-review')).toMatchObject({
      startedAt: '2026-03-20T00:00:00.000Z',
      dueAt: '2026-09-20T00:00:00.000Z',
    });

    const chc = await refer({ fundingStream: 'nhs-chc' });
    await toLiveSupport(chc, { deployment: 'notional' });
    expect(clockNamed(await journey(chc), 'chc-first-review')).toMatchObject({
      startedAt: '2026-03-20T00:00:00.000Z',
      dueAt: '2026-06-20T00:00:00.000Z',
    });
  });

  it('starts and stops every clock on its fact’s own date when the fact is entered later', async () => {
    const id = await refer();
    await record(id, as.caseWorker, 'AssessmentStarted', {}, { occurredAt: '2026-03-03T09:00:00.000Z' }).expect(201);
    await record(id, as.caseWorker, 'AssessmentCompleted', {}, { occurredAt: '2026-03-04T09:00:00.000Z' }).expect(201);
    await record(id, as.caseWorker, 'IndicativeBudgetSet', {}, { occurredAt: '2026-03-05T09:00:00.000Z' }).expect(201);
    const view = await journey(id);
    expect(view.clocks.map((entry: Clock) => entry.clock)).toEqual(['plan-signed-off']);
    expect(clockNamed(view, 'plan-signed-off')).toMatchObject({ startedAt: '2026-03-05T09:00:00.000Z', dueAt: '2026-04-02T09:00:00.000Z' });
  });

  it('refuses a start date before the referral (notBeforeReferral) or in the future (notInFuture), naming the field', async () => {
    const id = await refer();
    await toPlanning(id);
    await record(id, as.caseWorker, 'SupportPlanDrafted').expect(201);
    await record(id, as.caseWorker, 'SupportPlanSubmitted').expect(201);
    await record(id, as.approver, 'SupportPlanApproved').expect(201);
    expectInvalid(await record(id, as.caseWorker, 'SupportStarted', { startDate: '2026-02-01' }), 'data.startDate', 'notBeforeReferral');
    expectInvalid(await record(id, as.caseWorker, 'SupportStarted', { startDate: '2026-04-30' }), 'data.startDate', 'notInFuture');
  });
});

describe('rule 8: late entries, and dates that cannot be true', () => {
  it('refuses a fact dated before the referral, one in the future, and backdating beyond 30 days without a reason', async () => {
    const id = await refer();
    expectInvalid(
      await record(id, as.caseWorker, 'AssessmentStarted', {}, { occurredAt: '2026-03-01T09:00:00.000Z' }),
      'occurredAt',
      'notBeforeReferral',
    );
    expectInvalid(
      await record(id, as.caseWorker, 'AssessmentStarted', {}, { occurredAt: '2026-03-26T10:00:00.000Z' }),
      'occurredAt',
      'notInFuture',
    );
    const old = await http()
      .post('/journeys')
      .set('Authorization', as.caseWorker)
      .send({ data: dataOf('ReferralReceived'), occurredAt: '2026-01-05T09:00:00.000Z' });
    expectInvalid(old, 'reason', 'backdatingNeedsReason');
    await refer({}, { occurredAt: '2026-01-05T09:00:00.000Z', reason: 'Referral found in the paper post' });
  });

  it('given a referral entered 80 days late, the scheduler waits the grace; the miss it then records, contradicted by the assessment done in time, is shown met, recorded late, and no longer escalates', async () => {
    const referred = '2026-01-05T09:00:00.000Z';
    const created = await http()
      .post('/journeys')
      .set('Authorization', as.caseWorker)
      .send({ data: dataOf('ReferralReceived'), occurredAt: referred, reason: 'Referral found in the paper post' })
      .expect(201);
    const id = created.body.id as string;
    const scheduler = t.app.get(DeadlineScheduler);
    await http().get(`/journeys?after=${created.body.position}`).set('Authorization', as.auditor).expect(200);
    await scheduler.tick();
    expect((await history(id)).map((event) => event.type)).toEqual(['ReferralReceived']);

    clock.set('2026-03-27T10:00:00.000Z');
    await scheduler.tick();
    const missed = (await history(id)).find((event) => event.type === 'DeadlineMissed');
    expect(missed?.data).toEqual({ clock: 'assessment-completed', dueAt: '2026-02-02T09:00:00.000Z' });
    expect(await journey(id)).toMatchObject({ escalated: true });

    await record(
      id,
      as.caseWorker,
      'AssessmentStarted',
      {},
      { occurredAt: '2026-01-05T09:30:00.000Z', reason: 'From the paper file' },
    ).expect(201);
    const done = await record(
      id,
      as.caseWorker,
      'AssessmentCompleted',
      {},
      { occurredAt: '2026-01-05T10:00:00.000Z', reason: 'From the paper file' },
    ).expect(201);
    const view = await journey(id);
    expect(view.escalated).toBe(false);
    expect(view.lateEntries).toEqual([
      expect.objectContaining({
        clock: 'assessment-completed',
        status: 'met-late',
        missedAtRevision: missed?.revision,
        recordedLateAtRevision: done.body.revision,
      }),
    ]);
    await http().get(`/journeys?after=${done.body.position}`).set('Authorization', as.auditor).expect(200);
    const listed = await http().get('/clocks/late-entries?clock=assessment-completed').set('Authorization', as.auditor).expect(200);
    expect(listed.body.items.map((item: { journeyId: string }) => item.journeyId)).toContain(id);
  });
});

describe('rule 9: challenges name decisions in force, and closure is one', () => {
  it('given an approval replaced by a reassessment, a challenge to the old approval is refused by name; the reassessment itself may be challenged', async () => {
    const id = await refer();
    await toLiveSupport(id);
    await record(id, as.caseWorker, 'ReviewStarted').expect(201);
    await record(id, as.caseWorker, 'ReviewCompleted', { outcome: 'reassess', reasons: 'Needs have changed' }).expect(201);
    const reassessed = await record(id, as.caseWorker, 'AssessmentCompleted', {
      eligible: false,
      eligibleOutcomes: [],
      adviceGiven: 'Day centre; meals on wheels',
    }).expect(201);
    const approval = (await history(id)).find((event) => event.type === 'SupportPlanApproved');
    const old = await record(id, as.person, 'DecisionChallenged', {
      decisionRevision: approval?.revision,
      grounds: 'The budget was right',
      raisedBy: PERSON_ID,
    });
    expectRefused(old, 'challengeNamesDecisionInForce');
    await record(id, as.person, 'DecisionChallenged', {
      decisionRevision: reassessed.body.revision,
      grounds: 'My needs have not gone away',
      raisedBy: PERSON_ID,
    }).expect(201);
    const again = await record(id, as.person, 'DecisionChallenged', {
      decisionRevision: reassessed.body.revision,
      grounds: 'Again',
      raisedBy: PERSON_ID,
    });
    expectRefused(again, 'challengeNamesDecisionInForce');
  });

  it('given a journey closed as no longer eligible while a plan was being written, an upheld challenge reopens planning, and its clock runs again', async () => {
    const id = await refer();
    await toPlanning(id);
    const closed = await record(id, as.caseWorker, 'JourneyClosed', { reason: 'no-longer-eligible' }).expect(201);
    expect(closed.body.state).toBe('closed');
    expect(clockNamed(await journey(id), 'plan-signed-off')).toBeUndefined();

    expect(
      (
        await record(id, as.caseWorker, 'DecisionChallenged', {
          decisionRevision: closed.body.revision,
          grounds: 'x',
          raisedBy: 'case-worker-1',
        })
      ).status,
    ).toBe(403);
    clock.set('2026-03-27T09:00:00.000Z');
    const challenge = await record(id, as.person, 'DecisionChallenged', {
      decisionRevision: closed.body.revision,
      grounds: 'Nobody reassessed me; my needs are the same',
      raisedBy: PERSON_ID,
    }).expect(201);
    expect(clockNamed(await journey(id), 'challenge-answered')).toMatchObject({ status: 'running', dueAt: '2026-04-24T09:00:00.000Z' });

    // Resolved by someone who did not close it; the wrong challenge revision is refused by name.
    expectRefused(
      await record(id, as.approver, 'ChallengeResolved', { challengeRevision: closed.body.revision, outcome: 'upheld', reasons: 'x' }),
      'challengeIsOpen',
    );
    clock.set('2026-03-28T09:00:00.000Z');
    const upheld = await record(id, as.approver, 'ChallengeResolved', {
      challengeRevision: challenge.body.revision,
      outcome: 'upheld',
      reasons: 'Closed without a reassessment',
      remedy: 'Planning resumes',
    }).expect(201);
    expect(upheld.body.state).toBe('open.supportPlanning');

    const view = await journey(id);
    expect(view.summary).toMatchObject({ closure: null, closedFrom: null });
    expect(view.status).toBe('open');
    expect(clockNamed(view, 'challenge-answered')).toBeUndefined();
    expect(clockNamed(view, 'plan-signed-off')).toMatchObject({
      status: 'running',
      startedAt: '2026-03-28T09:00:00.000Z',
      dueAt: '2026-04-25T09:00:00.000Z',
      startedAtRevision: upheld.body.revision,
    });
    // The closure is among the decisions the person reads, with the challenge to it and its outcome.
    const decisions = await http().get(`/journeys/${id}/decisions`).set('Authorization', as.person).expect(200);
    expect(decisions.body.decisions.find((decision: { type: string }) => decision.type === 'JourneyClosed')).toMatchObject({
      revision: closed.body.revision,
      outcome: 'closed: no-longer-eligible',
      challenges: [
        expect.objectContaining({
          challengeRevision: challenge.body.revision,
          resolution: expect.objectContaining({ outcome: 'upheld', remedy: 'Planning resumes' }),
        }),
      ],
    });
    await record(id, as.caseWorker, 'SupportPlanDrafted').expect(201);
  });

  it('given a journey closed during assessment, an upheld challenge restarts the assessment clock; one not upheld leaves the journey closed', async () => {
    const id = await refer();
    await record(id, as.caseWorker, 'AssessmentStarted').expect(201);
    const closed = await record(id, as.caseWorker, 'JourneyClosed', { reason: 'declined' }).expect(201);
    const first = await record(id, as.person, 'DecisionChallenged', {
      decisionRevision: closed.body.revision,
      grounds: 'I never declined',
      raisedBy: PERSON_ID,
    }).expect(201);
    const notUpheld = await record(id, as.approver, 'ChallengeResolved', {
      challengeRevision: first.body.revision,
      outcome: 'not-upheld',
      reasons: 'Signed refusal on file',
    }).expect(201);
    expect(notUpheld.body.state).toBe('closed');
    expect(clockNamed(await journey(id), 'assessment-completed')).toBeUndefined();

    const second = await record(id, as.person, 'DecisionChallenged', {
      decisionRevision: closed.body.revision,
      grounds: 'The signature is not mine',
      raisedBy: PERSON_ID,
    }).expect(201);
    const upheld = await record(id, as.approver, 'ChallengeResolved', {
      challengeRevision: second.body.revision,
      outcome: 'partly-upheld',
      reasons: 'Signature disputed',
    }).expect(201);
    expect(upheld.body.state).toBe('open.assessment');
    expect(clockNamed(await journey(id), 'assessment-completed')).toMatchObject({
      status: 'running',
      startedAtRevision: upheld.body.revision,
      dueAt: '2026-04-23T09:00:00.000Z',
    });
  });

  it('given a challenge open when the journey is closed, its 28-day clock keeps running: the scheduler records the miss, and the answer still stops it', async () => {
    const id = await refer();
    await record(id, as.caseWorker, 'AssessmentStarted').expect(201);
    const finding = await record(id, as.caseWorker, 'AssessmentCompleted', {
      eligible: false,
      eligibleOutcomes: [],
      adviceGiven: 'Carers’ centre',
    }).expect(201);
    const challenge = await record(id, as.person, 'DecisionChallenged', {
      decisionRevision: finding.body.revision,
      grounds: 'I cannot cook safely',
      raisedBy: PERSON_ID,
    }).expect(201);
    const closed = await record(id, as.caseWorker, 'JourneyClosed', { reason: 'no-longer-eligible' }).expect(201);
    expect(clockNamed(await journey(id), 'challenge-answered')).toMatchObject({ status: 'running', dueAt: '2026-04-23T09:00:00.000Z' });

    await http().get(`/journeys?after=${closed.body.position}`).set('Authorization', as.auditor).expect(200);
    clock.set('2026-04-24T09:00:00.000Z');
    await t.app.get(DeadlineScheduler).tick();
    const missed = (await history(id)).find((event) => event.type === 'DeadlineMissed');
    expect(missed?.data).toEqual({ clock: 'challenge-answered', dueAt: '2026-04-23T09:00:00.000Z' });
    expect(await journey(id)).toMatchObject({ escalated: true, state: 'closed' });

    await record(id, as.approver, 'ChallengeResolved', {
      challengeRevision: challenge.body.revision,
      outcome: 'not-upheld',
      reasons: 'Cooking was assessed with the OT',
    }).expect(201);
    expect(await journey(id)).toMatchObject({ escalated: false, clocks: [] });
  });

  it('refuses a resolution by the approver whose sign-off is contested (resolverIsNotDecisionMaker)', async () => {
    const id = await refer();
    await toLiveSupport(id);
    const approval = (await history(id)).find((event) => event.type === 'SupportPlanApproved');
    const challenge = await record(id, as.person, 'DecisionChallenged', {
      decisionRevision: approval?.revision,
      grounds: 'Too little',
      raisedBy: PERSON_ID,
    }).expect(201);
    expectRefused(
      await record(id, as.approver, 'ChallengeResolved', {
        challengeRevision: challenge.body.revision,
        outcome: 'not-upheld',
        reasons: 'Fine as is',
      }),
      'resolverIsNotDecisionMaker',
    );
    await record(id, as.otherApprover, 'ChallengeResolved', {
      challengeRevision: challenge.body.revision,
      outcome: 'upheld',
      reasons: 'Night care missed',
    }).expect(201);
  });
});

describe('rule 10: support categories are a closed list', () => {
  it('refuses a category not on the list however it is spelt (400), and an NHS direct payment for alcohol by name (409)', async () => {
    const id = await refer({ fundingStream: 'nhs-chc' });
    await toPlanning(id);
    for (const category of ['Alcohol', 'alcohol ', 'whisky']) {
      const response = await record(id, as.caseWorker, 'SupportPlanDrafted', {
        supports: [{ description: 'Whisky', category, costPence: 500 }],
      });
      expectInvalid(response, 'data.supports.0.category', 'isIn');
    }
    await record(id, as.caseWorker, 'SupportPlanDrafted', {
      supports: [{ description: 'A dram at bedtime', category: 'alcohol', costPence: 500 }],
    }).expect(201);
    expectRefused(await record(id, as.caseWorker, 'SupportPlanSubmitted'), 'nhsDirectPaymentExcludesProhibited');
    await record(id, as.caseWorker, 'SupportPlanDrafted', {
      supports: [{ description: 'Sensory garden visits', category: 'other', costPence: 500 }],
    }).expect(201);
    await record(id, as.caseWorker, 'SupportPlanSubmitted', { planVersion: 2 }).expect(201);
  });
});

describe('rule 11: subject access', () => {
  it('given the person asks for their record, a one-month clock runs, outlives closure, and stops when the answer says what was given', async () => {
    const id = await refer();
    const asked = await record(id, as.person, 'AccessRequested', { requestedBy: PERSON_ID, what: 'Everything you hold about me' }).expect(
      201,
    );
    expect(clockNamed(await journey(id), 'access-request-answered')).toMatchObject({
      status: 'running',
      dueAt: '2026-04-26T09:00:00.000Z',
    });
    await record(id, as.caseWorker, 'JourneyClosed', { reason: 'moved-away' }).expect(201);
    expect(clockNamed(await journey(id), 'access-request-answered')).toMatchObject({ status: 'running' });

    expect((await record(id, as.person, 'AccessRequestAnswered', { requestRevision: asked.body.revision, given: 'Myself' })).status).toBe(
      403,
    );
    expectRefused(
      await record(id, as.caseWorker, 'AccessRequestAnswered', { requestRevision: 0, given: 'The export' }),
      'accessRequestIsOpen',
    );
    expectInvalid(
      await record(id, as.caseWorker, 'AccessRequestAnswered', { requestRevision: asked.body.revision, given: '  ' }),
      'data.given',
      'hasVisibleText',
    );
    await record(id, as.caseWorker, 'AccessRequestAnswered', {
      requestRevision: asked.body.revision,
      given: 'The journey export and the access log, by secure email',
    }).expect(201);
    expect(clockNamed(await journey(id), 'access-request-answered')).toBeUndefined();
    expectRefused(
      await record(id, as.caseWorker, 'AccessRequestAnswered', { requestRevision: asked.body.revision, given: 'Again' }),
      'accessRequestIsOpen',
    );
  });
});

describe('the edges a careful case worker trips over', () => {
  it('refuses facts out of order, naming the state and what is allowed now', async () => {
    const id = await refer();
    const early = await record(id, as.approver, 'SupportPlanApproved');
    expectRefused(early, 'wrong-state');
    expect(early.body).toMatchObject({ state: 'open.referral', allowed: [] });
    await record(id, as.caseWorker, 'AssessmentStarted').expect(201);
    const started = await record(id, as.caseWorker, 'SupportStarted', { startDate: '2026-03-20' });
    expectRefused(started, 'wrong-state');
    expect(started.body.allowed).toContain('AssessmentCompleted');
    await record(id, as.caseWorker, 'AssessmentCompleted').expect(201);
    await record(id, as.caseWorker, 'IndicativeBudgetSet').expect(201);
    expectRefused(await record(id, as.caseWorker, 'SupportPlanSubmitted'), 'submitsCurrentPlan');
  });

  it('refuses the wrong role for a decision (403), and an approver signing off a plan they drafted is impossible by role', async () => {
    const id = await refer();
    await toPlanning(id);
    await record(id, as.caseWorker, 'SupportPlanDrafted').expect(201);
    await record(id, as.caseWorker, 'SupportPlanSubmitted').expect(201);
    const selfApproved = await record(id, as.caseWorker, 'SupportPlanApproved');
    expect(selfApproved.status).toBe(403);
    expect((await record(id, as.person, 'JourneyClosed', { reason: 'declined' })).status).toBe(403);
    expect((await record(id, as.auditor, 'PreferenceRecorded')).status).toBe(403);
  });

  it('refuses a decision without its reasons, naming the field (400)', async () => {
    const id = await refer();
    await toPlanning(id);
    await record(id, as.caseWorker, 'SupportPlanDrafted').expect(201);
    await record(id, as.caseWorker, 'SupportPlanSubmitted').expect(201);
    const bare = await http()
      .post(`/journeys/${id}/events`)
      .set('Authorization', as.approver)
      .send({ type: 'SupportPlanReturned', data: { planVersion: 1, reasons: '', changesRequested: [] } });
    expect(bare.status).toBe(400);
    const fields = (bare.body.details as Array<{ field: string }>).map((detail) => detail.field);
    expect(fields).toEqual(expect.arrayContaining(['data.reasons', 'data.changesRequested']));
    const approval = (await record(id, as.approver, 'SupportPlanApproved').expect(201)).body.revision as number;
    const challenge = await record(id, as.person, 'DecisionChallenged', {
      decisionRevision: approval,
      grounds: '\u200b',
      raisedBy: PERSON_ID,
    });
    expectInvalid(challenge, 'data.grounds', 'hasVisibleText');
  });

  it('records a fact once: the same request again is a repeat, not a second fact; an appointment or finding twice is refused by name', async () => {
    const id = await refer();
    const appoint = () =>
      http()
        .post(`/journeys/${id}/events`)
        .set('Authorization', as.caseWorker)
        .set('Idempotency-Key', `appoint-${id}`)
        .send({ type: 'AdvocateAppointed', data: dataOf('AdvocateAppointed', { advocateId: 'daughter-1', basis: 'family-or-friend' }) });
    const first = await appoint().expect(201);
    const again = await appoint().expect(201);
    expect(again.body).toMatchObject({ revision: first.body.revision, repeated: true });
    const reused = await http()
      .post(`/journeys/${id}/events`)
      .set('Authorization', as.caseWorker)
      .set('Idempotency-Key', `appoint-${id}`)
      .send({ type: 'AdvocateAppointed', data: dataOf('AdvocateAppointed', { advocateId: 'son-1', basis: 'family-or-friend' }) });
    expect(reused.status).toBe(422);
    expectRefused(
      await record(id, as.caseWorker, 'AdvocateAppointed', { advocateId: 'daughter-1', basis: 'lasting-power-of-attorney' }),
      'advocateNotAlreadyAppointed',
    );
    expect((await history(id)).filter((event) => event.type === 'AdvocateAppointed')).toHaveLength(1);

    await record(id, as.caseWorker, 'AssessmentStarted').expect(201);
    await record(id, as.caseWorker, 'AssessmentCompleted').expect(201);
    expectRefused(await record(id, as.caseWorker, 'AssessmentCompleted'), 'wrong-state');
  });
});

describe('version 1 journeys keep version 1’s rules', () => {
  it('given journeys started on v1, the app on v2 still decides them by v1: no advice owed, Agency B unflagged, no representative’s review request', async () => {
    const data = tempDataDir();
    const onV1 = await startApp({ file: data.file, clock: new ManualClock(new Date(NOW)), env: { WORKFLOW_VERSION: '1' } });
    let id: string;
    try {
      id = (
        await onV1
          .http()
          .post('/journeys')
          .set('Authorization', as.caseWorker)
          .send({ data: dataOf('ReferralReceived'), occurredAt: REFERRED })
          .expect(201)
      ).body.id;
    } finally {
      await onV1.close();
    }
    const onV2 = await startApp({ file: data.file, clock: new ManualClock(new Date(NOW)) });
    try {
      const post = (type: EventType, token: string, extra: Record<string, unknown> = {}) =>
        onV2
          .http()
          .post(`/journeys/${id}/events`)
          .set('Authorization', token)
          .send({ type, data: dataOf(type, extra) });
      expect((await onV2.http().get(`/journeys/${id}`).set('Authorization', as.caseWorker).expect(200)).body.workflow).toEqual({
        id: 'support-planning',
        version: 1,
      });
      await post('PreferenceRecorded', as.person, { topic: 'provider', value: 'agency-a', inTheirWords: 'Agency A' }).expect(201);
      for (const type of ['AssessmentStarted', 'AssessmentCompleted', 'IndicativeBudgetSet'] as const)
        await post(type, as.caseWorker).expect(201);
      await post('SupportPlanDrafted', as.caseWorker, {
        supports: [{ description: 'Home care', category: 'Personal care', costPence: 24_000, provider: 'Agency B' }],
      }).expect(201);
      await post('SupportPlanSubmitted', as.caseWorker).expect(201);
      await post('SupportPlanApproved', as.approver).expect(201);
      await post('SupportStarted', as.caseWorker, { startDate: '2026-03-20' }).expect(201);
      await post('AdvocateAppointed', as.caseWorker, { advocateId: 'daughter-1', basis: 'chosen-by-person' }).expect(201);
      expect((await post('ReviewRequested', as.daughter, { requestedBy: 'daughter-1', why: 'Worried' })).status).toBe(403);
      expectInvalid(await post('AccessRequested', as.person, { requestedBy: PERSON_ID }), 'type', 'unknownEvent');
    } finally {
      await onV2.close();
      data.remove();
    }
  });
});
