/**
 * Recent journeys' machine snapshots, in memory, bounded, keyed by the revision they stand at.
 *
 * A cache, never the truth: every command still reads the stream from the store, but only from
 * the cached revision on, and folds what it finds onto the cached snapshot. A miss (evicted,
 * another instance wrote, the process restarted) just replays more. So a command on a journey of
 * 10,000 events costs about what it costs on one of 10.
 */
import type { JourneySnapshot, WorkflowDefinition } from '../../workflows';
import type { StoredEvent } from '../event-store/event-store';

export interface CachedJourney {
  definition: WorkflowDefinition;
  snapshot: JourneySnapshot;
  /** The revision the snapshot stands at. */
  revision: number;
  /** The last event, whose hash the next event chains to. */
  last: StoredEvent;
  /** Ids of events recorded with an Idempotency-Key (the only ids a retry can repeat). */
  keyedEventIds: ReadonlySet<string>;
}

export class JourneyCache {
  private readonly entries = new Map<string, CachedJourney>();

  constructor(private readonly capacity: number) {}

  get(journeyId: string): CachedJourney | undefined {
    const entry = this.entries.get(journeyId);
    if (entry) {
      // Map keeps insertion order: re-inserting marks the entry most recently used.
      this.entries.delete(journeyId);
      this.entries.set(journeyId, entry);
    }
    return entry;
  }

  set(journeyId: string, entry: CachedJourney): void {
    if (this.capacity <= 0) return;
    this.entries.delete(journeyId);
    this.entries.set(journeyId, entry);
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  delete(journeyId: string): void {
    this.entries.delete(journeyId);
  }

  get size(): number {
    return this.entries.size;
  }
}
