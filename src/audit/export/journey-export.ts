/**
 * The whole journey as one document an auditor or an advocate can keep: the timeline, each
 * decision with who made it, their role, the reasons and the person's words, and the chain head
 * (revision and hash), so that the copy can later be checked against the engine or a checkpoint.
 * It also carries every stored event as stored, so the chain can be recomputed from the file
 * alone (`verifyChain(document.events)`), and, first, a warning when the journey does not verify.
 * Built from the stored events alone; JSON here, HTML in export-html.ts.
 */
import {
  computeClocks,
  lateEntries,
  summarise,
  type Actor,
  type EventDataMap,
  type JourneyEvent,
  type JourneyStatus,
  type WorkflowPolicy,
  type WorkflowRegistry,
} from '../../../workflows';
import { decisionsOf, preferencesOf, type DecisionEntry, type PreferenceEntry } from '../../../workflows/support-planning/decisions';
import type { StoredEvent } from '../../event-store/event-store';
import { integrityOf } from '../../integrity/hash-chain';
import { metadataOf, toMachineEvent } from '../../journeys/journey-records';
import { integrityWarning, verifyAndReplay, type JourneyVerification, type VerifiedReplay } from '../verify/verify-journey';

export const EXPORT_FORMAT = 'support-planning-engine/journey-export';
/** 2: the stored events and the warning added. */
export const EXPORT_VERSION = 2;

/** A stored event as the chain hashes it; not its `position`, the store's global order, which the hash does not cover. */
export type ExportedEvent = Pick<StoredEvent, 'streamId' | 'revision' | 'id' | 'type' | 'data' | 'metadata'>;

export interface TimelineEntry {
  revision: number;
  type: string;
  occurredAt: string;
  recordedAt: string;
  actor: Omit<Actor, 'organisation'>;
  /** The reason recorded with the event, if any. */
  reason: string | null;
  /** One line saying what happened. */
  summary: string;
  data: Record<string, unknown>;
  hash: string | null;
}

/** Words the person (or someone for them) put on the record, wherever they were recorded. */
export interface RecordedWords {
  revision: number;
  type: string;
  occurredAt: string;
  by: { id: string; role: string };
  /** What the words were about, e.g. `preference: place-of-care`, `views at assessment`. */
  about: string;
  words: string;
}

export interface JourneyExport {
  format: typeof EXPORT_FORMAT;
  version: typeof EXPORT_VERSION;
  exportedAt: string;
  /** Set when the journey does not verify: what the copy shows may not be what was recorded. */
  warning: string | null;
  journeyId: string;
  workflow: { id: string; version: number } | null;
  state: string | null;
  status: JourneyStatus | null;
  verification: Pick<JourneyVerification, 'events' | 'chain' | 'replay' | 'head'>;
  personsWords: RecordedWords[];
  decisions: Array<DecisionEntry & { recordedAt: string }>;
  preferences: PreferenceEntry[];
  timeline: TimelineEntry[];
  /** Every stored event verbatim, integrity included. */
  events: ExportedEvent[];
}

export function buildExport(events: readonly StoredEvent[], registry: WorkflowRegistry, exportedAt: Date): JourneyExport {
  return exportOf(events, verifyAndReplay(events, registry), exportedAt);
}

/** The export of events already verified and replayed (`replayed` is `verifyAndReplay(events)`). */
export function exportOf(events: readonly StoredEvent[], replayed: VerifiedReplay, exportedAt: Date): JourneyExport {
  const { verification, definition, snapshot } = replayed;
  const summary = definition && snapshot ? summarise(definition, snapshot) : null;
  const machineEvents = events.map(toMachineEvent);
  const recordedAt = recordedAtOf(events);
  const lateNotes = definition ? lateEntryNotes(definition.policy, machineEvents) : new Map<number, string>();
  return {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    exportedAt: exportedAt.toISOString(),
    warning: integrityWarning(verification),
    journeyId: verification.journeyId,
    workflow: verification.workflow,
    state: summary?.state ?? null,
    status: summary?.status ?? null,
    verification: { events: verification.events, chain: verification.chain, replay: verification.replay, head: verification.head },
    personsWords: machineEvents.flatMap(wordsIn),
    decisions: definition
      ? decisionsOf(machineEvents, definition.policy).map((decision) => ({ ...decision, recordedAt: recordedAt(decision.revision) }))
      : [],
    preferences: definition ? preferencesOf(machineEvents, definition.policy) : [],
    timeline: events.map((event) => timelineEntry(event, lateNotes.get(event.revision))),
    events: events.map(({ streamId, revision, id, type, data, metadata }) => ({ streamId, revision, id, type, data, metadata })),
  };
}

/** When the engine stored the event at a revision; looked up by revision, not index, since a broken stream can have gaps. */
export function recordedAtOf(events: readonly StoredEvent[]): (revision: number) => string {
  const recordedAt = new Map(events.map((event) => [event.revision, metadataOf(event).recordedAt]));
  return (revision) => recordedAt.get(revision) ?? '';
}

/**
 * For each DeadlineMissed (by revision) that a later entry showed was met in time (v2 rule 8),
 * what its timeline line adds: the miss stays on the record, and so does what contradicted it.
 */
