/**
 * What an advocate needs to read a journey's decisions: for each decision, who made it and why,
 * the earlier facts it rested on (by revision), the person's recorded preferences it followed or
 * went against, and the challenges to it with their outcomes. And for each preference, every
 * later decision that followed it or went against it.
 *
 * Pure functions of the journey's facts, in revision order: no clock, no store. The mapping
 * "a decision rests on these facts" is a rule of this workflow, so it lives here beside the
 * machine rather than in a controller; the API and the export only format what it returns.
 */
import type { Actor, ChallengeOutcome, Choices, EventOf, EventType, JourneyEvent, PreferenceOverride } from './events';
import { choiceFollows, planChoices, wishOn } from './guards-v2';
import { normaliseCode } from './facts';
import type { ReopenableStep, WorkflowPolicy } from './policy';

/** The events that decide something about the person, and that an advocate may need to contest. */
export const DECISION_TYPES = [
  'AssessmentCompleted',
  'IndicativeBudgetSet',
  'SupportPlanReturned',
  'SupportPlanApproved',
  'ReviewCompleted',
  'ChallengeResolved',
] as const satisfies readonly EventType[];
export type DecisionType = (typeof DECISION_TYPES)[number];
export type DecisionEvent = EventOf<DecisionType>;

export function isDecision(event: JourneyEvent): event is DecisionEvent {
  return (DECISION_TYPES as readonly string[]).includes(event.type);
}

/**
 * What the advocates' reading lists as decisions: those, and a closure where the journey's
 * version makes closure a decision that may be contested (v2 rule 9).
 */
export type ReadDecisionType = DecisionType | 'JourneyClosed';
export type ReadDecisionEvent = EventOf<ReadDecisionType>;

/** Every type a list of decisions may hold. */
export const READ_DECISION_TYPES = [...DECISION_TYPES, 'JourneyClosed'] as const satisfies readonly ReadDecisionType[];

/** A closure is a decision where the version it was recorded on lets it be challenged (no policy known: shown). */
export function closureIsDecision(policy: WorkflowPolicy | null): boolean {
  return policy === null || policy.challengeableDecisions.JourneyClosed !== undefined;
}

function isReadDecision(event: JourneyEvent, policy: WorkflowPolicy | null): event is ReadDecisionEvent {
  if (event.type === 'JourneyClosed') return closureIsDecision(policy);
  return isDecision(event);
}

/** An earlier fact a decision depended on, and in what capacity (`submission`, `assessment`...). */
export interface FactReference {
  revision: number;
  type: EventType;
  as: string;
}

/** How a decision's choice on one topic compares with the person's preference standing then. */
export interface PreferenceCheck {
  topic: string;
  preferenceRevision: number;
  preferred: string;
  inTheirWords: string;
  chosen: string;
  followed: boolean;
  /** The reason the decision gave for going against the preference (`overridesPreference`). */
  overrideReason: string | null;
}

/** What the person (or someone for them) said that bears on a decision, in their own words. */
export interface PersonsWords {
  revision: number;
  /** Where the words were recorded, e.g. `preference:place-of-care`, `submission`, `challenge`. */
  source: string;
  words: string;
}

export interface ChallengeRecord {
  challengeRevision: number;
  raisedBy: Actor;
  grounds: string;
  raisedAt: string;
  resolution: {
    revision: number;
    outcome: ChallengeOutcome;
    reasons: string;
    remedy: string | null;
    resolvedBy: Actor;
    resolvedAt: string;
  } | null;
}

export interface DecisionEntry {
  revision: number;
  type: ReadDecisionType;
  actor: Actor;
  occurredAt: string;
  /** One word or phrase for what was decided: `eligible`, `approved`, `upheld`... */
  outcome: string;
  /** The reasons the decision itself gives (its `reasons` field). */
  reasons: string;
  /** The free-text reason recorded with the event, if one was given. */
  recordReason: string | null;
  data: ReadDecisionEvent['data'];
  restsOn: FactReference[];
  preferences: PreferenceCheck[];
  wentAgainstPreference: boolean;
  personsWords: PersonsWords[];
  challenges: ChallengeRecord[];
  /** For a ChallengeResolved: the challenge it answers and the decision that was contested. */
  answers: { challengeRevision: number; decisionRevision: number } | null;
}

export interface PreferenceEntry {
  revision: number;
  topic: string;
  value: string;
  inTheirWords: string;
  recordedBy: Actor;
  occurredAt: string;
  /** The later preference on the same topic that replaced this one, if any. */
  supersededBy: number | null;
  /** Decisions taken while this preference stood that made a choice on its topic. */
  decisions: Array<{
    revision: number;
    type: ReadDecisionType;
    actor: Actor;
    occurredAt: string;
    chosen: string;
    followed: boolean;
    overrideReason: string | null;
  }>;
}

