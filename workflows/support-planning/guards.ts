/**
 * The journey's rules, as named guards. Each is a pure function of the context, the proposed fact
 * and the version's policy; the machine references them by name, and `decide` reports the name of
 * the first one that refuses, so a refusal always says which rule it broke.
 */
import { annualPence, planTotalPence, type JourneyContext, type PlanVersion } from './context';
import type { Choices, EventOf, EventType, JourneyEvent, PreferenceOverride, ReviewOutcome, Funder } from './events';
import { normaliseCode } from './facts';
import { mayRecord, type ReopenableStep, type WorkflowPolicy } from './policy';

type GuardArgs = { context: JourneyContext; event: JourneyEvent };

/** Guards that choose between transitions rather than enforce a rule; never reported as reasons. */
export const ROUTING_GUARDS = [
  'isEligible',
  'isNotEligible',
  'reopensAssessment',
  'reopensIndicativeBudget',
  'reopensSignOff',
  'reopensReview',
  'reviewContinues',
  'reviewRevisesPlan',
  'reviewReassesses',
  'reviewEndsSupport',
  // Version 2's (guards-v2.ts).
  'supportIsLive',
  'supportIsNotLive',
  'reopensClosedStep',
] as const;

/** Plain-language statement of every guard, for the generated rules table and API errors. */
export const GUARD_DESCRIPTIONS: Record<string, string> = {
  actorMayRecord: 'The actor’s role is one the policy allows to record this event.',
  advocateIsAppointed: 'An advocate acts only on a journey where they are appointed and not withdrawn.',
  isEligible: 'Routing: the assessment found eligible needs.',
  isNotEligible: 'Routing: the assessment found no eligible needs.',
  eligibilityMeetsRegulations: 'Social care eligibility needs at least the policy’s number of the ten reg. 2 outcomes (2015 Regulations).',
  decisionExplainsPreferenceOverride:
    'A decision whose choices contradict a recorded preference on the same topic carries overridesPreference with a reason.',
  planHasOutcomeAndSupport: 'A plan is submitted only with at least one outcome and one support.',
  planWithinBudgetOrJustified: 'A plan costs no more than the indicative budget, or gives a reason for costing more.',
  submitsCurrentPlan: 'The plan version submitted is the latest drafted.',
  decidesSubmittedPlan:
    'Sign-off decides the plan version that was submitted (reopened by a challenge with no plan submitted, it may only return the current plan).',
  approverDidNotDraftPlan: 'Separation of duties: the approver is not the actor who drafted the plan.',
  finalBudgetDifferenceExplained: 'A final budget that differs from the indicative one gives a reason.',
  budgetCutFollowsReassessment:
    'A final budget lower than the one in force is allowed only after a reassessment (a review may not cut a budget).',
  seniorApproverForLargeBudget: 'A final budget above the policy threshold (a year) is approved by the senior approver role.',
  fundingSharesMatchBudget: 'Funding shares, when given (always for an integrated budget), add up to the final budget.',
  nhsDirectPaymentExcludesProhibited:
    'An NHS-funded direct payment buys nothing on the prohibited list (NHS (Direct Payments) Regulations 2013).',
  challengeNamesOpenableDecision: 'A challenge names a decision event of this journey that is not already under challenge.',
  challengeIsOpen: 'A resolution names an open challenge of this journey.',
  resolverIsNotDecisionMaker: 'A challenge is resolved by someone other than the actor who made the contested decision.',
  reopensAssessment: 'Routing: an upheld challenge to an assessment outcome reopens assessment.',
  reopensIndicativeBudget: 'Routing: an upheld challenge to an indicative budget reopens the budget step.',
  reopensSignOff: 'Routing: an upheld challenge to a returned or approved plan reopens sign-off.',
  reopensReview: 'Routing: an upheld challenge to a review outcome reopens the review.',
  reviewContinues: 'Routing: review outcome `continue` returns to live support.',
  reviewRevisesPlan: 'Routing: review outcome `revise-plan` returns to support planning.',
  reviewReassesses: 'Routing: review outcome `reassess` returns to assessment.',
  reviewEndsSupport: 'Routing: review outcome `end-support` closes the journey.',
  withdrawsAppointedAdvocate: 'Only an appointed advocate can be withdrawn.',
  advocateNotAlreadyAppointed: 'An advocate is appointed once until withdrawn.',
  clockIsKnown: 'A missed deadline names a clock of this workflow version’s policy.',
  clockRunsAfterClosure:
    'On a closed journey the only clock that runs is a challenge’s, so a missed deadline there names a challenge clock while a challenge is open.',
};

