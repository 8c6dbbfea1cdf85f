/**
 * Commands and queries on journeys. A command is: read the stream, replay it through the
 * workflow version it started on, ask the machine (`decide`), append at the revision read. The
 * store's expected-revision check makes a lost update impossible; a loser of a race is re-decided
 * against the new state (or refused), never appended out of order.
 */
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import {
  allowedEvents,
  apply,
  decide,
  initialSnapshot,
  replay,
  summarise,
  SUPPORT_PLANNING,
  WorkflowRegistry,
  type EventType,
  type JourneyEvent,
  type JourneySnapshot,
  type JourneySummary,
  type Role,
  type WorkflowDefinition,
} from '../../workflows';
import { assertJourneyAccess, foldStreamRelations, relationsFrom } from '../access';
import { isInternalRole, type Actor } from '../auth/actor';
import { Clock } from '../common/clock';
import { KeyedLock } from '../common/keyed-lock';
import {
  ForbiddenActionError,
  InvalidInputError,
  JourneyNotFoundError,
  StaleRevisionError,
  TransitionRefusedError,
} from '../errors';
import { EventStore, StreamConflictError, type NewEvent, type StoredEvent } from '../event-store/event-store';
import { canonicalJson, integrityOf } from '../integrity/hash-chain';
import {
  eventIdFor,
  journeyIdFor,
  metadataOf,
  sealEvent,
  streamIdOf,
  toMachineEvent,
  type RecordedActor,
} from './journey-records';
import { JourneyCache, type CachedJourney } from './journey-cache';
import { validateEventData } from './validate-event-data';

/** What a caller asks to record: the fact, and optionally when it happened and why. */
export interface EventInput {
  type: EventType;
  data: unknown;
  occurredAt?: string;
  reason?: string;
}

export interface CommandOptions {
  idempotencyKey?: string;
  /** Record only if the journey is still at this revision (If-Match). */
  ifMatch?: number;
  correlationId?: string;
}

export interface RecordResult {
  id: string;
  eventId: string;
  revision: number;
  state: string;
  status: JourneySummary['status'];
  allowed: EventType[];
  /** True when an Idempotency-Key matched an event already recorded: nothing new was written. */
  repeated: boolean;
  /** The event's global position: pass it as `?after=` to read models to see your own write. */
  position: string;
}

export interface LoadedJourney {
  id: string;
  definition: WorkflowDefinition;
  events: StoredEvent[];
  snapshot: JourneySnapshot;
  revision: number;
}

/** A fact may be dated a little ahead of the engine's clock (clock skew), never further. */
const MAX_FUTURE_SKEW_MS = 5 * 60_000;
/**
 * Rounds of re-reading and re-deciding after losing a race to another process. Only writers in
 * other processes can make us lose (this process queues per journey), so a few rounds with a
 * small random pause are enough for each of them to get through; past that the caller gets 412.
 */
const MAX_ATTEMPTS = 30;
const RETRY_PAUSE_MS = 5;
/** Journeys whose snapshot is kept in memory (a few kilobytes each). */
const JOURNEY_CACHE_SIZE = 10_000;

@Injectable()
export class JourneysService {
  private readonly lock = new KeyedLock();
  private readonly cache = new JourneyCache(JOURNEY_CACHE_SIZE);

  constructor(
    private readonly store: EventStore,
    private readonly registry: WorkflowRegistry,
    private readonly clock: Clock,
  ) {}

  /** Open a journey with its ReferralReceived fact, on the latest version of the workflow. */
  async open(actor: RecordedActor, input: Omit<EventInput, 'type'>, options: CommandOptions = {}): Promise<RecordResult> {
    const id = journeyIdFor(actor.id, options.idempotencyKey, randomUUID);
    const definition = this.registry.latest(SUPPORT_PLANNING);
    return this.lock.run(id, () => this.recordWithRetry(id, actor, { ...input, type: 'ReferralReceived' }, options, definition));
  }

  /**
   * Record one fact on an existing journey, if the actor may see it (the access policy, judged on
   * the journey as the command reads it) and the workflow allows the fact now.
   */
  async record(journeyId: string, actor: Actor, input: EventInput, options: CommandOptions = {}): Promise<RecordResult> {
    return this.lock.run(journeyId, () => this.recordWithRetry(journeyId, actor, input, options));
  }