/**
 * The journey as far as a decision can see it: the latest fact of each kind before it, and the
 * preferences standing then. Built by one forward pass, so every lookup is "before this revision".
 */
interface Seen {
  latest: Partial<Record<EventType, JourneyEvent>>;
  /** The first event of each kind (the referral is the journey's first, and stays its basis). */
  first: Partial<Record<EventType, JourneyEvent>>;
  preferences: Record<string, EventOf<'PreferenceRecorded'>>;
  /** The upheld challenge that reopened each step, until a decision at that step is made again. */
  reopenedBy: Partial<Record<ReopenableStep, EventOf<'ChallengeResolved'>>>;
  /** Every earlier event by revision. Only ever added to, inside one pass, so it is shared rather than copied. */
  byRevision: Map<number, JourneyEvent>;
}

function emptySeen(): Seen {
  return { latest: {}, first: {}, preferences: {}, reopenedBy: {}, byRevision: new Map() };
}

function remember(seen: Seen, event: JourneyEvent, policy: WorkflowPolicy): Seen {
  const latest = { ...seen.latest, [event.type]: event };
  const first = seen.first[event.type] ? seen.first : { ...seen.first, [event.type]: event };
  const byRevision = seen.byRevision.set(event.meta.revision, event);
  let { preferences, reopenedBy } = seen;
  if (event.type === 'PreferenceRecorded') preferences = { ...preferences, [event.data.topic]: event };
  const step = policy.challengeableDecisions[event.type];
  if (step !== undefined) reopenedBy = { ...reopenedBy, [step]: undefined };
  if (event.type === 'ChallengeResolved' && (policy.reopeningOutcomes as string[]).includes(event.data.outcome)) {
    const contested = contestedDecision(seen, event.data.challengeRevision);
    const reopened = contested ? policy.challengeableDecisions[contested.type] : undefined;
    if (reopened !== undefined) reopenedBy = { ...reopenedBy, [reopened]: event };
  }
  return { latest, first, preferences, reopenedBy, byRevision };
}

function contestedDecision(seen: Seen, challengeRevision: number): ReadDecisionEvent | null {
  const challenge = seen.byRevision.get(challengeRevision);
  if (challenge?.type !== 'DecisionChallenged') return null;
  const decision = seen.byRevision.get(challenge.data.decisionRevision);
  return decision && isReadDecision(decision, null) ? decision : null;
}

function reference(event: JourneyEvent | undefined, as: string): FactReference[] {
  return event ? [{ revision: event.meta.revision, type: event.type, as }] : [];
}

/** The facts a decision may read, as `Seen` holds them. */
type LatestPlan = EventOf<'SupportPlanDrafted'> | undefined;

/**
 * What the workflow says of one kind of decision, in one place:
 * - `outcome`: one word or phrase for what was decided;
 * - `reasons`: the reasons the decision itself gives;
 * - `restsOn`: the earlier facts it rested on, by revision (the preferences its choices touch, and
 *   the upheld challenge that reopened its step, are added for every kind);
 * - `choices`: the choices it makes on preference topics (an approval also makes the choices of
 *   the plan it approves: the same rule as the workflow's `decisionExplainsPreferenceOverride`);
 * - `overrides`: the reasons it gives for going against a preference;
 * - `personsWords`: the person's words it had before it, beyond their preferences.
 */
interface DecisionRule<K extends ReadDecisionType> {
  outcome: (event: EventOf<K>) => string;
  reasons: (event: EventOf<K>) => string;
  restsOn: (event: EventOf<K>, seen: Seen) => FactReference[];
  choices: (event: EventOf<K>, latestPlan: LatestPlan) => Choices;
  overrides: (event: EventOf<K>) => PreferenceOverride[];
  personsWords: (event: EventOf<K>, seen: Seen) => PersonsWords[];
}

const NO_CHOICES = (): Choices => ({});
const NO_OVERRIDES = (): PreferenceOverride[] => [];
const NO_WORDS = (): PersonsWords[] => [];
const ownReasons = (event: { data: { reasons: string } }): string => event.data.reasons;

/** The person's agreement to (or disagreement with) the plan submitted, which sign-off decides. */
function submissionWords(seen: Seen): PersonsWords[] {
  const submission = seen.latest.SupportPlanSubmitted as EventOf<'SupportPlanSubmitted'> | undefined;
  if (!submission) return [];
  const agreement = `${submission.data.personAgreement}${submission.data.personViews ? `: ${submission.data.personViews}` : ''}`;
  return [{ revision: submission.meta.revision, source: 'submission', words: agreement }];
}

