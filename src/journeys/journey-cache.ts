/**
 * Recent journeys' machine snapshots, in memory, bounded, keyed by the revision they stand at.
 *
 * A cache, never the truth: every command still reads the stream from the store, but only from
 * the cached revision on, and folds what it finds onto the cached snapshot. A miss (evicted,
 * another instance wrote, the process restarted) just replays more. So a command on a journey of
 * 10,000 events costs about what it costs on one of 10.
 */
import type { ClockFold, JourneySnapshot, WorkflowDefinition } from '../../workflows';
import type { StreamRelations } from '../access';
import { LruCache } from '../common/lru-cache';
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
  /** What the access policy reads from the stream beyond the snapshot, folded up to `revision`. */
  relations: StreamRelations;
  /** Every clock the journey has started, folded up to `revision`, so a read needs no replay. */
  clocks: ClockFold;
}

/** The journeys' snapshots: an LRU cache, keyed by journey id. */
export class JourneyCache extends LruCache<CachedJourney> {}
