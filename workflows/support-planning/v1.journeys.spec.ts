/**
 * Two whole journeys, from the stories in DOMAIN.md "Why it exists". Each fact is decided by the
 * machine before it is recorded, as a command would be; the summaries at the end are what an
 * advocate or an auditor would read. The tests of a story run in order, each recording the next
 * chapter of the same journey.
 */
import { computeClocks, openClocks } from '../clocks';
import { WorkflowRegistry } from '../index';
import { apply, decide, initialSnapshot, type JourneySnapshot } from '../runtime';
import { summarise } from '../summary';
import { actors, fact, toEvents, type Fact } from '../testing/facts';
import type { JourneyEvent } from './events';
import { GUARD_DESCRIPTIONS } from './guards';

const v1 = new WorkflowRegistry().get('support-planning', 1);

/** A journey recorded fact by fact: each one decided first, then applied, as the service does. */
class RecordedJourney {
  snapshot: JourneySnapshot = initialSnapshot(v1);
  readonly events: JourneyEvent[] = [];

  /** The fact as it would be stored next. */
  next(f: Fact): JourneyEvent {
    return toEvents([f], this.events.length, this.events.at(-1)?.meta.occurredAt)[0];
  }

  record(...facts: Fact[]): this {
    for (const f of facts) {
      const event = this.next(f);
      expect({ type: event.type, revision: event.meta.revision, decision: decide(v1, this.snapshot, event) }).toEqual({
        type: event.type,
        revision: event.meta.revision,
        decision: { ok: true },
      });
      this.snapshot = apply(v1, this.snapshot, event);
      this.events.push(event);
    }
    return this;
  }

  attempt(f: Fact) {
    return decide(v1, this.snapshot, this.next(f));
  }

  get summary() {
    return summarise(v1, this.snapshot);
  }
}