/** Every kind of decision and what the workflow says of it: one table, so a new kind is one entry. */
const DECISION_RULES: { [K in ReadDecisionType]: DecisionRule<K> } = {
  AssessmentCompleted: {
    outcome: (event) => (event.data.eligible ? 'eligible' : 'not eligible'),
    reasons: ownReasons,
    restsOn: (_, seen) => [
      ...reference(seen.first.ReferralReceived, 'referral'),
      ...reference(seen.latest.AssessmentStarted, 'assessment started'),
    ],
    choices: (event) => event.data.choices ?? {},
    overrides: (event) => event.data.overridesPreference ?? [],
    personsWords: (event) => [{ revision: event.meta.revision, source: 'assessment', words: event.data.personViews }],
  },
  IndicativeBudgetSet: {
    outcome: (event) => `indicative budget ${event.data.amountPence} pence a ${event.data.period}`,
    // It carries a method and inputs rather than prose: the method is its reason.
    reasons: (event) => `${event.data.method.tool} ${event.data.method.version}`,
    restsOn: (_, seen) => reference(seen.latest.AssessmentCompleted, 'assessment'),
    choices: NO_CHOICES,
    overrides: NO_OVERRIDES,
    personsWords: NO_WORDS,
  },
  SupportPlanReturned: {
    outcome: (event) => `plan ${event.data.planVersion} returned`,
    reasons: ownReasons,
    restsOn: (_, seen) => [
      ...reference(seen.latest.SupportPlanSubmitted, 'submission'),
      ...reference(seen.latest.SupportPlanDrafted, 'plan drafted'),
    ],
    choices: NO_CHOICES,
    overrides: NO_OVERRIDES,
    personsWords: (_, seen) => submissionWords(seen),
  },
  SupportPlanApproved: {
    outcome: (event) => `plan ${event.data.planVersion} approved, final budget ${event.data.finalBudgetPence} pence a ${event.data.period}`,
    reasons: ownReasons,
    restsOn: (_, { latest }) => [
      ...reference(latest.SupportPlanSubmitted, 'submission'),
      ...reference(latest.SupportPlanDrafted, 'plan drafted'),
      ...reference(latest.IndicativeBudgetSet, 'indicative budget'),
      ...reference(latest.AssessmentCompleted, 'assessment'),
      ...reference(latest.SupportPlanApproved, 'budget in force'),
    ],
    choices: (event, latestPlan) => ({ ...(latestPlan?.data.choices ?? {}), ...(event.data.choices ?? {}) }),
    overrides: (event) => event.data.overridesPreference ?? [],
    personsWords: (_, seen) => submissionWords(seen),
  },
  ReviewCompleted: {
    outcome: (event) => `review: ${event.data.outcome}`,
    reasons: ownReasons,
    restsOn: (_, seen) => [
      ...reference(seen.latest.ReviewStarted, 'review started'),
      ...reference(pendingReviewRequest(seen), 'review requested'),
      ...reference(seen.latest.SupportPlanApproved, 'plan approved'),
      ...reference(seen.latest.SupportStarted, 'support started'),
    ],
    choices: (event) => event.data.choices ?? {},
    overrides: (event) => event.data.overridesPreference ?? [],
    personsWords: NO_WORDS,
  },
  ChallengeResolved: {
    outcome: (event) => `challenge ${event.data.outcome}`,
    reasons: ownReasons,
    restsOn: (event, seen) => [
      ...reference(seen.byRevision.get(event.data.challengeRevision), 'challenge'),
      ...reference(contestedDecision(seen, event.data.challengeRevision) ?? undefined, 'decision contested'),
    ],
    choices: NO_CHOICES,
    overrides: NO_OVERRIDES,
    personsWords: (event, seen) => {
      const challenge = seen.byRevision.get(event.data.challengeRevision);
      return challenge?.type === 'DecisionChallenged'
        ? [{ revision: challenge.meta.revision, source: 'challenge', words: challenge.data.grounds }]
        : [];
    },
  },
  JourneyClosed: {
    outcome: (event) => `closed: ${event.data.reason}`,
    reasons: (event) => event.data.details ?? event.data.reason,
    // A journey closed as no longer eligible rests on the assessment that found it so.
    restsOn: (event, seen) => (event.data.reason === 'no-longer-eligible' ? reference(seen.latest.AssessmentCompleted, 'assessment') : []),
    choices: NO_CHOICES,
    overrides: NO_OVERRIDES,
    personsWords: NO_WORDS,
  },
};

