/**
 * Is a journey's record whole, and does the workflow it started on still accept it? Two
 * independent checks over the stored events:
 *
 * - the chain: every event's hash recomputed and linked to its predecessor (`verifyChain`), so
 *   a changed byte, a removed or reordered event is found at the first revision it breaks;
 * - the replay: every fact re-run through the workflow version recorded in the first event
 *   (versions are pinned), so a record the rules would have refused is found at the first such
 *   fact, even when its hashes were recomputed by whoever changed it.
 *
 * Pure apart from the registry lookup: the same events always give the same verdict.
 */
import {
  decide,
  factsOf,
  hasMigration,
  initialSnapshot,
  replayJourney,
  replayChecked,
  UnknownWorkflowError,
  type JourneyEvent,
  type JourneySnapshot,
  type WorkflowDefinition,
  type WorkflowRegistry,
} from '../../../workflows';
import type { StoredEvent } from '../../event-store/event-store';
import { integrityOf, verifyChain, type ChainBreak, type StoredText } from '../../integrity/hash-chain';
import { journeyIdOf, toMachineEvent } from '../../journeys/journey-records';
import type { JourneyRead } from './journey-read';

/** `unreadable`: the store could not give the event back as JSON (found by readJourney, not here). */
export type ChainProblem = ChainBreak['problem'] | 'unreadable';

export type ChainVerdict = { intact: true } | { intact: false; revision: number; problem: ChainProblem };

export type ReplayVerdict = { consistent: true } | { consistent: false; revision: number; type: string; reason: string };

export interface JourneyVerification {
  journeyId: string;
  streamId: string;
  /** Events checked. */
  events: number;
  /** The workflow version the journey started on, as its first event records it. */
  workflow: { id: string; version: number } | null;
  chain: ChainVerdict;
  replay: ReplayVerdict;
  /** The last event's revision and the hash it carries: what a checkpoint keeps. */
  head: { revision: number; hash: string | null };
}

export function isSound(verification: JourneyVerification): boolean {
  return verification.chain.intact && verification.replay.consistent;
}

export function verifyJourney(events: readonly StoredEvent[], registry: WorkflowRegistry): JourneyVerification {
  return verifyAndReplay(events, registry).verification;
}

/** The verdict, and the journey as the replay left it (up to the first refused fact), for summaries. */
export interface VerifiedReplay {
  verification: JourneyVerification;
  /** Null when no registered workflow version could replay it. */
  definition: WorkflowDefinition | null;
  snapshot: JourneySnapshot | null;
  /** The facts the replay applied, in machine form (all of them when consistent). */
  applied: JourneyEvent[];
}

/** Events read with their stored text (the SQLite audit reader) have their chain hashed over it, much faster. */
export function verifyAndReplay(events: readonly (StoredEvent & { stored?: StoredText })[], registry: WorkflowRegistry): VerifiedReplay {
  if (events.length === 0) throw new Error('a journey to verify has at least its referral');
  const streamId = events[0].streamId;
  const last = events[events.length - 1];
  const workflow = recordedWorkflow(events[0]);
  const replayed = replayRecorded(events, workflow, registry);
  return {
    verification: {
      journeyId: journeyIdOf(streamId),
      streamId,
      events: events.length,
      workflow,
      chain: chainVerdict(verifyChain(events)),
      replay: replayed.verdict,
      head: { revision: last.revision, hash: integrityOf(last.metadata)?.hash ?? null },
    },
    definition: replayed.definition,
    snapshot: replayed.snapshot,
    applied: replayed.applied,
  };
}

/** The verdict on a journey as read: a row that no longer parses is a break like any other. */
export function verifyRead(streamId: string, read: JourneyRead, registry: WorkflowRegistry): VerifiedReplay {
  if (read.kind === 'events') return verifyAndReplay(read.events, registry);
  return { verification: unreadableJourney(streamId, read.revision), definition: null, snapshot: null, applied: [] };
}

/** What a copy or a view of a journey that does not verify must say first; null when it does. */
export function integrityWarning(verification: JourneyVerification): string | null {
  if (isSound(verification)) return null;
  const { chain, replay } = verification;
  const breaks = [
    chain.intact ? null : `its hash chain breaks at revision ${chain.revision} (${chain.problem})`,
    replay.consistent ? null : `its workflow refuses revision ${replay.revision} ${replay.type} (${replay.reason})`,
  ].filter((text) => text !== null);
  return `journey ${verification.journeyId} does not verify: ${breaks.join('; ')}. It shows what the record holds now, which may not be what was recorded.`;
}

