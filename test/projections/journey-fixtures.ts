/**
 * Real journeys for read-model and store-copy tests: the four golden histories (recorded stories
 * the workflow accepts fact by fact) and one more with a decision that overrides a preference and
 * is challenged twice. Each is sealed exactly as the engine seals a fact (`sealFact`: metadata,
 * hash chain), under a fresh journey id, so a store filled from here looks like a service's.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { v5 as uuidv5 } from 'uuid';
import { SUPPORT_PLANNING, WorkflowRegistry, replay, type JourneyEvent } from '../../workflows';
import { actors, fact, toEvents } from '../../workflows/testing/facts';
import type { EventStore, NewEvent, StoredEvent } from '../../src/event-store/event-store';
import { sealFact, streamIdOf } from '../../src/journeys/journey-records';

export interface History {
  name: string;
  events: JourneyEvent[];
}

const GOLDEN_DIR = join(__dirname, '..', 'golden');
const registry = new WorkflowRegistry();
const definition = registry.get(SUPPORT_PLANNING, 1);

function goldenHistories(version = definition.version): History[] {
  return (
    readdirSync(GOLDEN_DIR)
      .filter((file) => file.endsWith('.json'))
      .sort()
      .map((file) => ({
        file,
        ...(JSON.parse(readFileSync(join(GOLDEN_DIR, file), 'utf8')) as History & { workflow: { version: number } }),
      }))
      // These fixtures are sealed on v1: its golden histories (v2's are checked in test/golden).
      .filter((history) => history.workflow.version === version)
      .map(({ file, events }) => ({ name: file.replace(/\.json$/, ''), events }))
  );
}

/**
 * An assessment that goes against the person's wish (and says why), challenged by their advocate,
 * not upheld, challenged again, then upheld: the index must show the override, the second
 * challenge and its outcome.
 */
function overriddenAndChallengedTwice(): History {
  const facts = [
    fact('ReferralReceived'),
    fact('PreferenceRecorded', { topic: 'place-of-care', value: 'home' }),
    fact('AssessmentStarted'),
    fact('AssessmentCompleted', {
      choices: { 'place-of-care': 'nursing-home' },
      overridesPreference: [{ topic: 'place-of-care', reason: 'Needs two carers at night, which home care cannot staff' }],
    }),
    fact('AdvocateAppointed', { advocateId: actors.advocate.id }),
    fact('DecisionChallenged', { decisionRevision: 3, raisedBy: actors.advocate.id }, { by: actors.advocate }),
    fact('ChallengeResolved', { challengeRevision: 5, outcome: 'not-upheld' }),
    fact(
      'DecisionChallenged',
      { decisionRevision: 3, grounds: 'New evidence: night needs reduced', raisedBy: actors.advocate.id },
      { by: actors.advocate },
    ),
    fact('ChallengeResolved', { challengeRevision: 7, outcome: 'upheld', reasons: 'The new evidence changes the assessment' }),
  ];
  return { name: 'overridden-and-challenged-twice', events: toEvents(facts) };
}

/** Every history, each checked against the workflow so a fixture can never hold a refused fact. */
export function histories(): History[] {
  const all = [...goldenHistories(), overriddenAndChallengedTwice()];
  all.forEach((history) => replay(definition, history.events));
  return all;
}

export interface SealOptions {
  /** The organisation of whoever recorded the referral (access scoping); none when undefined. */
  organisation?: string;
  /** How long after `occurredAt` the engine recorded each fact (ms). */
  recordedAfterMs?: number;
  /** The support-planning version the journey is pinned to (default 1, the histories' own). */
  version?: number;
}

