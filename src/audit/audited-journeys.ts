/**
 * A journey as the audit and advocacy routes read it: straight from the store and replayed fact
 * by fact (verifyAndReplay), never through JourneysService.load, whose replay throws on exactly
 * the journeys an auditor must be shown: a row that no longer parses, a fact the rules now refuse.
 * Such a journey is verified (200, with where it breaks), exported and shown with a warning, and
 * refused by name (422) only where no whole view of it can be built.
 */
import { HttpException, Injectable } from '@nestjs/common';
import { WorkflowRegistry } from '../../workflows';
import { foldStreamRelations, relationsFrom, type JourneyRelations } from '../access';
import { nextTurn } from '../common/next-turn';
import { DomainError, JourneyNotFoundError, JourneyUnreadableError } from '../errors/domain-errors';
import { EventStore, type StoredEvent } from '../event-store/event-store';
import { streamIdOf } from '../journeys/journey-records';
import type { ViewedJourney } from './advocacy/advocacy-views';
import { exportOf, type JourneyExport } from './export/journey-export';
import { readableEvents, readJourney, type JourneyRead } from './verify/journey-read';
import { integrityWarning, isSound, verifyAndReplay, verifyRead, type VerifiedReplay } from './verify/verify-journey';

export interface AuditedJourney {
  id: string;
  read: JourneyRead;
  /** The verdict on the whole stream, and the workflow's replay as far as it accepted the facts. */
  replayed: VerifiedReplay;
  /** Who it belongs to, judged on as much of it as reads and replays (for assertJourneyAccess). */
  relations: JourneyRelations;
}

@Injectable()
export class AuditedJourneys {
  constructor(
    private readonly store: EventStore,
    private readonly registry: WorkflowRegistry,
  ) {}

  /** 404 when there is no such journey; never throws for what is stored in it. */
  async read(id: string): Promise<AuditedJourney> {
    const read = await readJourney(this.store, streamIdOf(id));
    if (read.kind === 'events' && read.events.length === 0) throw new JourneyNotFoundError(id);
    // Reading and verifying a long journey are each a block of CPU: let other requests in between.
    await nextTurn();
    return auditJourney(id, read, this.registry);
  }
}

/** A journey as read, verified and replayed (pure apart from the registry): what every audit view starts from. */
export function auditJourney(id: string, read: JourneyRead, registry: WorkflowRegistry): AuditedJourney {
  const replayed = verifyRead(streamIdOf(id), read, registry);
  return { id, read, replayed, relations: relationsOf(id, read, replayed, registry) };
}

/**
 * Of an unreadable journey, the events before the broken row are replayed for this alone. With
 * no snapshot at all, the person and advocates are unknown: only what the events prove is granted.
 */
function relationsOf(id: string, read: JourneyRead, replayed: VerifiedReplay, registry: WorkflowRegistry): JourneyRelations {
  const events = readableEvents(read);
  const snapshot = read.kind === 'events' ? replayed.snapshot : events.length > 0 ? verifyAndReplay(events, registry).snapshot : null;
  const stream = foldStreamRelations(undefined, events);
  if (snapshot) return relationsFrom(id, stream, snapshot);
  return { id, organisation: stream.organisation, personId: null, advocates: [], formerAdvocates: [] };
}

/** The export, warning included when the journey does not verify; refused only when a row cannot be read. */
export function journeyExport(journey: AuditedJourney, exportedAt: Date): JourneyExport {
  const events = wholeRecord(journey);
  return built(journey, () => exportOf(events, journey.replayed, exportedAt));
}

/** A view over the whole record, on the workflow version it replays on. */
export function journeyView<T>(journey: AuditedJourney, view: (viewed: ViewedJourney) => T): T {
  const events = wholeRecord(journey);
  const { definition, verification } = journey.replayed;
  if (definition === null) {
    const reason = verification.replay.consistent ? 'no workflow' : verification.replay.reason;
    throw cannotShow(journey.id, `no registered workflow version reads it (${reason})`);
  }
  const viewed = {
    id: journey.id,
    definition,
    events,
    revision: events[events.length - 1].revision,
    warning: integrityWarning(verification),
  };
  return built(journey, () => view(viewed));
}

/** The events, when every row reads: a view of part of a record would pass for the whole of it. */
function wholeRecord(journey: AuditedJourney): StoredEvent[] {
  if (journey.read.kind === 'unreadable')
    throw cannotShow(journey.id, `the stored event at revision ${journey.read.revision} is not readable JSON`);
  return journey.read.events;
}

/**
 * A journey that does not verify can hold data no rule would accept, and a view may trip on it:
 * that is refused by name. A sound journey whose view throws is a bug, and stays a 500.
 */
function built<T>(journey: AuditedJourney, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (isSound(journey.replayed.verification) || error instanceof HttpException || error instanceof DomainError) throw error;
    throw cannotShow(journey.id, 'a stored fact holds data the workflow cannot read');
  }
}

function cannotShow(journeyId: string, why: string): JourneyUnreadableError {
  return new JourneyUnreadableError(journeyId, why);
}