/**
 * The rule for this decision's kind. TypeScript cannot tie `DECISION_RULES[event.type]` to the
 * event's own type through a union, so the one cast is here: the table's type guarantees it.
 */
function ruleFor(event: ReadDecisionEvent): DecisionRule<ReadDecisionType> {
  return DECISION_RULES[event.type] as unknown as DecisionRule<ReadDecisionType>;
}

/** The choices a decision makes on preference topics (see DecisionRule). */
export function choicesOf(event: ReadDecisionEvent, seen: { latestPlan: LatestPlan }): Choices {
  return ruleFor(event).choices(event, seen.latestPlan);
}

/**
 * What a decision chooses on each topic. Under v2's rule 1 an approval also chooses what its plan
 * contains (the providers it names, how the money is held, where care is given), ticked or not.
 */
function choicesByTopic(
  event: ReadDecisionEvent,
  latestPlan: EventOf<'SupportPlanDrafted'> | undefined,
  policy: WorkflowPolicy,
): Record<string, string[]> {
  const ticked = Object.fromEntries(Object.entries(choicesOf(event, { latestPlan })).map(([topic, value]) => [topic, [value]]));
  if (!policy.comparesPlanContents || event.type !== 'SupportPlanApproved' || !latestPlan) return ticked;
  return planChoices({ ...latestPlan.data, choices: choicesOf(event, { latestPlan }) });
}

/** The wish a decision is read against: by the topic as written (v1), or however the topic was spelt (v2). */
function preferenceOn(seen: Seen, topic: string, policy: WorkflowPolicy): EventOf<'PreferenceRecorded'> | undefined {
  return policy.comparesPlanContents ? wishOn(seen.preferences, topic, (preference) => preference.meta.revision) : seen.preferences[topic];
}

function preferenceChecks(event: ReadDecisionEvent, seen: Seen, policy: WorkflowPolicy): PreferenceCheck[] {
  const latestPlan = seen.latest.SupportPlanDrafted as EventOf<'SupportPlanDrafted'> | undefined;
  const overrides = ruleFor(event).overrides(event);
  return Object.entries(choicesByTopic(event, latestPlan, policy))
    .map(([topic, chosen]) => [topic, chosen, preferenceOn(seen, topic, policy)] as const)
    .filter((entry): entry is readonly [string, string[], EventOf<'PreferenceRecorded'>] => entry[2] !== undefined && entry[1].length > 0)
    .map(([topic, chosen, preference]) => {
      // v1 compares as it always has (the very words); v2 reads codes, so spelling does not decide.
      const followed = policy.comparesPlanContents ? choiceFollows(preference.data.value, chosen) : preference.data.value === chosen[0];
      const override = overrides.find((candidate) =>
        policy.comparesPlanContents ? normaliseCode(candidate.topic) === normaliseCode(topic) : candidate.topic === topic,
      );
      return {
        topic,
        preferenceRevision: preference.meta.revision,
        preferred: preference.data.value,
        inTheirWords: preference.data.inTheirWords,
        chosen: chosen.join(', '),
        followed,
        overrideReason: followed ? null : (override?.reason ?? null),
      };
    });
}

function preferenceReferences(checks: readonly PreferenceCheck[]): FactReference[] {
  return checks.map((check) => ({ revision: check.preferenceRevision, type: 'PreferenceRecorded', as: `preference:${check.topic}` }));
}

/** A review request made since the last review completed is what this review answers. */
function pendingReviewRequest(seen: Seen): JourneyEvent | undefined {
  const request = seen.latest.ReviewRequested;
  const lastReview = seen.latest.ReviewCompleted;
  if (!request) return undefined;
  return lastReview && lastReview.meta.revision > request.meta.revision ? undefined : request;
}

/**
 * The earlier facts a decision rested on, by revision: its kind's own (DECISION_RULES), the
 * preferences on the topics its choices touch, and the upheld challenge that reopened it, if it is
 * made again after one.
 */
function restsOn(event: ReadDecisionEvent, seen: Seen, checks: readonly PreferenceCheck[], policy: WorkflowPolicy): FactReference[] {
  const own = ruleFor(event).restsOn(event, seen);
  const step = policy.challengeableDecisions[event.type];
  const reopened = step === undefined ? [] : reference(seen.reopenedBy[step], 'reopened by challenge');
  return [...own, ...preferenceReferences(checks), ...reopened].sort((a, b) => a.revision - b.revision);
}