/** A verdict for a stream the store could not read back whole (unparsable JSON in a row). */
export function unreadableJourney(streamId: string, revision: number): JourneyVerification {
  return {
    journeyId: journeyIdOf(streamId),
    streamId,
    events: 0,
    workflow: null,
    chain: { intact: false, revision, problem: 'unreadable' },
    replay: { consistent: false, revision, type: 'unknown', reason: 'unreadable' },
    head: { revision: -1, hash: null },
  };
}

function chainVerdict(chainBreak: ChainBreak | null): ChainVerdict {
  return chainBreak === null ? { intact: true } : { intact: false, ...chainBreak };
}

function recordedWorkflow(first: StoredEvent): { id: string; version: number } | null {
  const workflow = first.metadata.workflow as { id?: unknown; version?: unknown } | undefined;
  if (typeof workflow?.id !== 'string' || typeof workflow.version !== 'number') return null;
  return { id: workflow.id, version: workflow.version };
}

interface Replayed {
  verdict: ReplayVerdict;
  definition: WorkflowDefinition | null;
  snapshot: JourneySnapshot | null;
  applied: JourneyEvent[];
}

function replayRecorded(
  events: readonly StoredEvent[],
  workflow: { id: string; version: number } | null,
  registry: WorkflowRegistry,
): Replayed {
  const first = events[0];
  const refuse = (reason: string): Replayed => ({
    verdict: { consistent: false, revision: first.revision, type: first.type, reason },
    definition: null,
    snapshot: null,
    applied: [],
  });
  if (workflow === null) return refuse('no-workflow-recorded');
  try {
    if (hasMigration(events)) return replayAcrossMigrations(events, workflow, registry);
    return replayEventByEvent(registry.get(workflow.id, workflow.version), events);
  } catch (error) {
    if (!(error instanceof UnknownWorkflowError)) throw error;
    return refuse(`unknown-workflow ${workflow.id} v${workflow.version}`);
  }
}

/**
 * A journey moved to another version by a recorded migration: each segment on the rules that were
 * in force for it (workflows/migration.ts), the first refusal named like any other.
 */
function replayAcrossMigrations(
  events: readonly StoredEvent[],
  workflow: { id: string; version: number },
  registry: WorkflowRegistry,
): Replayed {
  const machineEvents = events.map(toMachineEvent);
  try {
    const result = replayJourney(registry, workflow, machineEvents);
    const applied = factsOf(machineEvents);
    if (!result.refusal) return { verdict: { consistent: true }, definition: result.definition, snapshot: result.snapshot, applied };
    const { revision, type, rule } = result.refusal;
    return {
      verdict: { consistent: false, revision, type, reason: rule },
      definition: result.definition,
      snapshot: result.snapshot,
      applied: applied.filter((event) => event.meta.revision < revision),
    };
  } catch (error) {
    return {
      verdict: {
        consistent: false,
        revision: events[0].revision,
        type: events[0].type,
        reason: `workflow-error: ${(error as Error).message}`,
      },
      definition: null,
      snapshot: null,
      applied: [],
    };
  }
}

/**
 * Fact by fact, so that a fact whose data is so broken that a guard throws on it (an edited row
 * can hold anything) is named by its revision like any refused fact, rather than failing the run.
 */
function replayEventByEvent(definition: WorkflowDefinition, events: readonly StoredEvent[]): Replayed {
  let snapshot: JourneySnapshot = initialSnapshot(definition);
  const applied: JourneyEvent[] = [];
  const stop = (stored: StoredEvent, reason: string): Replayed => ({
    verdict: { consistent: false, revision: stored.revision, type: stored.type, reason },
    definition,
    snapshot,
    applied,
  });
  for (const stored of events) {
    const event = toMachineEvent(stored);
    try {
      const result = replayChecked(definition, [event], snapshot);
      if (result.refusedAt !== null) {
        const decision = result.refusal ?? decide(definition, snapshot, event);
        return stop(stored, decision.ok ? 'refused' : decision.reason);
      }
      snapshot = result.snapshot;
      applied.push(event);
    } catch (error) {
      return stop(stored, `workflow-error: ${(error as Error).message}`);
    }
  }
  return { verdict: { consistent: true }, definition, snapshot, applied };
}
