/**
 * Development only: one example journey, recorded through JourneysService exactly as the API
 * records facts, so that `npm start` and a browser are enough to walk through a journey as each
 * role. The case worker who asks is its case worker; the person, the approver and the advocate
 * are example accounts named on the page, to sign in as next.
 */
import type { Actor } from '../auth/actor';
import type { EventInput, JourneysService } from '../journeys/journeys.service';

export const EXAMPLE_PERSON = '5e1f7c2a-9b4d-4e6f-8a1b-2c3d4e5f6a70';
export const EXAMPLE_ADVOCATE = 'example-advocate';
export const EXAMPLE_APPROVER = 'example-approver';

export async function recordExampleJourney(journeys: JourneysService, caseWorker: Actor, today: Date): Promise<string> {
  const person: Actor = { id: EXAMPLE_PERSON, role: 'person' };
  const approver: Actor = {
    id: EXAMPLE_APPROVER,
    role: 'approver',
    ...(caseWorker.organisation ? { organisation: caseWorker.organisation } : {}),
  };
  const { id } = await journeys.open(caseWorker, {
    data: {
      personId: EXAMPLE_PERSON,
      fundingStream: 'social-care',
      route: 'standard',
      source: 'GP',
      summary: 'Struggling at home after a fall',
    },
  });
  const facts: Array<[Actor, EventInput]> = [
    [
      person,
      {
        type: 'PreferenceRecorded',
        data: { topic: 'place-of-care', value: 'home', inTheirWords: 'I want to stay in my own home, near my garden and my neighbours.' },
      },
    ],
    [caseWorker, { type: 'AdvocateAppointed', data: { advocateId: EXAMPLE_ADVOCATE, basis: 'chosen-by-person' } }],
    [caseWorker, { type: 'AssessmentStarted', data: { assessor: caseWorker.id } }],
    [
      caseWorker,
      {
        type: 'AssessmentCompleted',
        data: {
          eligible: true,
          eligibleOutcomes: ['nutrition', 'personal-hygiene', 'using-home-safely'],
          summary: 'Needs help to cook, wash and use the stairs safely',
          personViews: 'I manage most days, but not the stairs or cooking.',
          reasons: 'Cannot achieve three of the outcomes without help, with a significant impact on wellbeing',
        },
      },
    ],
    [
      caseWorker,
      {
        type: 'IndicativeBudgetSet',
        data: { amountPence: 32_000, period: 'week', method: { tool: 'council-ras', version: '2026.1' }, inputs: { hoursPerWeek: 14 } },
      },
    ],
    [
      caseWorker,
      {
        type: 'SupportPlanDrafted',
        data: {
          outcomes: ['Eat well at home', 'Wash and dress safely'],
          supports: [
            { description: 'Home care, 14 hours a week', category: 'personal-care', costPence: 31_500, provider: 'Homecare Together' },
          ],
          period: 'week',
          deployment: 'direct-payment',
          choices: { 'place-of-care': 'home' },
        },
      },
    ],
    [
      caseWorker,
      { type: 'SupportPlanSubmitted', data: { planVersion: 1, personAgreement: 'agrees', personViews: 'This is what I asked for.' } },
    ],
    [
      approver,
      {
        type: 'SupportPlanApproved',
        data: {
          planVersion: 1,
          finalBudgetPence: 31_500,
          period: 'week',
          reasons: 'The plan meets the eligible needs at home',
          budgetDifferenceReason: 'The plan costs a little less than the indicative budget',
          choices: { 'place-of-care': 'home' },
        },
      },
    ],
    [caseWorker, { type: 'SupportStarted', data: { startDate: today.toISOString().slice(0, 10) } }],
  ];
  for (const [actor, fact] of facts) await journeys.record(id, actor, fact);
  return id;
}