describe('a fast-track NHS CHC journey: her wish to be cared for at home, a missed 48-hour clock, and her death', () => {
  const homeWish = "I want to be at home with my family, with the agency we chose. Not a nursing home: that's my worst nightmare.";
  const journey = new RecordedJourney();

  it('is referred on the fast track, and her wish is recorded in her own words', () => {
    journey.record(
      fact(
        'ReferralReceived',
        {
          fundingStream: 'nhs-chc',
          route: 'fast-track',
          source: 'hospice',
          summary: 'Rapidly deteriorating; may be entering a terminal phase',
        },
        { at: '2026-03-02T10:00:00.000Z' },
      ),
      fact('PreferenceRecorded', { topic: 'place-of-care', value: 'home', inTheirWords: homeWish }, { at: '2026-03-02T10:30:00.000Z' }),
    );
    expect(journey.summary).toMatchObject({ state: 'open.referral', route: 'fast-track', fundingStream: 'nhs-chc' });
    const clocks = openClocks(computeClocks(v1.policy, journey.events)).map((clock) => [clock.clock, clock.dueAt]);
    expect(clocks).toContainEqual(['fast-track-care-in-place', '2026-03-04T10:00:00.000Z']);
  });

  it('is assessed eligible (the Fast Track Pathway Tool, not the reg. 2 outcomes) and given an indicative budget', () => {
    journey.record(
      fact('AssessmentStarted', { assessor: 'case-worker-1' }, { at: '2026-03-02T14:00:00.000Z' }),
      fact(
        'AssessmentCompleted',
        {
          eligible: true,
          eligibleOutcomes: [],
          summary: 'Fast Track Pathway Tool completed by her consultant',
          personViews: 'I want to go home',
          reasons: 'Rapidly deteriorating condition entering a terminal phase',
          choices: { 'place-of-care': 'home' },
        },
        { at: '2026-03-03T09:00:00.000Z' },
      ),
      fact(
        'IndicativeBudgetSet',
        { amountPence: 180_000, period: 'week', method: { tool: 'icb-chc-costing', version: '2026.1' }, inputs: { careHoursPerDay: 24 } },
        { at: '2026-03-03T12:00:00.000Z' },
      ),
    );
    expect(journey.summary.state).toBe('open.supportPlanning');
  });

  it('misses the 48-hour clock: the scheduler records it', () => {
    journey.record(
      fact(
        'DeadlineMissed',
        { clock: 'fast-track-care-in-place', dueAt: '2026-03-04T10:00:00.000Z' },
        { by: actors.system, at: '2026-03-04T10:00:00.000Z' },
      ),
    );
    expect(computeClocks(v1.policy, journey.events).find((clock) => clock.clock === 'fast-track-care-in-place')).toMatchObject({
      status: 'missed',
      missedAtRevision: 5,
    });
  });

  it('cannot approve a nursing-home plan against her recorded wish without saying so and why', () => {
    journey.record(
      fact(
        'SupportPlanDrafted',
        {
          outcomes: ['Comfortable and safe at the end of life'],
          supports: [
            { description: 'Nursing home placement', category: 'nursing-home-care', costPence: 175_000, provider: 'Elmwood Nursing Home' },
          ],
          period: 'week',
          deployment: 'notional',
          choices: { 'place-of-care': 'nursing-home' },
        },
        { at: '2026-03-05T09:00:00.000Z' },
      ),
      fact(
        'SupportPlanSubmitted',
        { planVersion: 1, personAgreement: 'disagrees', personViews: 'A nursing home is my worst nightmare' },
        { at: '2026-03-05T11:00:00.000Z' },
      ),
    );
    // £1,750 a week is £91,000 a year: above the threshold, so a senior approver signs off.
    const approval = fact(
      'SupportPlanApproved',
      { planVersion: 1, finalBudgetPence: 175_000, budgetDifferenceReason: 'Placement cost', reasons: 'Safest placement available' },
      { by: actors.seniorApprover },
    );
    expect(journey.attempt(approval)).toEqual({
      ok: false,
      kind: 'refused',
      reason: 'decisionExplainsPreferenceOverride',
      explanation: GUARD_DESCRIPTIONS.decisionExplainsPreferenceOverride,
      state: 'open.signOff',
      allowed: ['SupportPlanReturned', 'SupportPlanApproved'],
    });
    // The rule does not forbid the decision; it makes the approver say, on the record, that it goes against her wish, and why.
    const explained = {
      ...approval,
      data: { ...approval.data, overridesPreference: [{ topic: 'place-of-care', reason: 'No agency can staff 24-hour care this week' }] },
    };
    expect(journey.attempt(explained)).toEqual({ ok: true });
  });

  it('returns the plan; a home plan with her agency is drafted and submitted, and she agrees', () => {
    journey.record(
      fact(
        'SupportPlanReturned',
        {
          planVersion: 1,
          reasons: 'Goes against her recorded wish to be cared for at home',
          changesRequested: ['Plan care at home with the agency the family chose'],
        },
        { at: '2026-03-05T15:00:00.000Z' },
      ),
      fact(
        'SupportPlanDrafted',
        {
          outcomes: ['Comfortable and safe at the end of life, at home'],
          supports: [{ description: '24-hour care at home', category: 'personal-care', costPence: 178_000, provider: 'Homecare Hearts' }],
          period: 'week',
          deployment: 'third-party',
          choices: { 'place-of-care': 'home' },
        },
        { at: '2026-03-06T10:00:00.000Z' },
      ),
      fact(
        'SupportPlanSubmitted',
        { planVersion: 2, personAgreement: 'agrees', personViews: 'This is what I asked for' },
        { at: '2026-03-06T12:00:00.000Z' },
      ),
    );
    expect(journey.summary).toMatchObject({ state: 'open.signOff', submitted: { planVersion: 2, personAgreement: 'agrees' } });
  });

  it('is closed three weeks later, the plan never signed off: she died in the hospice', () => {
    journey.record(
      fact(
        'JourneyClosed',
        { reason: 'died', details: 'Died in the hospice before the plan was signed off' },
        { at: '2026-03-27T06:00:00.000Z' },
      ),
    );
    expect(openClocks(computeClocks(v1.policy, journey.events))).toEqual([]);
    expect(journey.summary).toMatchObject({
      state: 'closed',
      step: 'closed',
      status: 'closed',
      revision: 11,
      route: 'fast-track',
      fundingStream: 'nhs-chc',
      eligible: true,
      indicativeBudget: { amountPence: 180_000, period: 'week', revision: 4 },
      budgetInForce: null,
      plan: { version: 2, choices: { 'place-of-care': 'home' }, totalPence: 178_000, deployment: 'third-party' },
      previousPlanVersion: 1,
      submitted: { planVersion: 2, personAgreement: 'agrees', personViews: 'This is what I asked for', revision: 10 },
      supportStartedAt: null,
      preferences: {
        'place-of-care': {
          value: 'home',
          inTheirWords: homeWish,
          recordedBy: 'person-1',
          recordedAt: '2026-03-02T10:30:00.000Z',
          revision: 1,
        },
      },
      missedDeadlines: [{ clock: 'fast-track-care-in-place', dueAt: '2026-03-04T10:00:00.000Z', revision: 5 }],
      openChallenges: [],
      closure: { reason: 'died', at: '2026-03-27T06:00:00.000Z', revision: 11 },
    });
  });

  it('accepts nothing more but a challenge to one of its decisions', () => {
    expect(journey.attempt(fact('SupportPlanApproved', { planVersion: 2 }))).toMatchObject({
      ok: false,
      reason: 'wrong-state',
      state: 'closed',
    });
  });
});