function eventAs<K extends JourneyEvent['type']>(event: JourneyEvent, type: K): EventOf<K> | null {
  return event.type === type ? (event as EventOf<K>) : null;
}

/** The preferences a decision's choices go against, by topic. */
export function contradictedTopics(context: JourneyContext, choices: Choices): string[] {
  return Object.entries(choices)
    .filter(([topic, value]) => {
      const preference = context.preferences[topic];
      return preference !== undefined && normaliseCode(preference.value) !== normaliseCode(value);
    })
    .map(([topic]) => topic);
}

function overridesExplained(topics: string[], overrides: PreferenceOverride[] | undefined): boolean {
  return topics.every((topic) => (overrides ?? []).some((override) => override.topic === topic && override.reason.trim().length > 0));
}

/** The choices a decision makes: an approval also makes the approved plan's choices. */
function decisionChoices(context: JourneyContext, event: JourneyEvent): { choices: Choices; overrides?: PreferenceOverride[] } | null {
  switch (event.type) {
    case 'AssessmentCompleted':
    case 'ReviewCompleted':
      return { choices: event.data.choices ?? {}, overrides: event.data.overridesPreference };
    case 'SupportPlanApproved':
      return {
        choices: { ...(context.plan?.choices ?? {}), ...(event.data.choices ?? {}) },
        overrides: event.data.overridesPreference,
      };
    default:
      return null;
  }
}

function funderOfStream(context: JourneyContext): Funder {
  return context.fundingStream === 'nhs-chc' ? 'nhs' : 'council';
}

/**
 * NHS-funded if the support says so, or by default when the NHS pays for (part of) the journey.
 * An integrated plan whose shares are not yet recorded may be NHS-funded, so it counts as such.
 */
function isNhsFunded(context: JourneyContext, plan: PlanVersion, fundedBy: Funder | undefined): boolean {
  if (fundedBy) return fundedBy === 'nhs';
  if (context.fundingStream === 'integrated') {
    return plan.fundingShares.length === 0 || plan.fundingShares.some((share) => share.funder === 'nhs' && share.amountPence > 0);
  }
  return funderOfStream(context) === 'nhs';
}

/** A support on a mixed plan that does not say how it is held may be paid as cash, so it counts as a direct payment. */
function mayBeDirectPayment(support: PlanVersion['supports'][number], plan: PlanVersion): boolean {
  const heldAs = support.heldAs ?? plan.deployment;
  return heldAs === 'direct-payment' || heldAs === 'mixed';
}

export function prohibitedNhsDirectPaymentSupports(context: JourneyContext, plan: PlanVersion, policy: WorkflowPolicy): string[] {
  return plan.supports
    .filter((support) => mayBeDirectPayment(support, plan))
    .filter((support) => isNhsFunded(context, plan, support.fundedBy))
    .filter((support) => policy.nhsDirectPaymentProhibitedCategories.includes(normaliseCode(support.category)))
    .map((support) => support.category);
}

/** The plan with the funding shares an approval confirms, which may differ from the draft's. */
function planAsDecided(plan: PlanVersion, event: JourneyEvent): PlanVersion {
  const approval = eventAs(event, 'SupportPlanApproved');
  return approval?.data.fundingShares ? { ...plan, fundingShares: approval.data.fundingShares } : plan;
}

/** A decision of this journey that the policy lets be challenged and that is not under challenge now. */
function isOpenableDecision(context: JourneyContext, policy: WorkflowPolicy, revision: number): boolean {
  const decision = context.decisions[String(revision)];
  const alreadyChallenged = Object.values(context.openChallenges).some((open) => open.decisionRevision === revision);
  return decision !== undefined && policy.challengeableDecisions[decision.type] !== undefined && !alreadyChallenged;
}

/**
 * What must hold of the journey itself (whatever the fact's data) before an event can be
 * recorded, for the events offered as "allowed now": nothing to resolve without an open challenge,
 * nothing to challenge without a decision, no withdrawal without an advocate, no submission
 * without a plan. The guards still decide each fact; these only keep the offer honest.
 */
