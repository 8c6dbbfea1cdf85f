/**
 * What the API answers about a journey, built from a loaded journey by pure functions so the
 * controller stays thin and every view is computed the same way from the stream.
 */
import {
  allowedEvents,
  apply,
  computeClocks,
  initialSnapshot,
  isEscalated,
  lateBy,
  lateEntries,
  openClocks,
  statePath,
  summarise,
  type Actor,
  type ClockInstance,
  type EventType,
  type JourneySummary,
  type Role,
} from '../../workflows';
import type { LoadedJourney } from './journeys.service';
import { metadataOf, toMachineEvent } from './journey-records';

export interface JourneyView {
  id: string;
  workflow: { id: string; version: number };
  revision: number;
  state: string;
  status: JourneySummary['status'];
  summary: JourneySummary;
  /** Events the caller's role may record now (rules on the event's data are checked when it is recorded). */
  allowed: EventType[];
  /** True while any missed clock has not been stopped by the work being done. */
  escalated: boolean;
  /** Running and missed clocks, with how late each is at the time of the answer (negative: time left). */
  clocks: Array<ClockInstance & { lateByMs: number }>;
  /**
   * Clocks met, recorded late (v2 rule 8): missed by the engine, then shown done in time by a fact
   * entered later. They no longer escalate; both revisions stay on show.
   */
  lateEntries: ClockInstance[];
}

/** The journey now, as a view needs it: its snapshot and every clock it has started. */
export interface JourneyNow {
  id: string;
  definition: LoadedJourney['definition'];
  snapshot: LoadedJourney['snapshot'];
  revision: number;
  clocks: readonly ClockInstance[];
}

/** A journey loaded with its whole stream, as a view needs it (the past states, `?at=`). */
export function nowOf(journey: LoadedJourney): JourneyNow {
  return { ...journey, clocks: computeClocks(journey.definition.policy, journey.events.map(toMachineEvent)) };
}

export function journeyView(journey: JourneyNow, role: Role, now: Date): JourneyView {
  const summary = summarise(journey.definition, journey.snapshot);
  const { clocks } = journey;
  return {
    id: journey.id,
    workflow: summary.workflow,
    revision: journey.revision,
    state: summary.state,
    status: summary.status,
    summary,
    allowed: allowedEvents(journey.definition, journey.snapshot, role),
    escalated: isEscalated(clocks),
    clocks: openClocks(clocks).map((clock) => ({ ...clock, lateByMs: lateBy(clock, now) })),
    lateEntries: lateEntries(clocks),
  };
}

export interface HistoryEntry {
  revision: number;
  eventId: string;
  type: string;
  data: Record<string, unknown>;
  actor: Omit<Actor, 'organisation'>;
  reason: string | null;
  occurredAt: string;
  recordedAt: string;
  correlationId: string;
  workflow: { id: string; version: number };
  hash: string;
  /** The journey's state once this event was applied. */
  stateAfter: string;
}

/** One page of a journey's history: the facts after a revision, and where the next page starts. */
export interface HistoryPage {
  id: string;
  events: HistoryEntry[];
  /** Pass as `after` for the next page; null when this page holds the last fact. */
  next: number | null;
}

export function historyPage(journey: LoadedJourney, page: { after?: number; limit: number }): HistoryPage {
  const first = page.after === undefined ? 0 : page.after + 1;
  const events = historyView(journey, first, first + page.limit);
  const lastShown = events.length > 0 ? events[events.length - 1].revision : null;
  return { id: journey.id, events, next: lastShown !== null && lastShown < journey.revision ? lastShown : null };
}

/**
 * The facts from revision `from` up to (not including) `to`, each with the state after it. The
 * states are replayed from the first fact, so the facts before the page are folded but not shown.
 */
export function historyView(journey: LoadedJourney, from = 0, to = journey.events.length): HistoryEntry[] {
  let snapshot = initialSnapshot(journey.definition);
  const entries: HistoryEntry[] = [];
  for (const event of journey.events.slice(0, Math.min(to, journey.events.length))) {
    snapshot = apply(journey.definition, snapshot, toMachineEvent(event));
    // A migrated journey's states are each on the version then in force (the service folds them).
    if (event.revision >= from) entries.push(historyEntry(event, journey.statesAfter?.[event.revision] ?? statePath(snapshot.value)));
  }
  return entries;
}

function historyEntry(event: LoadedJourney['events'][number], stateAfter: string): HistoryEntry {
  const metadata = metadataOf(event);
  const { organisation: _organisation, ...actor } = metadata.actor;
  return {
    revision: event.revision,
    eventId: event.id,
    type: event.type,
    data: event.data,
    actor,
    reason: metadata.reason ?? null,
    occurredAt: metadata.occurredAt,
    recordedAt: metadata.recordedAt,
    correlationId: metadata.correlationId,
    workflow: metadata.workflow,
    hash: metadata.integrity.hash,
    stateAfter,
  };
}
