/**
 * What the journey page shows, built from the journey as JourneysService loads it: pure functions
 * over its facts, the workflow's own reading of its decisions (decisionsOf) and clocks
 * (journeyView), and the access log's entries. The template only lays this out.
 */
import type { EventType, JourneyEvent, Role } from '../../workflows';
import { decisionsOf, type DecisionEntry } from '../../workflows/support-planning/decisions';
import type { Actor } from '../auth/actor';
import type { AccessEntry } from '../access-log/access-log';
import { journeyView, nowOf } from '../journeys/journey-views';
import { metadataOf, toMachineEvent } from '../journeys/journey-records';
import type { LoadedJourney } from '../journeys/journeys.service';
import {
  actorAsSubject,
  challengeOutcomeName,
  describeFact,
  formatBudget,
  formatDate,
  formatDateTime,
  fundingName,
  NEXT_STEP_NAMES,
  stepName,
  topicName,
} from './plain-english';

export interface SummaryRow {
  key: string;
  value: string;
}

export interface ClockLine {
  text: string;
  missed: boolean;
}

export interface WordsLine {
  words: string;
  about: string;
}

export interface TimelineLine {
  revision: number;
  when: string;
  sentence: string;
  reason: string | null;
  /** What the person said, in their own words, when the fact carries it. */
  words: string | null;
}

export interface DecisionLine {
  revision: number;
  sentence: string;
  reasons: string;
  restsOn: string[];
  /** Set when the decision went against a recorded preference: what they asked for and the reason given. */
  against: string[];
  personsWords: WordsLine[];
  challenges: string[];
}

export interface ChallengeChoice {
  value: string;
  text: string;
}

export interface JourneyPage {
  id: string;
  revision: number;
  title: string;
  summary: SummaryRow[];
  clocks: ClockLine[];
  preferences: WordsLine[];
  decisions: DecisionLine[];
  timeline: TimelineLine[];
  /** Who has read the record; null for roles that may not see it (staff). */
  reads: string[] | null;
  /** What the signed-in role may record now, in words. */
  nextSteps: string[];
  /** Staff see what their role may record next. */
  staff: boolean;
  may: { addPreference: boolean; askForReview: boolean; challenge: boolean; audit: boolean };
  challengeable: ChallengeChoice[];
}

/** Roles that read who has looked at a journey (the access policy's rule, RESTRICTED_ACTIONS). */
const STAFF: readonly Role[] = ['case-worker', 'approver', 'senior-approver'];

export const READ_LOG_ROLES: readonly Role[] = ['person', 'advocate', 'auditor'];

export function journeyPage(journey: LoadedJourney, actor: Actor, now: Date, reads: readonly AccessEntry[] | null): JourneyPage {
  const view = journeyView(nowOf(journey), actor.role, now);
  const events = journey.events.map(toMachineEvent);
  const decisions = decisionsOf(events, journey.definition.policy);
  const allowed = new Set<EventType>(view.allowed);
  const challengeable = challengeableDecisions(decisions, journey);
  return {
    id: journey.id,
    revision: journey.revision,
    title: actor.role === 'person' ? 'Your support planning record' : 'Support planning record',
    summary: summaryRows(view),
    clocks: view.clocks.map((clock) => clockLine(clock, actor.role)),
    preferences: Object.entries(view.summary.preferences).map(([topic, preference]) => ({
      words: preference.inTheirWords,
      about: `About ${topicName(topic)}: they want ${preference.value}.`,
    })),
    decisions: decisions.map((decision) => decisionLine(decision, events)),
    timeline: journey.events.map((event, index) => timelineLine(events[index], metadataOf(event).reason ?? null)),
    reads: reads === null ? null : reads.map(readLine),
    nextSteps: view.allowed.map((type) => NEXT_STEP_NAMES[type]),
    staff: STAFF.includes(actor.role),
    may: {
      addPreference: allowed.has('PreferenceRecorded'),
      askForReview: allowed.has('ReviewRequested'),
      challenge: allowed.has('DecisionChallenged') && challengeable.length > 0,
      audit: actor.role === 'auditor',
    },
    challengeable,
  };
}

function summaryRows(view: ReturnType<typeof journeyView>): SummaryRow[] {
  const { summary } = view;
  const rows: SummaryRow[] = [
    { key: 'Where things are', value: stepName(summary.step) },
    { key: 'Who funds it', value: fundingName(summary.fundingStream) },
    { key: 'Route', value: summary.route === 'fast-track' ? 'Fast track (urgent)' : 'Standard' },
  ];
  if (summary.referredAt) rows.push({ key: 'Referred on', value: formatDate(summary.referredAt) });
  if (summary.indicativeBudget) {
    rows.push({ key: 'Indicative budget', value: formatBudget(summary.indicativeBudget.amountPence, summary.indicativeBudget.period) });
  }
  if (summary.budgetInForce) {
    rows.push({ key: 'Budget signed off', value: formatBudget(summary.budgetInForce.amountPence, summary.budgetInForce.period) });
  }
  if (summary.advocates.length > 0) rows.push({ key: 'Advocates', value: summary.advocates.join(', ') });
  return rows;
}

/** "Your first review is due by 6 January 2027"; a missed one says so, and is shown in red. */
export function clockLine(clock: { label: string; dueAt: string; status: string; lateByMs: number }, role: Role): ClockLine {
  const owner = role === 'person' ? 'Your' : 'The';
  const what = `${owner} ${clock.label.charAt(0).toLowerCase()}${clock.label.slice(1)}`;
  const missed = clock.status === 'missed' || clock.lateByMs > 0;
  return {
    text: missed ? `${what} was due by ${formatDate(clock.dueAt)} and is late.` : `${what} is due by ${formatDate(clock.dueAt)}.`,
    missed,
  };
}

