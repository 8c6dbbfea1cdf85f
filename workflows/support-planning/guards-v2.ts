/**
 * Version 2's rules (DOMAIN.md, "Workflow version 2"): v1's guards, and the named rules that
 * close the places where v1 let the record say less than the truth. Pure functions of the
 * context, the proposed fact and v2's policy.
 */
import { annualPence, type JourneyContext, type OpenStep, type PlanVersion } from './context';
import type { Choices, EventOf, EventType, FundingShare, JourneyEvent, PreferenceOverride } from './events';
import { hasVisibleText, normaliseCode } from './facts';
import { makeGuards, makePreconditions } from './guards';
import type { WorkflowPolicy } from './policy';

type GuardArgs = { context: JourneyContext; event: JourneyEvent };

/** v2's rules in plain words, for refusals, the generated rules page and the change page. */
export const GUARD_DESCRIPTIONS_V2: Record<string, string> = {
  planFollowsWishesOrSaysWhy:
    'A plan whose contents (its providers, how the money is held, where care is given) differ from the person’s recorded wishes on provider, deployment, place-of-care or place-of-death says so with overridesPreference and a reason, when it is submitted and when it is approved.',
  planStatesSettingWhenWished:
    'A plan submitted for someone with a recorded wish about where they are cared for (or die) says where the care is given (setting).',
  notEligibleGivesAdvice:
    'A finding of no eligible needs carries the written advice and information given on meeting or reducing them (Care Act s.13(5)).',
  finalBudgetCoversPlan:
    'The final budget approved covers the cost of the plan it approves over the same period (guidance ch. 11: sufficient to meet needs); a plan that costs more goes back, it is not approved short.',
  fundingSharesInForceMatchBudget:
    'The funding shares an approval puts in force (its own, or else the plan’s) name each funder once and add up to the final budget, so the funding in force is what was approved.',
  challengeNamesDecisionInForce:
    'A challenge names a decision in force: the latest of its kind (eligibility, indicative budget, sign-off or return, review outcome, closure), not one replaced by a later decision, and not already under challenge.',
  journeyIsReferred: 'A request for the record is made on a journey that has been referred.',
  accessRequestIsOpen: 'An answer names an access request of this journey that has not been answered.',
  clockRunsAfterClosureV2:
    'On a closed journey the clocks that run are a challenge’s (while a challenge is open) and an access request’s (while one is unanswered).',
  supportIsLive: 'Routing: a plan approved while support is live takes effect at once; the journey returns to live support.',
  supportIsNotLive: 'Routing: a plan approved before support starts waits for support to start.',
  reopensClosedStep: 'Routing: an upheld challenge to a closure reopens the step the journey closed from.',
};

/** Decision kinds in the order a journey makes them: a later decision of an earlier kind replaces the ones after it. */
const KIND_ORDER = ['assessment', 'indicativeBudget', 'signOff', 'review'] as const;

/** What rule 1 reads of a plan: a drafted plan's data, or the plan as the journey holds it. */
export type PlanContents = Pick<PlanVersion, 'supports' | 'deployment' | 'setting'> & { choices?: Choices };

/**
 * The topics a plan speaks to, and everything it chooses on each: what its contents name (each
 * support's provider, how the money is held, where care is given) and what was ticked, together,
 * so that neither can hide the other.
 */
export function planChoices(plan: PlanContents): Record<string, string[]> {
  const providers = plan.supports.flatMap((support) => (support.provider ? [support.provider] : []));
  const setting = plan.setting ? [plan.setting] : [];
  const contents: Record<string, string[]> = {
    provider: providers,
    deployment: [plan.deployment],
    'place-of-care': setting,
    'place-of-death': setting,
  };
  const ticked = Object.entries(plan.choices ?? {});
  const topics = new Set([...Object.keys(contents), ...ticked.map(([topic]) => topic)]);
  return Object.fromEntries(
    [...topics].map((topic) => [
      topic,
      [...new Set([...(contents[topic] ?? []), ...ticked.filter(([ticks]) => ticks === topic).map(([, value]) => value)])],
    ]),
  );
}