export function makePreconditions(policy: WorkflowPolicy): Partial<Record<EventType, (context: JourneyContext) => boolean>> {
  return {
    DecisionChallenged: (context) =>
      Object.keys(context.decisions).some((revision) => isOpenableDecision(context, policy, Number(revision))),
    ChallengeResolved: (context) => Object.keys(context.openChallenges).length > 0,
    AdvocateWithdrawn: (context) => Object.keys(context.advocates).length > 0,
    SupportPlanSubmitted: (context) => context.plan !== null,
  };
}

/** An upheld (or partly upheld) challenge reopens the step its contested decision closed. */
function challengeReopens({ context, event }: GuardArgs, policy: WorkflowPolicy, step: ReopenableStep): boolean {
  const resolution = eventAs(event, 'ChallengeResolved');
  const challenge = resolution && context.openChallenges[String(resolution.data.challengeRevision)];
  const decision = challenge && context.decisions[String(challenge.decisionRevision)];
  if (!resolution || !decision) return false;
  const reopens = (policy.reopeningOutcomes as string[]).includes(resolution.data.outcome);
  return reopens && policy.challengeableDecisions[decision.type] === step;
}

function reviewOutcomeIs(event: JourneyEvent, outcome: ReviewOutcome): boolean {
  return eventAs(event, 'ReviewCompleted')?.data.outcome === outcome;
}

function nonEmpty(text: string | undefined | null): boolean {
  return typeof text === 'string' && text.trim().length > 0;
}