  private async recordWithRetry(
    journeyId: string,
    actor: RecordedActor,
    input: EventInput,
    options: CommandOptions,
    newJourneyDefinition?: WorkflowDefinition,
  ): Promise<RecordResult> {
    const data = validateEventData(input.type, input.data) as unknown as Record<string, unknown>;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.recordOnce(journeyId, actor, { ...input, data }, options, newJourneyDefinition);
      } catch (error) {
        const retry = error instanceof StreamConflictError && options.ifMatch === undefined && attempt < MAX_ATTEMPTS;
        if (!retry) throw this.asStale(error, options);
        await pause(Math.random() * RETRY_PAUSE_MS * Math.min(attempt, 4));
      }
    }
  }

  private async recordOnce(
    journeyId: string,
    actor: RecordedActor,
    input: EventInput & { data: Record<string, unknown> },
    options: CommandOptions,
    newJourneyDefinition?: WorkflowDefinition,
  ): Promise<RecordResult> {
    const streamId = streamIdOf(journeyId);
    const eventId = eventIdFor(streamId, options.idempotencyKey, randomUUID);
    const current = await this.current(journeyId);

    const creating = newJourneyDefinition !== undefined;
    if (!creating && !current) throw new JourneyNotFoundError(journeyId);
    // The engine's own scheduler (`system`, never a token) acts on every journey; anyone else only
    // on a journey they may see, judged on the journey as this command read it.
    if (current && !creating && !isInternalRole(actor.role)) {
      assertJourneyAccess(actor, relationsFrom(journeyId, current.relations, current.snapshot));
    }
    if (current?.keyedEventIds.has(eventId)) return this.answerRepeat(journeyId, eventId, input);
    const revision = current?.revision ?? -1;
    if (creating && current) throw new StaleRevisionError(-1, revision);
    if (options.ifMatch !== undefined && options.ifMatch !== revision) throw new StaleRevisionError(options.ifMatch, revision);

    // One of them is there: with no journey yet, the command is creating it (checked above).
    const definition = current?.definition ?? newJourneyDefinition!;
    const snapshot = current?.snapshot ?? initialSnapshot(definition);
    const recordedAt = this.clock.now();
    const occurredAt = this.occurredAt(input.occurredAt, recordedAt);
    const machineEvent = {
      type: input.type,
      data: input.data,
      meta: { actor: withoutOrganisation(actor), occurredAt, revision: revision + 1, ...(input.reason ? { reason: input.reason } : {}) },
    } as unknown as JourneyEvent;
    this.assertAllowed(definition, snapshot, machineEvent);

    const correlationId = options.correlationId ?? randomUUID();
    const sealed = sealEvent(
      {
        streamId,
        revision: revision + 1,
        id: eventId,
        type: input.type,
        data: input.data,
        metadata: {
          actor,
          occurredAt,
          recordedAt: recordedAt.toISOString(),
          ...(input.reason ? { reason: input.reason } : {}),
          correlationId,
          causationId: correlationId,
          ...(options.idempotencyKey ? { idempotencyKey: options.idempotencyKey } : {}),
          workflow: { id: definition.id, version: definition.version },
        },
      },
      current?.last,
    );
    const appended = await this.store.appendToStream(streamId, [sealed], creating ? 'no-stream' : revision);
    if (options.idempotencyKey && !(await this.storedAsSealed(streamId, appended.nextRevision, sealed))) {
      // Another instance recorded this key's event first, and the store answered our append as a
      // repeat of it: what is stored is theirs, so answer as a retry and forget our copy.
      this.cache.delete(journeyId);
      return this.answerRepeat(journeyId, eventId, input);
    }
    const after = apply(definition, snapshot, machineEvent);
    const stored: StoredEvent = { ...sealed, streamId, revision: revision + 1, position: appended.position };
    this.cache.set(journeyId, {
      definition,
      snapshot: after,
      revision: revision + 1,
      last: stored,
      relations: foldStreamRelations(current?.relations, [stored]),
      keyedEventIds: options.idempotencyKey ? new Set([...(current?.keyedEventIds ?? []), eventId]) : (current?.keyedEventIds ?? new Set()),
    });
    return this.result(journeyId, definition, after, { eventId, revision: revision + 1, position: appended.position }, actor.role, false);
  }

  /**
   * The journey as it stands in the store: the cached snapshot, with whatever the store holds
   * beyond it folded on. Null when the journey does not exist.
   */
  private async current(journeyId: string): Promise<CachedJourney | null> {
    const cached = this.cache.get(journeyId);
    const tail = await this.store.readStream(streamIdOf(journeyId), { fromRevision: cached ? cached.revision + 1 : 0 });
    if (tail.length === 0) return cached ?? null;
    if (cached && tail[0].revision !== cached.revision + 1) {
      this.cache.delete(journeyId);
      return this.current(journeyId);
    }
    const definition = cached?.definition ?? this.definitionOf(tail);
    const keyedEventIds = new Set(cached?.keyedEventIds);
    tail.filter((event) => metadataOf(event).idempotencyKey !== undefined).forEach((event) => keyedEventIds.add(event.id));
    const last = tail[tail.length - 1];
    const entry: CachedJourney = {
      definition,
      snapshot: replay(definition, tail.map(toMachineEvent), cached?.snapshot),
      revision: last.revision,
      last,
      keyedEventIds,
      relations: foldStreamRelations(cached?.relations, tail),
    };
    this.cache.set(journeyId, entry);
    return entry;
  }

  /**
   * Whether the event at `revision` is the one this command sealed. Only a keyed command can
   * collide with another writer's event id (ids are otherwise random), so only it asks.
   */
  private async storedAsSealed(streamId: string, revision: number, sealed: NewEvent): Promise<boolean> {
    const [stored] = await this.store.readStream(streamId, { fromRevision: revision, toRevision: revision });
    return stored !== undefined && integrityOf(stored.metadata)?.hash === integrityOf(sealed.metadata)?.hash;
  }

  /** A retried request: answer as the first time did, if it really is the same request. */
  private async answerRepeat(journeyId: string, eventId: string, input: EventInput): Promise<RecordResult> {
    const events = await this.store.readStream(streamIdOf(journeyId));
    const earlier = events.find((event) => event.id === eventId) as StoredEvent;
    if (earlier.type !== input.type || canonicalJson(earlier.data) !== canonicalJson(input.data)) {
      throw new InvalidInputError([
        { field: 'Idempotency-Key', rule: 'sameRequest', message: 'Idempotency-Key was already used for a different request' },
      ]);
    }
    const definition = this.definitionOf(events);
    const snapshot = replay(definition, events.slice(0, earlier.revision + 1).map(toMachineEvent));
    const written = { eventId: earlier.id, revision: earlier.revision, position: earlier.position };
    return this.result(journeyId, definition, snapshot, written, metadataOf(earlier).actor.role, true);
  }

  private assertAllowed(definition: WorkflowDefinition, snapshot: JourneySnapshot, event: JourneyEvent): void {
    const decision = decide(definition, snapshot, event);
    if (decision.ok) return;
    if (decision.kind === 'forbidden') throw new ForbiddenActionError(event.meta.actor.role, `record ${event.type}`);
    throw new TransitionRefusedError({
      event: event.type,
      state: decision.state,
      reason: `${decision.reason}: ${decision.explanation}`,
      allowed: decision.allowed,
    });
  }

  private occurredAt(given: string | undefined, recordedAt: Date): string {
    if (given === undefined) return recordedAt.toISOString();
    const occurred = new Date(given);
    if (occurred.getTime() - recordedAt.getTime() > MAX_FUTURE_SKEW_MS) {
      throw new InvalidInputError([{ field: 'occurredAt', rule: 'notInFuture', message: 'occurredAt must not be in the future' }]);
    }
    return occurred.toISOString();
  }

  private asStale(error: unknown, options: CommandOptions): unknown {
    if (!(error instanceof StreamConflictError)) return error;
    const actual = typeof error.actual === 'number' ? error.actual : -1;
    return new StaleRevisionError(options.ifMatch ?? (typeof error.expected === 'number' ? error.expected : -1), actual);
  }

  private result(
    id: string,
    definition: WorkflowDefinition,
    snapshot: JourneySnapshot,
    written: { eventId: string; revision: number; position: bigint },
    role: Role,
    repeated: boolean,
  ): RecordResult {
    const summary = summarise(definition, snapshot);
    return {
      id,
      eventId: written.eventId,
      revision: written.revision,
      position: written.position.toString(),
      state: summary.state,
      status: summary.status,
      allowed: allowedEvents(definition, snapshot, role),
      repeated,
    };
  }

  /** The workflow version a journey started on: recorded in its first event, used for ever. */
  definitionOf(events: readonly StoredEvent[]): WorkflowDefinition {
    const { workflow } = metadataOf(events[0]);
    return this.registry.get(workflow.id, workflow.version);
  }

  /** The journey as its whole stream makes it. */
  async load(journeyId: string): Promise<LoadedJourney> {
    const events = await this.store.readStream(streamIdOf(journeyId));
    if (events.length === 0) throw new JourneyNotFoundError(journeyId);
    return this.fold(journeyId, events);
  }

  /** The journey as it stood at a revision, or as the engine knew it at a time (by recordedAt), from the journey loaded now. */
  asOf(journey: LoadedJourney, asOf: { revision?: number; at?: Date }): LoadedJourney {
    const events = journey.events.filter(
      (event) =>
        (asOf.revision === undefined || event.revision <= asOf.revision) &&
        (asOf.at === undefined || Date.parse(metadataOf(event).recordedAt) <= asOf.at.getTime()),
    );
    if (events.length === 0) {
      throw new InvalidInputError([
        { field: asOf.at ? 'at' : 'revision', rule: 'afterJourneyStart', message: 'the journey did not exist yet at that point' },
      ]);
    }
    return this.fold(journey.id, events);
  }

  private fold(id: string, events: StoredEvent[]): LoadedJourney {
    const definition = this.definitionOf(events);
    const snapshot = replay(definition, events.map(toMachineEvent));
    return { id, definition, events, snapshot, revision: events.length - 1 };
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function withoutOrganisation(actor: RecordedActor): Omit<RecordedActor, 'organisation'> {
  const { organisation: _organisation, ...rest } = actor;
  return rest;
}
