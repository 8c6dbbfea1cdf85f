/**
 * Long or many journeys written straight into the store, fast: the events are sealed exactly as
 * the engine seals them (`sealFact`, so every hash chain verifies and every stream replays), but
 * appended without going through HTTP and the workflow one command at a time.
 *
 * The facts are recorded "now", so no clock they start is already overdue: a service started on
 * the seeded file has no DeadlineMissed backlog to write, which would distort what is measured.
 */
import { randomUUID } from 'node:crypto';
import { SUPPORT_PLANNING, WorkflowRegistry, type Actor, type EventDataMap, type EventType } from '../../../workflows';
import { fact } from '../../../workflows/testing/facts';
import type { EventStore, NewEvent, StoredEvent } from '../../../src/event-store/event-store';
import { sealFact, streamIdOf } from '../../../src/journeys/journey-records';

/** The one case worker the benches act as; tokens for it are signed with this organisation. */
export const BENCH_CASE_WORKER: Actor = { id: 'bench-case-worker', role: 'case-worker', organisation: 'council-bench' };

/** Events per append while seeding one long stream: large enough to be quick, small enough for one transaction. */
const APPEND_CHUNK = 500;
/** Journeys appended concurrently while seeding many: the store group-commits them together. */
const JOURNEYS_PER_COMMIT = 1_000;

export interface SeedFact {
  type: EventType;
  data: Record<string, unknown>;
}

/** A preference as the person might state it; `n` picks one of a few topics so state stays small. */
export function preference(n: number, topics = 20): SeedFact {
  const data: EventDataMap['PreferenceRecorded'] = {
    topic: `topic-${n % topics}`,
    value: `value-${n}`,
    inTheirWords: `Preference number ${n}, in the person's own words`,
  };
  return { type: 'PreferenceRecorded', data: { ...data } };
}

/** A fact with the default data the workflow tests use for its type. */
export function defaultFact(type: EventType): SeedFact {
  return { type, data: { ...(fact(type).data as unknown as Record<string, unknown>) } };
}

/** A journey opened by the bench case worker, followed by `facts`, sealed into one chain. */
export function journeyEvents(journeyId: string, facts: readonly SeedFact[], actor: Actor = BENCH_CASE_WORKER): NewEvent[] {
  const workflow = new WorkflowRegistry().get(SUPPORT_PLANNING, 1);
  const streamId = streamIdOf(journeyId);
  const now = new Date().toISOString();
  const events: NewEvent[] = [];
  let previous: StoredEvent | undefined;
  facts.forEach((seed, revision) => {
    const correlationId = randomUUID();
    const sealed = sealFact(
      {
        journeyId,
        revision,
        id: randomUUID(),
        type: seed.type,
        data: seed.data,
        actor,
        occurredAt: now,
        recordedAt: now,
        correlationId,
        workflow: { id: workflow.id, version: workflow.version },
      },
      previous,
    );
    events.push(sealed);
    // sealFact reads only the previous event's integrity; the position does not matter here.
    previous = { ...sealed, streamId, revision, position: 0n };
  });
  return events;
}

/** Appends one (long) stream in chunks, each at its expected revision. */
export async function appendStream(store: EventStore, journeyId: string, events: readonly NewEvent[]): Promise<void> {
  const streamId = streamIdOf(journeyId);
  for (let start = 0; start < events.length; start += APPEND_CHUNK) {
    await store.appendToStream(streamId, events.slice(start, start + APPEND_CHUNK), start === 0 ? 'no-stream' : start - 1);
  }
}

/** Appends many short journeys, a thousand at a time so that each thousand shares one commit. */
export async function appendJourneys(
  store: EventStore,
  journeys: ReadonlyArray<{ id: string; events: NewEvent[] }>,
  progress?: { advance(events: number): void },
): Promise<void> {
  for (let start = 0; start < journeys.length; start += JOURNEYS_PER_COMMIT) {
    const chunk = journeys.slice(start, start + JOURNEYS_PER_COMMIT);
    await Promise.all(chunk.map((journey) => store.appendToStream(streamIdOf(journey.id), journey.events, 'no-stream')));
    chunk.forEach((journey) => progress?.advance(journey.events.length));
  }
}
