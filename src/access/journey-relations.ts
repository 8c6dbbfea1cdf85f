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
 * Who a journey belongs to and who is appointed to it, as its events say now. The person and the
 * current advocates come from the workflow's own fold (snapshot.context), so "appointed and not
 * withdrawn" means exactly what it means to the workflow's guards; the organisation is on the
 * referral's metadata, which the workflow does not see.
 */
export function relationsOf(journey: JourneyRecord): JourneyRelations {
  const referral = journey.events[0];
  const advocates = Object.keys(journey.snapshot.context.advocates);
  return {
    id: journey.id,
    organisation: referral === undefined ? null : (metadataOf(referral).actor.organisation ?? null),
    personId: journey.snapshot.context.personId,
    advocates,
    formerAdvocates: formerAdvocatesOf(journey.events, advocates),
  };
}

/** Advocates appointed at some point and not appointed now: told 403 "access ended", not 404. */
function formerAdvocatesOf(events: readonly StoredEvent[], current: readonly string[]): string[] {
  const everAppointed = events
    .filter((event) => event.type === 'AdvocateAppointed')
    .map((event) => event.data.advocateId)
    .filter((id): id is string => typeof id === 'string');
  return [...new Set(everAppointed)].filter((id) => !current.includes(id));
}