function sentenceOf(event: JourneyEvent): string {
  const fact = describeFact(event);
  return `${actorAsSubject(event.meta.actor)} ${fact} on ${formatDate(event.meta.occurredAt)}.`;
}

/** The person's own words a fact carries, if any: what they said, not what was decided about them. */
function wordsOf(event: JourneyEvent): string | null {
  switch (event.type) {
    case 'PreferenceRecorded':
      return event.data.inTheirWords;
    case 'AssessmentCompleted':
      return event.data.personViews || null;
    case 'SupportPlanSubmitted':
      return event.data.personViews ?? null;
    case 'ReviewRequested':
      return event.meta.actor.role === 'person' ? event.data.why : null;
    case 'DecisionChallenged':
      return event.meta.actor.role === 'person' ? event.data.grounds : null;
    default:
      return null;
  }
}

function timelineLine(event: JourneyEvent, reason: string | null): TimelineLine {
  return {
    revision: event.meta.revision,
    when: formatDateTime(event.meta.occurredAt),
    sentence: sentenceOf(event),
    reason,
    words: wordsOf(event),
  };
}

function decisionLine(decision: DecisionEntry, events: readonly JourneyEvent[]): DecisionLine {
  const event = events[decision.revision];
  return {
    revision: decision.revision,
    sentence: sentenceOf(event),
    reasons: [decision.reasons, decision.recordReason].filter((text): text is string => Boolean(text)).join(' '),
    restsOn: decision.restsOn.map((fact) => `${capitalise(sourceName(fact.as))}: ${sentenceOf(events[fact.revision])}`),
    against: decision.preferences
      .filter((check) => !check.followed)
      .map(
        (check) =>
          `This went against what the person asked for about ${topicName(check.topic)} (“${check.inTheirWords}”): ${check.chosen} was chosen instead. ` +
          `Reason given: ${check.overrideReason ?? 'none was given'}.`,
      ),
    personsWords: decision.personsWords.map((words) => ({ words: words.words, about: `Said in ${sourceName(words.source)}` })),
    challenges: decision.challenges.map(challengeSentence),
  };
}

function challengeSentence(challenge: DecisionEntry['challenges'][number]): string {
  const raised = `${actorAsSubject(challenge.raisedBy)} challenged this on ${formatDate(challenge.raisedAt)}, saying: “${challenge.grounds}”`;
  const resolution = challenge.resolution;
  if (resolution === null) return `${raised} Not answered yet.`;
  const remedy = resolution.remedy ? ` What happens now: ${resolution.remedy}.` : '';
  return `${raised} ${actorAsSubject(resolution.resolvedBy)} found it ${challengeOutcomeName(resolution.outcome)} on ${formatDate(resolution.resolvedAt)}. Reasons: ${resolution.reasons}.${remedy}`;
}

/** Decisions the workflow lets someone contest and that are not already under challenge. */
function challengeableDecisions(decisions: readonly DecisionEntry[], journey: LoadedJourney): ChallengeChoice[] {
  const contestable = journey.definition.policy.challengeableDecisions;
  const events = journey.events.map(toMachineEvent);
  return decisions
    .filter((decision) => contestable[decision.type] !== undefined && decision.challenges.every((c) => c.resolution !== null))
    .map((decision) => ({ value: String(decision.revision), text: sentenceOf(events[decision.revision]) }));
}

const ROUTE_NAMES: Record<string, string> = {
  'GET /journeys/:id': 'the record through the API',
  'GET /journeys/:id/history': 'the history through the API',
  'GET /journeys/:id/state': 'an earlier state of the record through the API',
  'GET /journeys/:id/decisions': 'the decisions through the API',
  'GET /journeys/:id/preferences': 'the preferences through the API',
  'GET /journeys/:id/verify': 'the record to check it was not changed',
  'GET /journeys/:id/export': 'a copy of the whole record',
  'GET /journeys': 'a caseload list',
  'GET /decisions': 'a list of decisions',
  'GET /clocks/overdue': 'the overdue list',
  'CLI audit export': 'a copy of the whole record',
};

/** "case-worker-1, case worker, looked at this page at 4pm on 2 December 2026." */
function readLine(entry: AccessEntry): string {
  const what = entry.route.startsWith('GET /app/')
    ? `the ${PAGE_NAMES[entry.route] ?? 'record'} on this website`
    : (ROUTE_NAMES[entry.route] ?? entry.route);
  return `${actorAsSubject(entry.actor)} looked at ${what} at ${formatDateTime(entry.at)}.`;
}

const PAGE_NAMES: Record<string, string> = {
  'GET /app/journeys/:id': 'record',
  'GET /app/journeys/:id/audit': 'auditor’s page for the record',
  'GET /app/journeys/:id/challenge': 'list of decisions',
  'GET /app/journeys/:id/workflow': 'workflow diagram for the record',
  'GET /app/journeys/:id/copy': 'copy of the whole record',
  'GET /app/caseload': 'caseload list',
  'GET /app/overdue': 'overdue list',
};

/** `preference:place-of-care` → "their preference about place of care"; `submission` → "the submission". */
function sourceName(source: string): string {
  const [kind, topic] = source.split(':');
  if (kind === 'preference' && topic) return `their preference about ${topicName(topic)}`;
  return `the ${source.replace(/[-:]/g, ' ')}`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