/** A history as the events the engine would have appended to `journey-<journeyId>`. */
export function sealJourney(journeyId: string, history: History, options: SealOptions = {}): NewEvent[] {
  const streamId = streamIdOf(journeyId);
  const sealed: NewEvent[] = [];
  let previous: StoredEvent | undefined;
  history.events.forEach((event, revision) => {
    const recordedAt = new Date(Date.parse(event.meta.occurredAt) + (options.recordedAfterMs ?? 60_000)).toISOString();
    const correlationId = deterministicUuid(journeyId, revision, 'correlation');
    const next = sealFact(
      {
        journeyId,
        revision,
        id: deterministicUuid(journeyId, revision, 'event'),
        type: event.type,
        data: event.data as unknown as Record<string, unknown>,
        actor:
          revision === 0 && options.organisation !== undefined
            ? { ...event.meta.actor, organisation: options.organisation }
            : event.meta.actor,
        occurredAt: event.meta.occurredAt,
        recordedAt,
        reason: event.meta.reason,
        correlationId,
        workflow: { id: definition.id, version: options.version ?? definition.version },
      },
      previous,
    );
    sealed.push(next);
    // sealFact reads only the previous event's integrity; the position is not used.
    previous = { ...next, streamId, revision, position: 0n };
  });
  return sealed;
}

/** Any fixed namespace: fixture ids are reproducible across runs and processes. */
const FIXTURE_NAMESPACE = '0d9c7f4e-2a61-4b8e-9f3d-6c5e1a2b7d40';

function deterministicUuid(journeyId: string, revision: number, kind: 'event' | 'correlation'): string {
  return uuidv5(`${journeyId}/${revision}/${kind}`, FIXTURE_NAMESPACE);
}

/** Journey `n` of a fixture set: a fixed UUID, so runs and child processes agree on it. */
export function journeyIdOfIndex(n: number): string {
  const hex = n.toString(16).padStart(12, '0');
  return `00000000-0000-4000-8000-${hex}`;
}

export interface PlannedJourney {
  journeyId: string;
  history: string;
  events: NewEvent[];
}

/** `count` journeys cycling through the histories and through two councils and none. */
export function plannedJourneys(count: number): PlannedJourney[] {
  const all = histories();
  const organisations = ['council-a', 'council-b', undefined];
  return Array.from({ length: count }, (_, n) => {
    const history = all[n % all.length];
    const journeyId = journeyIdOfIndex(n);
    return {
      journeyId,
      history: history.name,
      events: sealJourney(journeyId, history, { organisation: organisations[n % 3], recordedAfterMs: 1000 * (n + 1) }),
    };
  });
}

/** The v2 golden histories, each checked against v2, as `count` journeys (ids from `firstIndex`) pinned to v2. */
export function plannedV2Journeys(count: number, firstIndex: number): PlannedJourney[] {
  const v2 = registry.get(SUPPORT_PLANNING, 2);
  const all = goldenHistories(v2.version);
  all.forEach((history) => replay(v2, history.events));
  return Array.from({ length: count }, (_, n) => {
    const history = all[n % all.length];
    const journeyId = journeyIdOfIndex(firstIndex + n);
    const options = { organisation: n % 2 === 0 ? 'council-a' : undefined, recordedAfterMs: 1000 * (n + 1), version: v2.version };
    return { journeyId, history: history.name, events: sealJourney(journeyId, history, options) };
  });
}

/**
 * Appends the journeys interleaved, one fact per append as the service writes them: round r
 * appends the r-th fact of every journey that has one, `perTurn` appends started together (they
 * share an event loop turn, and SQLite's group commit) before waiting for them.
 */
export async function appendInterleaved(store: EventStore, journeys: readonly PlannedJourney[], perTurn = 5): Promise<number> {
  const rounds = Math.max(...journeys.map((journey) => journey.events.length));
  let appended = 0;
  for (let revision = 0; revision < rounds; revision += 1) {
    const due = journeys.filter((journey) => journey.events.length > revision);
    for (let start = 0; start < due.length; start += perTurn) {
      await Promise.all(
        due
          .slice(start, start + perTurn)
          .map((journey) =>
            store.appendToStream(streamIdOf(journey.journeyId), [journey.events[revision]], revision === 0 ? 'no-stream' : revision - 1),
          ),
      );
      appended += Math.min(perTurn, due.length - start);
    }
  }
  return appended;
}

/** Appends each journey whole, in one append, many at once (fast seeding of a large store). */
export async function appendWhole(store: EventStore, journeys: readonly PlannedJourney[], perTurn = 200): Promise<void> {
  for (let start = 0; start < journeys.length; start += perTurn) {
    await Promise.all(
      journeys
        .slice(start, start + perTurn)
        .map((journey) => store.appendToStream(streamIdOf(journey.journeyId), journey.events, 'no-stream')),
    );
  }
}