/** Whether a plan follows a wish: every choice it makes on the topic (each support's provider) is the one wished for, however spelt. */
export function choiceFollows(wished: string, chosen: readonly string[]): boolean {
  return chosen.every((value) => normaliseCode(value) === normaliseCode(wished));
}

/**
 * The person's standing wish on a topic however the topic was spelt when it was recorded
 * (`Provider`, `place of care`): the latest such preference. Spelling must not hide a wish.
 */
export function wishOn<T>(preferences: Record<string, T>, topic: string, revisionOf: (preference: T) => number): T | undefined {
  return Object.entries(preferences)
    .filter(([recorded]) => normaliseCode(recorded) === normaliseCode(topic))
    .map(([, preference]) => preference)
    .sort((a, b) => revisionOf(b) - revisionOf(a))[0];
}

/** Topics where the plan goes against the person's standing wish: it names choices, and not every one is the one wished for. */
export function planContradictions(context: JourneyContext, plan: PlanVersion): string[] {
  return Object.entries(planChoices(plan))
    .filter(([topic, chosen]) => {
      const wish = wishOn(context.preferences, topic, (preference) => preference.revision);
      return wish !== undefined && chosen.length > 0 && !choiceFollows(wish.value, chosen);
    })
    .map(([topic]) => topic);
}

function explained(topics: string[], overrides: PreferenceOverride[] | undefined): boolean {
  return topics.every((topic) =>
    (overrides ?? []).some((override) => normaliseCode(override.topic) === normaliseCode(topic) && hasVisibleText(override.reason)),
  );
}

function eventAs<K extends JourneyEvent['type']>(event: JourneyEvent, type: K): EventOf<K> | null {
  return event.type === type ? (event as EventOf<K>) : null;
}

/** The plan as a submission or an approval decides it: an approval's own choices join the plan's. */
function planDecidedBy(context: JourneyContext, event: JourneyEvent): { plan: PlanVersion; overrides?: PreferenceOverride[] } | null {
  if (!context.plan) return null;
  const submitted = eventAs(event, 'SupportPlanSubmitted');
  if (submitted) return { plan: context.plan, overrides: submitted.data.overridesPreference };
  const approved = eventAs(event, 'SupportPlanApproved');
  if (!approved) return null;
  return {
    plan: { ...context.plan, choices: { ...context.plan.choices, ...(approved.data.choices ?? {}) } },
    overrides: approved.data.overridesPreference,
  };
}

/** Rule 5: the shares an approval puts in force, as `evolve` folds them: its own, else the plan's. */
function sharesPutInForce(context: JourneyContext, approved: EventOf<'SupportPlanApproved'>): readonly FundingShare[] {
  return approved.data.fundingShares ?? context.plan?.fundingShares ?? [];
}

/**
 * Rule 9: a decision is in force while no later decision of its kind, or of a kind the journey
 * makes before it, has replaced it (a reassessment replaces the budget, sign-off and review that
 * rested on the old assessment), and a closure while the journey is still closed by it.
 */
export function isDecisionInForce(context: JourneyContext, policy: WorkflowPolicy, revision: number): boolean {
  const decision = context.decisions[String(revision)];
  const kind = decision && policy.challengeableDecisions[decision.type];
  if (!kind) return false;
  if (kind === 'closure') return context.closure?.revision === revision;
  const rank = KIND_ORDER.indexOf(kind);
  return !Object.entries(context.decisions).some(([later, other]) => {
    const otherKind = policy.challengeableDecisions[other.type];
    return Number(later) > revision && otherKind !== undefined && otherKind !== 'closure' && KIND_ORDER.indexOf(otherKind) <= rank;
  });
}

function isUnderChallenge(context: JourneyContext, revision: number): boolean {
  return Object.values(context.openChallenges).some((open) => open.decisionRevision === revision);
}

