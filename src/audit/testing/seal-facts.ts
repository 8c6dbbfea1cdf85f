/**
 * Journeys as the engine would have stored them, built from the workflow tests' fact builders and
 * sealed through the engine's own `sealEvent`, so their chains verify and they replay. For unit
 * tests and the replay bench, which need stored events without running the service.
 */
import { SUPPORT_PLANNING } from '../../../workflows';
import { toEvents, type Fact } from '../../../workflows/testing/facts';
import type { StoredEvent } from '../../event-store/event-store';
import { sealFact, streamIdOf } from '../../journeys/journey-records';

export interface SealOptions {
  /** Workflow recorded on every event; support-planning v1 by default (the fact builders write v1's facts). */
  workflow?: { id: string; version: number };
  /** Organisation of the staff who recorded the facts. */
  organisation?: string;
  /** Event ids; `<journey-prefix>-<revision>`-like UUIDs by default, so a test can predict them. */
  eventId?: (revision: number) => string;
}

/** The stored events of one journey: each fact sealed onto the one before, at its revision. */
export function sealFacts(journeyId: string, facts: readonly Fact[], options: SealOptions = {}): StoredEvent[] {
  const workflow = options.workflow ?? { id: SUPPORT_PLANNING, version: 1 };
  const streamId = streamIdOf(journeyId);
  const events: StoredEvent[] = [];
  toEvents(facts).forEach((event, revision) => {
    const correlationId = `00000000-0000-4000-8000-${String(revision).padStart(12, '0')}`;
    const actor = {
      ...event.meta.actor,
      ...(options.organisation && event.meta.actor.role !== 'person' ? { organisation: options.organisation } : {}),
    };
    const sealed = sealFact(
      {
        journeyId,
        revision,
        id: options.eventId?.(revision) ?? eventIdFor(journeyId, revision),
        type: event.type,
        data: event.data as unknown as Record<string, unknown>,
        actor,
        occurredAt: event.meta.occurredAt,
        recordedAt: event.meta.occurredAt,
        reason: event.meta.reason,
        correlationId,
        workflow,
      },
      events[revision - 1],
    );
    events.push({ ...sealed, streamId, revision, position: BigInt(revision) });
  });
  return events;
}

/** A UUID that keeps the journey's first 8 hex digits and the revision, readable in a failure. */
function eventIdFor(journeyId: string, revision: number): string {
  return `${journeyId.slice(0, 8)}-0000-4000-8000-${String(revision).padStart(12, '0')}`;
}