/** The guards of a workflow version, bound to that version's policy. */
export function makeGuards(policy: WorkflowPolicy) {
  return {
    actorMayRecord: ({ event }: GuardArgs) => mayRecord(policy, event.type, event.meta.actor.role),

    advocateIsAppointed: ({ context, event }: GuardArgs) =>
      event.meta.actor.role !== 'advocate' || context.advocates[event.meta.actor.id] !== undefined,

    isEligible: ({ event }: GuardArgs) => eventAs(event, 'AssessmentCompleted')?.data.eligible === true,

    isNotEligible: ({ event }: GuardArgs) => eventAs(event, 'AssessmentCompleted')?.data.eligible === false,

    eligibilityMeetsRegulations: ({ context, event }: GuardArgs) => {
      const completed = eventAs(event, 'AssessmentCompleted');
      if (!completed || !completed.data.eligible) return true;
      if (!context.fundingStream || !policy.outcomeBasedEligibility.includes(context.fundingStream)) return true;
      return new Set(completed.data.eligibleOutcomes).size >= policy.minimumEligibleOutcomes;
    },

    decisionExplainsPreferenceOverride: ({ context, event }: GuardArgs) => {
      const decision = decisionChoices(context, event);
      if (!decision) return true;
      return overridesExplained(contradictedTopics(context, decision.choices), decision.overrides);
    },

    planHasOutcomeAndSupport: ({ context }: GuardArgs) =>
      (context.plan?.outcomes.length ?? 0) > 0 && (context.plan?.supports.length ?? 0) > 0,

    planWithinBudgetOrJustified: ({ context }: GuardArgs) => {
      const { plan, indicativeBudget } = context;
      if (!plan || !indicativeBudget) return false;
      const withinBudget =
        annualPence(planTotalPence(plan.supports), plan.period) <= annualPence(indicativeBudget.amountPence, indicativeBudget.period);
      return withinBudget || nonEmpty(plan.overBudgetReason);
    },

    submitsCurrentPlan: ({ context, event }: GuardArgs) =>
      eventAs(event, 'SupportPlanSubmitted')?.data.planVersion === context.plan?.version,

    decidesSubmittedPlan: ({ context, event }: GuardArgs) => {
      const returned = eventAs(event, 'SupportPlanReturned');
      const decision = eventAs(event, 'SupportPlanApproved') ?? returned;
      if (decision === null) return false;
      if (context.submitted) return decision.data.planVersion === context.submitted.planVersion;
      // Sign-off reopened by an upheld challenge after the plan was redrafted: nothing awaits a
      // decision, so the current plan can only go back to planning (to be submitted as usual).
      return returned !== null && context.plan !== null && returned.data.planVersion === context.plan.version;
    },

    approverDidNotDraftPlan: ({ context, event }: GuardArgs) => context.plan !== null && context.plan.draftedBy !== event.meta.actor.id,

    finalBudgetDifferenceExplained: ({ context, event }: GuardArgs) => {
      const approved = eventAs(event, 'SupportPlanApproved');
      if (!approved) return true;
      const indicative = context.indicativeBudget;
      const same =
        indicative !== null &&
        annualPence(approved.data.finalBudgetPence, approved.data.period) === annualPence(indicative.amountPence, indicative.period);
      return same || nonEmpty(approved.data.budgetDifferenceReason);
    },

    budgetCutFollowsReassessment: ({ context, event }: GuardArgs) => {
      const approved = eventAs(event, 'SupportPlanApproved');
      const inForce = context.budgetInForce;
      if (!approved || !inForce) return true;
      const isCut = annualPence(approved.data.finalBudgetPence, approved.data.period) < annualPence(inForce.amountPence, inForce.period);
      return !isCut || context.reassessedSinceBudgetInForce;
    },

    seniorApproverForLargeBudget: ({ event }: GuardArgs) => {
      const approved = eventAs(event, 'SupportPlanApproved');
      if (!approved) return true;
      const annual = annualPence(approved.data.finalBudgetPence, approved.data.period);
      return annual <= policy.seniorApproval.annualThresholdPence || event.meta.actor.role === policy.seniorApproval.role;
    },

    fundingSharesMatchBudget: ({ context, event }: GuardArgs) => {
      const approved = eventAs(event, 'SupportPlanApproved');
      if (!approved) return true;
      const shares = approved.data.fundingShares;
      if (!shares || shares.length === 0) return context.fundingStream !== 'integrated';
      return shares.reduce((sum, share) => sum + share.amountPence, 0) === approved.data.finalBudgetPence;
    },

    nhsDirectPaymentExcludesProhibited: ({ context, event }: GuardArgs) =>
      context.plan !== null && prohibitedNhsDirectPaymentSupports(context, planAsDecided(context.plan, event), policy).length === 0,

    challengeNamesOpenableDecision: ({ context, event }: GuardArgs) => {
      const challenge = eventAs(event, 'DecisionChallenged');
      return challenge !== null && isOpenableDecision(context, policy, challenge.data.decisionRevision);
    },

    challengeIsOpen: ({ context, event }: GuardArgs) => {
      const resolution = eventAs(event, 'ChallengeResolved');
      return resolution !== null && context.openChallenges[String(resolution.data.challengeRevision)] !== undefined;
    },

    resolverIsNotDecisionMaker: ({ context, event }: GuardArgs) => {
      const resolution = eventAs(event, 'ChallengeResolved');
      const challenge = resolution && context.openChallenges[String(resolution.data.challengeRevision)];
      const decision = challenge && context.decisions[String(challenge.decisionRevision)];
      return !decision || decision.actorId !== event.meta.actor.id;
    },

    reopensAssessment: (args: GuardArgs) => challengeReopens(args, policy, 'assessment'),
    reopensIndicativeBudget: (args: GuardArgs) => challengeReopens(args, policy, 'indicativeBudget'),
    reopensSignOff: (args: GuardArgs) => challengeReopens(args, policy, 'signOff'),
    reopensReview: (args: GuardArgs) => challengeReopens(args, policy, 'review'),

    reviewContinues: ({ event }: GuardArgs) => reviewOutcomeIs(event, 'continue'),
    reviewRevisesPlan: ({ event }: GuardArgs) => reviewOutcomeIs(event, 'revise-plan'),
    reviewReassesses: ({ event }: GuardArgs) => reviewOutcomeIs(event, 'reassess'),
    reviewEndsSupport: ({ event }: GuardArgs) => reviewOutcomeIs(event, 'end-support'),

    withdrawsAppointedAdvocate: ({ context, event }: GuardArgs) => {
      const withdrawn = eventAs(event, 'AdvocateWithdrawn');
      return withdrawn !== null && context.advocates[withdrawn.data.advocateId] !== undefined;
    },

    advocateNotAlreadyAppointed: ({ context, event }: GuardArgs) => {
      const appointed = eventAs(event, 'AdvocateAppointed');
      return appointed !== null && context.advocates[appointed.data.advocateId] === undefined;
    },

    clockIsKnown: ({ event }: GuardArgs) => {
      const missed = eventAs(event, 'DeadlineMissed');
      return missed !== null && policy.clocks.some((clock) => clock.id === missed.data.clock);
    },

    clockRunsAfterClosure: ({ context, event }: GuardArgs) => {
      const missed = eventAs(event, 'DeadlineMissed');
      const clock = missed && policy.clocks.find((candidate) => candidate.id === missed.data.clock);
      return clock?.perChallenge === true && Object.keys(context.openChallenges).length > 0;
    },
  };
}

export type GuardName = keyof ReturnType<typeof makeGuards>;
