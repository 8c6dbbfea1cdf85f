/**
 * The advocate's reading of a journey: each decision with what it rested on, the preferences it
 * followed or went against, and its challenges. Every journey here is first replayed through v1,
 * so the facts are ones the workflow would really have accepted.
 */
import { WorkflowRegistry } from '../index';
import { replay } from '../runtime';
import { actors, fact, pathTo, toEvents, type Fact } from '../testing/facts';
import { decisionsOf, preferencesOf, type DecisionEntry } from './decisions';

const v1 = new WorkflowRegistry().get('support-planning', 1);

function journey(...facts: Fact[]) {
  const events = toEvents(facts);
  replay(v1, events); // throws if the workflow would refuse any of them
  return events;
}

function decisionAt(decisions: DecisionEntry[], revision: number): DecisionEntry {
  const found = decisions.find((decision) => decision.revision === revision);
  if (!found) throw new Error(`no decision at revision ${revision}; decisions at ${decisions.map((d) => d.revision).join(', ')}`);
  return found;
}

const restsOnOf = (decision: DecisionEntry) => decision.restsOn.map((ref) => [ref.revision, ref.as]);

describe('the fast-track story: a nursing home approved against her wish to be at home', () => {
  const homeWish = 'I want to be at home with my family. Not a nursing home.';
  const events = journey(
    /* 0 */ fact('ReferralReceived', { fundingStream: 'nhs-chc', route: 'fast-track', source: 'hospice' }),
    /* 1 */ fact('PreferenceRecorded', { topic: 'place-of-care', value: 'home', inTheirWords: homeWish }),
    /* 2 */ fact('AssessmentStarted'),
    /* 3 */ fact('AssessmentCompleted', { eligibleOutcomes: [], reasons: 'Fast Track Pathway Tool', choices: { 'place-of-care': 'home' } }),
    /* 4 */ fact('IndicativeBudgetSet', { amountPence: 180_000 }),
    /* 5 */ fact('SupportPlanDrafted', {
      supports: [{ description: 'Nursing home placement', category: 'nursing-home-care', costPence: 175_000 }],
      deployment: 'notional',
      choices: { 'place-of-care': 'nursing-home' },
    }),
    /* 6 */ fact('SupportPlanSubmitted', { personAgreement: 'disagrees', personViews: 'A nursing home is my worst nightmare' }),
    /* 7 */ fact(
      'SupportPlanApproved',
      {
        finalBudgetPence: 175_000,
        budgetDifferenceReason: 'Placement cost',
        reasons: 'Safest placement available',
        overridesPreference: [{ topic: 'place-of-care', reason: 'No agency can staff 24-hour care this week' }],
      },
      { by: actors.seniorApprover },
    ),
  );
  const decisions = decisionsOf(events, v1.policy);

  it('lists the three decisions with who made them and their reasons', () => {
    expect(decisions.map((d) => [d.revision, d.type, d.actor.id, d.actor.role, d.reasons])).toEqual([
      [3, 'AssessmentCompleted', 'case-worker-1', 'case-worker', 'Fast Track Pathway Tool'],
      [4, 'IndicativeBudgetSet', 'case-worker-1', 'case-worker', 'council-ras 2024.1'],
      [7, 'SupportPlanApproved', 'senior-approver-1', 'senior-approver', 'Safest placement available'],
    ]);
  });

  it('flags the approval as going against her recorded wish, with the reason given', () => {
    const approval = decisionAt(decisions, 7);
    expect(approval.wentAgainstPreference).toBe(true);
    expect(approval.preferences).toEqual([
      {
        topic: 'place-of-care',
        preferenceRevision: 1,
        preferred: 'home',
        inTheirWords: homeWish,
        chosen: 'nursing-home',
        followed: false,
        overrideReason: 'No agency can staff 24-hour care this week',
      },
    ]);
  });

  it('the assessment followed her wish', () => {
    const assessment = decisionAt(decisions, 3);
    expect(assessment.wentAgainstPreference).toBe(false);
    expect(assessment.preferences.map((check) => [check.topic, check.followed, check.overrideReason])).toEqual([
      ['place-of-care', true, null],
    ]);
  });

  it('the approval rests on the submission, the draft, the budget, the assessment and her preference', () => {
    expect(restsOnOf(decisionAt(decisions, 7))).toEqual([
      [1, 'preference:place-of-care'],
      [3, 'assessment'],
      [4, 'indicative budget'],
      [5, 'plan drafted'],
      [6, 'submission'],
    ]);
    expect(restsOnOf(decisionAt(decisions, 3))).toEqual([
      [0, 'referral'],
      [1, 'preference:place-of-care'],
      [2, 'assessment started'],
    ]);
    expect(restsOnOf(decisionAt(decisions, 4))).toEqual([[3, 'assessment']]);
  });

  it('carries her words: the preference and her disagreement at submission', () => {
    expect(decisionAt(decisions, 7).personsWords).toEqual([
      { revision: 1, source: 'preference:place-of-care', words: homeWish },
      { revision: 6, source: 'submission', words: 'disagrees: A nursing home is my worst nightmare' },
    ]);
  });

  it('the preferences view shows the decisions that followed it and the one that went against it', () => {
    expect(preferencesOf(events, v1.policy)).toEqual([
      {
        revision: 1,
        topic: 'place-of-care',
        value: 'home',
        inTheirWords: homeWish,
        recordedBy: actors.person,
        occurredAt: events[1].meta.occurredAt,
        supersededBy: null,
        decisions: [
          {
            revision: 3,
            type: 'AssessmentCompleted',
            actor: actors.caseWorker,
            occurredAt: events[3].meta.occurredAt,
            chosen: 'home',
            followed: true,
            overrideReason: null,
          },
          {
            revision: 7,
            type: 'SupportPlanApproved',
            actor: actors.seniorApprover,
            occurredAt: events[7].meta.occurredAt,
            chosen: 'nursing-home',
            followed: false,
            overrideReason: 'No agency can staff 24-hour care this week',
          },
        ],
      },
    ]);
  });
});

