/**
 * Every journey as it stood on a date: read through the EventStore port (one pass over the global
 * order, so any adapter will do), each stream cut to the facts recorded by then, replayed on its
 * pinned workflow version so that a return only ever counts facts the workflow accepted, and
 * folded into a timeline.
 */
import { WorkflowRegistry, replayChecked, type JourneyEvent } from '../../workflows';
import type { EventStore, StoredEvent } from '../event-store/event-store';
import { STREAM_PREFIX, journeyIdOf, metadataOf, toMachineEvent } from '../journeys/journey-records';
import { timelineOf, type JourneyTimeline } from './journey-timeline';

export interface ReadProgress {
  /** Called after each page of events read. */
  read(events: number): void;
  /** Called once every stream is read, before the first journey is folded. */
  folding(journeys: number): void;
  /** Called after each journey folded, with its event count. */
  folded(events: number): void;
}

export interface ExcludedJourney {
  journeyId: string;
  reason: string;
}

export interface ReportJourneys {
  timelines: JourneyTimeline[];
  /** Journeys the record cannot report: a fact the workflow refuses, an unknown version. */
  excluded: ExcludedJourney[];
  /** Facts left out because they were recorded after the as-recorded-by cut. */
  factsRecordedLater: number;
}

const PAGE = 1000;

/** All journey streams, grouped, in the order they were opened. */
export async function readJourneyStreams(store: EventStore, progress?: ReadProgress): Promise<Map<string, StoredEvent[]>> {
  const streams = new Map<string, StoredEvent[]>();
  let after: bigint | undefined;
  for (;;) {
    const page = await store.readAll({ after, maxCount: PAGE, streamPrefix: STREAM_PREFIX });
    if (page.length === 0) return streams;
    page.forEach((event) => {
      const stream = streams.get(event.streamId);
      if (stream) stream.push(event);
      else streams.set(event.streamId, [event]);
    });
    after = page[page.length - 1].position;
    progress?.read(page.length);
  }
}

/**
 * The facts recorded by the cut, as the machine sees them. A stream is cut at its first later
 * fact: what follows it was written after it, so the record "as it stood" is always a prefix.
 */
export function recordedBy(events: readonly StoredEvent[], cutoff: string | null): { facts: JourneyEvent[]; later: number } {
  const sorted = [...events].sort((a, b) => a.revision - b.revision);
  const end = cutoff === null ? sorted.length : sorted.findIndex((event) => metadataOf(event).recordedAt > cutoff);
  const kept = end === -1 ? sorted : sorted.slice(0, end);
  return { facts: kept.map(toMachineEvent), later: sorted.length - kept.length };
}

function replayProblem(registry: WorkflowRegistry, first: StoredEvent, facts: readonly JourneyEvent[]): string | null {
  const workflow = metadataOf(first).workflow;
  let definition;
  try {
    definition = registry.get(workflow.id, workflow.version);
  } catch {
    return `workflow ${workflow.id} v${workflow.version} is not known to this engine`;
  }
  const result = replayChecked(definition, facts);
  if (result.refusedAt === null) return null;
  const refusal = result.refusal && !result.refusal.ok ? `: ${result.refusal.reason}` : '';
  return `revision ${result.refusedAt} (${facts[result.refusedAt].type}) is refused by the workflow${refusal}`;
}

/** Every journey's timeline as recorded by `cutoff` (an ISO time; null for everything). */
export async function journeysAsRecorded(
  store: EventStore,
  registry: WorkflowRegistry,
  cutoff: string | null,
  progress?: ReadProgress,
): Promise<ReportJourneys> {
  const streams = await readJourneyStreams(store, progress);
  const result: ReportJourneys = { timelines: [], excluded: [], factsRecordedLater: 0 };
  progress?.folding(streams.size);
  for (const [streamId, events] of streams) {
    const journeyId = journeyIdOf(streamId);
    const { facts, later } = recordedBy(events, cutoff);
    result.factsRecordedLater += later;
    progress?.folded(events.length);
    if (facts.length === 0) continue;
    const problem = replayProblem(registry, events[0], facts);
    if (problem === null) result.timelines.push(timelineOf(journeyId, facts));
    else result.excluded.push({ journeyId, reason: problem });
  }
  return result;
}