/** The person's words a decision had before it: their preferences on its topics, and what its kind reads (DECISION_RULES). */
function personsWordsFor(event: ReadDecisionEvent, seen: Seen, checks: readonly PreferenceCheck[]): PersonsWords[] {
  const preferences: PersonsWords[] = checks.map((check) => ({
    revision: check.preferenceRevision,
    source: `preference:${check.topic}`,
    words: check.inTheirWords,
  }));
  return [...preferences, ...ruleFor(event).personsWords(event, seen)].sort((a, b) => a.revision - b.revision);
}

/** Every challenge to a decision, with its resolution when there is one. */
function challengesTo(decisionRevision: number, events: readonly JourneyEvent[]): ChallengeRecord[] {
  return events
    .filter(
      (event): event is EventOf<'DecisionChallenged'> =>
        event.type === 'DecisionChallenged' && event.data.decisionRevision === decisionRevision,
    )
    .map((challenge) => {
      const resolution = events.find(
        (event): event is EventOf<'ChallengeResolved'> =>
          event.type === 'ChallengeResolved' && event.data.challengeRevision === challenge.meta.revision,
      );
      return {
        challengeRevision: challenge.meta.revision,
        raisedBy: challenge.meta.actor,
        grounds: challenge.data.grounds,
        raisedAt: challenge.meta.occurredAt,
        resolution: resolution
          ? {
              revision: resolution.meta.revision,
              outcome: resolution.data.outcome,
              reasons: resolution.data.reasons,
              remedy: resolution.data.remedy ?? null,
              resolvedBy: resolution.meta.actor,
              resolvedAt: resolution.meta.occurredAt,
            }
          : null,
      };
    });
}

function decisionEntry(event: ReadDecisionEvent, seen: Seen, events: readonly JourneyEvent[], policy: WorkflowPolicy): DecisionEntry {
  const checks = preferenceChecks(event, seen, policy);
  return {
    revision: event.meta.revision,
    type: event.type,
    actor: event.meta.actor,
    occurredAt: event.meta.occurredAt,
    outcome: ruleFor(event).outcome(event),
    reasons: ruleFor(event).reasons(event),
    recordReason: event.meta.reason ?? null,
    data: event.data,
    restsOn: restsOn(event, seen, checks, policy),
    preferences: checks,
    wentAgainstPreference: checks.some((check) => !check.followed),
    personsWords: personsWordsFor(event, seen, checks),
    challenges: challengesTo(event.meta.revision, events),
    answers:
      event.type === 'ChallengeResolved'
        ? {
            challengeRevision: event.data.challengeRevision,
            decisionRevision: contestedDecision(seen, event.data.challengeRevision)?.meta.revision ?? -1,
          }
        : null,
  };
}

/**
 * Every decision of the journey, in revision order. `events` are the journey's facts in order;
 * `policy` is its workflow version's (which step an upheld challenge reopens is a policy value).
 */
export function decisionsOf(events: readonly JourneyEvent[], policy: WorkflowPolicy): DecisionEntry[] {
  const entries: DecisionEntry[] = [];
  let seen = emptySeen();
  for (const event of events) {
    if (isReadDecision(event, policy)) entries.push(decisionEntry(event, seen, events, policy));
    seen = remember(seen, event, policy);
  }
  return entries;
}

/** Every preference recorded, and each later decision, while it stood, that followed it or went against it. */
export function preferencesOf(events: readonly JourneyEvent[], policy: WorkflowPolicy): PreferenceEntry[] {
  const decisions = decisionsOf(events, policy);
  const recorded = events.filter((event): event is EventOf<'PreferenceRecorded'> => event.type === 'PreferenceRecorded');
  return recorded.map((preference) => {
    const supersededBy =
      recorded.find((later) => later.meta.revision > preference.meta.revision && later.data.topic === preference.data.topic)?.meta
        .revision ?? null;
    return {
      revision: preference.meta.revision,
      topic: preference.data.topic,
      value: preference.data.value,
      inTheirWords: preference.data.inTheirWords,
      recordedBy: preference.meta.actor,
      occurredAt: preference.meta.occurredAt,
      supersededBy,
      decisions: decisions.flatMap((decision) =>
        decision.preferences
          .filter((check) => check.preferenceRevision === preference.meta.revision)
          .map((check) => ({
            revision: decision.revision,
            type: decision.type,
            actor: decision.actor,
            occurredAt: decision.occurredAt,
            chosen: check.chosen,
            followed: check.followed,
            overrideReason: check.overrideReason,
          })),
      ),
    };
  });
}