describe('challenges', () => {
  const events = journey(
    /* 0 */ ...pathTo.assessment(),
    /* 2 */ fact('AssessmentCompleted', { eligible: false, eligibleOutcomes: [], reasons: 'Needs do not meet reg. 2' }),
    /* 3 */ fact('DecisionChallenged', { decisionRevision: 2, grounds: 'Night-time needs were ignored' }),
    /* 4 */ fact('ChallengeResolved', {
      challengeRevision: 3,
      outcome: 'upheld',
      reasons: 'Night-time needs not assessed',
      remedy: 'Reassess',
    }),
    /* 5 */ fact('AssessmentCompleted', { reasons: 'Night-time needs make three outcomes unachievable' }),
  );
  const decisions = decisionsOf(events, v1.policy);

  it('a challenged decision shows the challenge, who raised it, and its outcome', () => {
    expect(decisionAt(decisions, 2).challenges).toEqual([
      {
        challengeRevision: 3,
        raisedBy: actors.person,
        grounds: 'Night-time needs were ignored',
        raisedAt: events[3].meta.occurredAt,
        resolution: {
          revision: 4,
          outcome: 'upheld',
          reasons: 'Night-time needs not assessed',
          remedy: 'Reassess',
          resolvedBy: actors.otherApprover,
          resolvedAt: events[4].meta.occurredAt,
        },
      },
    ]);
  });

  it('the resolution is a decision too: it rests on the challenge and the decision contested, and carries the grounds', () => {
    const resolution = decisionAt(decisions, 4);
    expect(resolution.outcome).toBe('challenge upheld');
    expect(resolution.answers).toEqual({ challengeRevision: 3, decisionRevision: 2 });
    expect(restsOnOf(resolution)).toEqual([
      [2, 'decision contested'],
      [3, 'challenge'],
    ]);
    expect(resolution.personsWords).toEqual([{ revision: 3, source: 'challenge', words: 'Night-time needs were ignored' }]);
  });

  it('the decision made again rests on the upheld challenge that reopened it', () => {
    expect(restsOnOf(decisionAt(decisions, 5))).toEqual([
      [0, 'referral'],
      [1, 'assessment started'],
      [4, 'reopened by challenge'],
    ]);
    expect(decisionAt(decisions, 5).challenges).toEqual([]);
  });

  it('an open challenge shows with no resolution yet', () => {
    const open = journey(...pathTo.notEligible(), fact('DecisionChallenged', { decisionRevision: 2 }));
    expect(decisionAt(decisionsOf(open, v1.policy), 2).challenges.map((c) => [c.challengeRevision, c.resolution])).toEqual([[3, null]]);
  });
});