describe('a journey from referral to a revised plan: returned, approved, live, reviewed, revised, approved again by a different approver', () => {
  const journey = new RecordedJourney();
  const homeCare = {
    description: 'Personal assistants she chose, 20 hours a week',
    category: 'personal-care',
    costPence: 25_000,
    provider: 'Ann and Joe (PAs)',
  };

  it('starts from a care home placement she was not given a choice about', () => {
    journey.record(
      fact(
        'ReferralReceived',
        { source: 'hospital discharge team', summary: 'Placed in a care home after a fall; not given a choice' },
        { at: '2026-01-12T09:00:00.000Z' },
      ),
      fact(
        'PreferenceRecorded',
        { topic: 'place-of-care', value: 'home', inTheirWords: 'I want to go home' },
        { at: '2026-01-12T11:00:00.000Z' },
      ),
      fact(
        'PreferenceRecorded',
        { topic: 'carers', value: 'chosen-carers', inTheirWords: 'Carers I choose myself' },
        { at: '2026-01-12T11:05:00.000Z' },
      ),
      fact('AssessmentStarted', {}, { at: '2026-01-13T09:00:00.000Z' }),
      fact(
        'AssessmentCompleted',
        { eligibleOutcomes: ['personal-hygiene', 'nutrition', 'using-home-safely'], choices: { 'place-of-care': 'home' } },
        { at: '2026-01-20T09:00:00.000Z' },
      ),
      fact('IndicativeBudgetSet', { amountPence: 30_000, period: 'week' }, { at: '2026-01-21T09:00:00.000Z' }),
    );
    expect(journey.summary.state).toBe('open.supportPlanning');
  });

  it('has its first plan returned with reasons, then the revised plan approved', () => {
    journey.record(
      fact(
        'SupportPlanDrafted',
        { supports: [{ ...homeCare, costPence: 29_000 }], choices: { 'place-of-care': 'home', carers: 'chosen-carers' } },
        { at: '2026-01-26T09:00:00.000Z' },
      ),
      fact('SupportPlanSubmitted', { planVersion: 1 }, { at: '2026-01-26T10:00:00.000Z' }),
      fact(
        'SupportPlanReturned',
        { planVersion: 1, reasons: 'Costs not itemised', changesRequested: ['Itemise PA hours and rates', 'Show equipment separately'] },
        { at: '2026-01-28T09:00:00.000Z' },
      ),
    );
    expect(journey.summary.state).toBe('open.supportPlanning');
    journey.record(
      fact(
        'SupportPlanDrafted',
        {
          supports: [
            homeCare,
            { description: 'Grab rails and a shower seat', category: 'equipment', costPence: 4_000, provider: 'Council equipment service' },
          ],
          choices: { 'place-of-care': 'home', carers: 'chosen-carers' },
        },
        { at: '2026-01-30T09:00:00.000Z' },
      ),
      fact('SupportPlanSubmitted', { planVersion: 2 }, { at: '2026-01-30T10:00:00.000Z' }),
      fact(
        'SupportPlanApproved',
        {
          planVersion: 2,
          finalBudgetPence: 29_000,
          budgetDifferenceReason: 'The costed plan needs £290 a week',
          reasons: 'Meets her eligible needs at home',
        },
        { by: actors.approver, at: '2026-02-02T09:00:00.000Z' },
      ),
    );
    expect(journey.summary).toMatchObject({ state: 'open.approved', budgetInForce: { amountPence: 29_000, approvedBy: 'approver-1' } });
  });

  it('goes live, and a review asked for by the family revises the plan', () => {
    journey.record(
      fact('SupportStarted', { startDate: '2026-02-16' }, { at: '2026-02-16T09:00:00.000Z' }),
      fact(
        'ReviewRequested',
        { requestedBy: 'person-1', why: 'Her dementia has worsened; nights are not safe' },
        { at: '2026-08-03T09:00:00.000Z' },
      ),
      fact('ReviewStarted', { reviewer: 'case-worker-1' }, { at: '2026-08-05T09:00:00.000Z' }),
      fact(
        'ReviewCompleted',
        { outcome: 'revise-plan', reasons: 'Night support needed; the same carers to continue' },
        { at: '2026-08-05T12:00:00.000Z' },
      ),
    );
    expect(journey.summary).toMatchObject({ state: 'open.supportPlanning', reviewRequest: null });
  });

  it('has the new plan, with the same carers, approved by a different approver', () => {
    journey.record(
      fact(
        'SupportPlanDrafted',
        {
          supports: [
            homeCare,
            { description: 'Night sitting by the same PAs', category: 'personal-care', costPence: 12_000, provider: 'Ann and Joe (PAs)' },
          ],
          choices: { 'place-of-care': 'home', carers: 'chosen-carers' },
          overBudgetReason: 'Night-time support since her dementia worsened',
        },
        { at: '2026-08-10T09:00:00.000Z' },
      ),
      fact('SupportPlanSubmitted', { planVersion: 3 }, { at: '2026-08-10T10:00:00.000Z' }),
    );
    const approval = fact(
      'SupportPlanApproved',
      {
        planVersion: 3,
        finalBudgetPence: 37_000,
        budgetDifferenceReason: 'Night support added at review',
        reasons: 'Meets her changed needs',
      },
      { by: actors.otherApprover, at: '2026-08-12T09:00:00.000Z' },
    );
    expect(journey.attempt({ ...approval, actor: { id: 'case-worker-1', role: 'approver' } })).toMatchObject({
      ok: false,
      reason: 'approverDidNotDraftPlan',
    });
    journey.record(approval, fact('SupportStarted', { startDate: '2026-08-17' }, { at: '2026-08-17T09:00:00.000Z' }));
  });

  it('ends live, on the second approved budget, with her words and choices kept', () => {
    expect(journey.summary).toMatchObject({
      state: 'open.liveSupport',
      status: 'open',
      revision: 19,
      indicativeBudget: { amountPence: 30_000, period: 'week', revision: 5 },
      budgetInForce: { amountPence: 37_000, period: 'week', revision: 18, approvedBy: 'approver-2' },
      plan: { version: 3, totalPence: 37_000, choices: { 'place-of-care': 'home', carers: 'chosen-carers' }, draftedBy: 'case-worker-1' },
      previousPlanVersion: 2,
      supportStartedAt: '2026-02-16',
      preferences: { 'place-of-care': { value: 'home' }, carers: { value: 'chosen-carers', inTheirWords: 'Carers I choose myself' } },
      missedDeadlines: [],
      openChallenges: [],
      resolvedChallenges: [],
      closure: null,
    });
    const approvals = journey.events.filter((event) => event.type === 'SupportPlanApproved').map((event) => event.meta.actor.id);
    expect(approvals).toEqual(['approver-1', 'approver-2']);
  });
});