/** The closure an upheld resolution reopens, and the step it closed the journey from. */
function reopenedClosureStep(context: JourneyContext, event: JourneyEvent, policy: WorkflowPolicy): OpenStep | null {
  const resolution = eventAs(event, 'ChallengeResolved');
  const challenge = resolution && context.openChallenges[String(resolution.data.challengeRevision)];
  const decision = challenge && context.decisions[String(challenge.decisionRevision)];
  if (!resolution || !decision || policy.challengeableDecisions[decision.type] !== 'closure') return null;
  if (!(policy.reopeningOutcomes as string[]).includes(resolution.data.outcome)) return null;
  return context.closedFrom ?? null;
}

/** The guards of version 2, bound to its policy: v1's, and v2's own. */
export function makeGuardsV2(policy: WorkflowPolicy) {
  const v1 = makeGuards(policy);
  return {
    ...v1,

    planFollowsWishesOrSaysWhy: ({ context, event }: GuardArgs) => {
      const decided = planDecidedBy(context, event);
      return decided === null || explained(planContradictions(context, decided.plan), decided.overrides);
    },

    planStatesSettingWhenWished: ({ context }: GuardArgs) =>
      context.plan?.setting !== undefined ||
      (context.preferences['place-of-care'] === undefined && context.preferences['place-of-death'] === undefined),

    notEligibleGivesAdvice: ({ event }: GuardArgs) => {
      const completed = eventAs(event, 'AssessmentCompleted');
      return !completed || completed.data.eligible || hasVisibleText(completed.data.adviceGiven);
    },

    finalBudgetCoversPlan: ({ context, event }: GuardArgs) => {
      const approved = eventAs(event, 'SupportPlanApproved');
      if (!approved || !context.plan) return true;
      return annualPence(approved.data.finalBudgetPence, approved.data.period) >= annualPence(context.plan.totalPence, context.plan.period);
    },

    fundingSharesInForceMatchBudget: ({ context, event }: GuardArgs) => {
      const approved = eventAs(event, 'SupportPlanApproved');
      if (!approved) return true;
      const shares = sharesPutInForce(context, approved);
      return shares.length === 0 || shares.reduce((sum, share) => sum + share.amountPence, 0) === approved.data.finalBudgetPence;
    },

    challengeNamesDecisionInForce: ({ context, event }: GuardArgs) => {
      const challenge = eventAs(event, 'DecisionChallenged');
      if (!challenge) return false;
      const revision = challenge.data.decisionRevision;
      return isDecisionInForce(context, policy, revision) && !isUnderChallenge(context, revision);
    },

    journeyIsReferred: ({ context }: GuardArgs) => context.referredAt !== null,

    accessRequestIsOpen: ({ context, event }: GuardArgs) => {
      const answer = eventAs(event, 'AccessRequestAnswered');
      return answer !== null && context.accessRequests?.[String(answer.data.requestRevision)] !== undefined;
    },

    clockRunsAfterClosureV2: (args: GuardArgs) => {
      const missed = eventAs(args.event, 'DeadlineMissed');
      const accessClockRuns = missed?.data.clock === 'access-request-answered' && Object.keys(args.context.accessRequests ?? {}).length > 0;
      return accessClockRuns || v1.clockRunsAfterClosure(args);
    },

    supportIsLive: ({ context }: GuardArgs) => context.supportStartedAt !== null,
    supportIsNotLive: ({ context }: GuardArgs) => context.supportStartedAt === null,

    reopensClosedStep: ({ context, event }: GuardArgs, params: { step: OpenStep }) =>
      reopenedClosureStep(context, event, policy) === params.step,
  };
}

/** What the journey must hold before v2 offers an event as allowed now (see makePreconditions). */
export function makePreconditionsV2(policy: WorkflowPolicy): Partial<Record<EventType, (context: JourneyContext) => boolean>> {
  return {
    ...makePreconditions(policy),
    DecisionChallenged: (context) =>
      Object.keys(context.decisions).some(
        (revision) => isDecisionInForce(context, policy, Number(revision)) && !isUnderChallenge(context, Number(revision)),
      ),
    AccessRequestAnswered: (context) => Object.keys(context.accessRequests ?? {}).length > 0,
  };
}