function lateEntryNotes(policy: WorkflowPolicy, events: readonly JourneyEvent[]): Map<number, string> {
  return new Map(
    lateEntries(computeClocks(policy, events)).map((clock) => [
      clock.missedAtRevision ?? -1,
      `met, recorded late: done ${clock.stoppedAt ?? ''}, entered at revision ${clock.recordedLateAtRevision ?? ''}`,
    ]),
  );
}

function timelineEntry(event: StoredEvent, lateNote?: string): TimelineEntry {
  const metadata = metadataOf(event);
  const { organisation: _organisation, ...actor } = metadata.actor;
  return {
    revision: event.revision,
    type: event.type,
    occurredAt: metadata.occurredAt,
    recordedAt: metadata.recordedAt,
    actor,
    reason: metadata.reason ?? null,
    summary: lateNote ? `${describe(toMachineEvent(event))} (${lateNote})` : describe(toMachineEvent(event)),
    data: event.data,
    hash: integrityOf(event.metadata)?.hash ?? null,
  };
}

function words(event: JourneyEvent, about: string, text: string | undefined | null): RecordedWords[] {
  if (text === undefined || text === null || text.trim() === '') return [];
  return [{ revision: event.meta.revision, type: event.type, occurredAt: event.meta.occurredAt, by: event.meta.actor, about, words: text }];
}

/** Where the vocabulary carries the person's own words (or those given for them). */
function wordsIn(event: JourneyEvent): RecordedWords[] {
  switch (event.type) {
    case 'PreferenceRecorded':
      return words(event, `preference: ${event.data.topic}`, event.data.inTheirWords);
    case 'AssessmentCompleted':
      return words(event, 'views at assessment', event.data.personViews);
    case 'SupportPlanSubmitted':
      return words(
        event,
        `plan ${event.data.planVersion}: ${event.data.personAgreement}`,
        event.data.personViews ?? event.data.personAgreement,
      );
    case 'ReviewRequested':
      return event.meta.actor.role === 'person' || event.meta.actor.role === 'advocate'
        ? words(event, 'review asked for', event.data.why)
        : [];
    case 'DecisionChallenged':
      return words(event, `challenge to revision ${event.data.decisionRevision}`, event.data.grounds);
    default:
      return [];
  }
}

const pence = (amount: number) => `£${(amount / 100).toFixed(2)}`;

/** One line per fact, in the domain's words. Exhaustive: a new event type must say how it reads. */
export function describe(event: JourneyEvent): string {
  switch (event.type) {
    case 'ReferralReceived':
      return describeReferral(event.data);
    case 'AssessmentStarted':
      return `Assessment started by ${event.data.assessor}`;
    case 'AssessmentCompleted':
      return event.data.eligible
        ? `Assessed eligible (${event.data.eligibleOutcomes.length} outcomes): ${event.data.reasons}`
        : `Assessed not eligible: ${event.data.reasons}`;
    case 'IndicativeBudgetSet':
      return `Indicative budget ${pence(event.data.amountPence)} a ${event.data.period} (${event.data.method.tool} ${event.data.method.version})`;
    case 'SupportPlanDrafted':
      return `Support plan drafted: ${event.data.supports.length} supports, ${event.data.deployment}`;
    case 'SupportPlanSubmitted':
      return `Plan ${event.data.planVersion} submitted; the person ${event.data.personAgreement}`;
    case 'SupportPlanReturned':
      return `Plan ${event.data.planVersion} returned: ${event.data.reasons}`;
    case 'SupportPlanApproved':
      return `Plan ${event.data.planVersion} approved, final budget ${pence(event.data.finalBudgetPence)} a ${event.data.period}: ${event.data.reasons}`;
    case 'SupportStarted':
      return `Support started on ${event.data.startDate}`;
    case 'ReviewRequested':
      return `Review requested by ${event.data.requestedBy}`;
    case 'ReviewStarted':
      return `Review started by ${event.data.reviewer}`;
    case 'ReviewCompleted':
      return `Review completed: ${event.data.outcome}. ${event.data.reasons}`;
    case 'PreferenceRecorded':
      return `Preference on ${event.data.topic}: ${event.data.value}`;
    case 'AdvocateAppointed':
      return `Advocate ${event.data.advocateId} appointed (${event.data.basis})`;
    case 'AdvocateWithdrawn':
      return `Advocate ${event.data.advocateId} withdrawn`;
    case 'DecisionChallenged':
      return `Decision at revision ${event.data.decisionRevision} challenged by ${event.data.raisedBy}`;
    case 'ChallengeResolved':
      return `Challenge at revision ${event.data.challengeRevision} ${event.data.outcome}: ${event.data.reasons}`;
    case 'DeadlineMissed':
      return `Deadline missed: ${event.data.clock}, due ${event.data.dueAt}`;
    case 'JourneyClosed':
      return `Journey closed: ${event.data.reason}`;
    case 'AccessRequested':
      return `Access to the record asked for by ${event.data.requestedBy}`;
    case 'AccessRequestAnswered':
      return `Access request at revision ${event.data.requestRevision} answered: ${event.data.given}`;

    default: {
      const unexpected: never = event;
      return `Unknown event ${String((unexpected as { type: unknown }).type)}`;
    }
  }
}

function describeReferral(data: EventDataMap['ReferralReceived']): string {
  return `Referral received (${data.fundingStream}, ${data.route}) from ${data.source}`;
}