describe('plans returned, approved and reviewed', () => {
  const events = journey(
    /* 0..5 */ ...pathTo.signOff(),
    /* 6 */ fact('SupportPlanReturned', { reasons: 'Costs not itemised' }),
    /* 7 */ fact('SupportPlanDrafted'),
    /* 8 */ fact('SupportPlanSubmitted', { planVersion: 2 }),
    /* 9 */ fact('SupportPlanApproved', { planVersion: 2 }),
    /* 10 */ fact('SupportStarted'),
    /* 11 */ fact('ReviewRequested'),
    /* 12 */ fact('ReviewStarted'),
    /* 13 */ fact('ReviewCompleted', { outcome: 'continue' }),
    /* 14 */ fact('ReviewStarted'),
    /* 15 */ fact('ReviewCompleted', { outcome: 'continue' }),
  );
  const decisions = decisionsOf(events, v1.policy);

  it('the return rests on the first submission and draft; the approval on the second', () => {
    expect(restsOnOf(decisionAt(decisions, 6))).toEqual([
      [4, 'plan drafted'],
      [5, 'submission'],
    ]);
    expect(restsOnOf(decisionAt(decisions, 9))).toEqual([
      [2, 'assessment'],
      [3, 'indicative budget'],
      [7, 'plan drafted'],
      [8, 'submission'],
    ]);
  });

  it('a review rests on the request it answers, its start, the approval and the start of support; the next one on no request', () => {
    expect(restsOnOf(decisionAt(decisions, 13))).toEqual([
      [9, 'plan approved'],
      [10, 'support started'],
      [11, 'review requested'],
      [12, 'review started'],
    ]);
    expect(restsOnOf(decisionAt(decisions, 15))).toEqual([
      [9, 'plan approved'],
      [10, 'support started'],
      [14, 'review started'],
    ]);
  });

  it('nothing here touched a preference', () => {
    expect(decisions.every((decision) => decision.preferences.length === 0 && !decision.wentAgainstPreference)).toBe(true);
  });
});

describe('preferences that change', () => {
  it('a superseded preference keeps the decisions taken while it stood; the new one gets the later ones', () => {
    const events = journey(
      /* 0 */ fact('ReferralReceived'),
      /* 1 */ fact('PreferenceRecorded', { topic: 'agency', value: 'agency-a', inTheirWords: 'The agency my family chose' }),
      /* 2 */ fact('AssessmentStarted'),
      /* 3 */ fact('AssessmentCompleted', { choices: { agency: 'agency-a' } }),
      /* 4 */ fact('PreferenceRecorded', { topic: 'agency', value: 'agency-b', inTheirWords: 'Now I would rather have agency B' }),
      /* 5 */ fact('IndicativeBudgetSet'),
      /* 6 */ fact('SupportPlanDrafted', { choices: { agency: 'agency-a' } }),
      /* 7 */ fact('SupportPlanSubmitted'),
      /* 8 */ fact('SupportPlanApproved', { overridesPreference: [{ topic: 'agency', reason: 'Agency B has no capacity' }] }),
    );
    const preferences = preferencesOf(events, v1.policy);
    expect(
      preferences.map((p) => [p.revision, p.supersededBy, p.decisions.map((d) => [d.revision, d.followed, d.overrideReason])]),
    ).toEqual([
      [1, 4, [[3, true, null]]],
      [4, null, [[8, false, 'Agency B has no capacity']]],
    ]);
  });

  it('a decision on a topic with no recorded preference is checked against nothing', () => {
    const events = journey(...pathTo.assessment(), fact('AssessmentCompleted', { choices: { 'place-of-care': 'home' } }));
    expect(decisionsOf(events, v1.policy)[0]).toMatchObject({ preferences: [], wentAgainstPreference: false });
  });
});
