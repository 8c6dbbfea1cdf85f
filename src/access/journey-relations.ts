import type { JourneySnapshot } from '../../workflows';
import type { Actor } from '../auth/actor';
import type { StoredEvent } from '../event-store/event-store';
import { metadataOf } from '../journeys/journey-records';
import { assertJourneyAccess, type JourneyRelations } from './access-policy';

/** The parts of a loaded journey (JourneysService.load) the relations are read from. */
export interface JourneyRecord {
  id: string;
  events: readonly StoredEvent[];
  snapshot: JourneySnapshot;
}

/**
 * The one call every per-journey route makes after loading the journey as it is now:
 * `assertMayAccess(actor, await journeys.load(id))`. Throws 404 (no relationship) or 403 (an
 * advocate's appointment ended); returns when the actor may go on.
 */
export function assertMayAccess(actor: Actor, journey: JourneyRecord): void {
  assertJourneyAccess(actor, relationsOf(journey));
}

/**
 * What the relations need from the stream that the workflow's fold does not keep: the referral's
 * organisation (metadata the workflow never sees) and every advocate ever appointed. Folded event
 * by event, so a command can carry it forward from its cached snapshot instead of re-reading the
 * whole stream.
 */
export interface StreamRelations {
  organisation: string | null;
  everAppointed: readonly string[];
}

export function foldStreamRelations(previous: StreamRelations | undefined, events: readonly StoredEvent[]): StreamRelations {
  let { organisation, everAppointed } = previous ?? { organisation: null, everAppointed: [] as readonly string[] };
  for (const event of events) {
    if (event.revision === 0) organisation = metadataOf(event).actor.organisation ?? null;
    const advocateId = event.type === 'AdvocateAppointed' ? event.data.advocateId : undefined;
    if (typeof advocateId === 'string' && !everAppointed.includes(advocateId)) everAppointed = [...everAppointed, advocateId];
  }
  return { organisation, everAppointed };
}

/**
 * Who a journey belongs to and who is appointed to it, as its events say now. The person and the
 * current advocates come from the workflow's own fold (snapshot.context), so "appointed and not
 * withdrawn" means exactly what it means to the workflow's guards. Advocates once appointed and
 * not now are told 403 "access ended", not 404.
 */
export function relationsFrom(id: string, stream: StreamRelations, snapshot: JourneySnapshot): JourneyRelations {
  const advocates = Object.keys(snapshot.context.advocates);
  return {
    id,
    organisation: stream.organisation,
    personId: snapshot.context.personId,
    advocates,
    formerAdvocates: stream.everAppointed.filter((advocateId) => !advocates.includes(advocateId)),
  };
}

/** The relations of a journey loaded whole. */
export function relationsOf(journey: JourneyRecord): JourneyRelations {
  return relationsFrom(journey.id, foldStreamRelations(undefined, journey.events), journey.snapshot);
}
