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
  dryRunMigration,
  evolveClocks,
  hasMigration,
  initialClockFold,
  hasVisibleText,
  mayRecord,
  MigrationTargetError,
  MIGRATION_ROLES,
  parseFact,
  replay,
  replayJourney,
  statesAfterEach,
  summarise,
  SUPPORT_PLANNING,
  WorkflowRegistry,
  type EventType,
  type JourneyEvent,
  type JourneySnapshot,
  type ClockFold,
  type DryRun,
  type JourneySummary,
  type Role,
  type WorkflowDefinition,
} from '../../workflows';
import { assertJourneyAccess, foldStreamRelations, relationsFrom } from '../access';
import { isInternalRole, type Actor } from '../auth/actor';
import { withRetries, type RetryPolicy } from '../common/backoff';
import { Clock } from '../common/clock';
import { KeyedLock } from '../common/keyed-lock';
import {
  ForbiddenActionError,
  IdempotencyKeyReusedError,
  InvalidInputError,
  JourneyNotFoundError,
  MigrationRefusedError,
  StaleRevisionError,
  TransitionRefusedError,
} from '../errors';
import { EventStore, StreamConflictError, type NewEvent, type StoredEvent } from '../event-store/event-store';
import { canonicalJson, integrityOf } from '../integrity/hash-chain';
import {
  eventIdFor,
  journeyIdFor,
  metadataOf,
  requestFingerprint,
  sealFact,
  streamIdOf,
  toMachineEvent,
  type IdempotencyScope,
  type KeyedRequest,
} from './journey-records';
import { withSpan } from '../observability/tracing/with-span';
import { JourneyCache, type CachedJourney } from './journey-cache';
import type { JourneyNow } from './journey-views';

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
  /** For a migrated journey, the state after each event on the rules then in force (by revision). */
  statesAfter?: readonly string[];
}

/** What a caller asks of a migration: the version to move to, and why. */
export interface MigrationRequest {
  to: number;
  reason: string;
}

/** One command as the handler sees it: who asks, for which journey, and what. */
interface Command {
  journeyId: string;
  actor: Actor;
  input: EventInput;
  options: CommandOptions;
  /** Set when the command opens the journey, on this workflow version. */
  opensOn?: WorkflowDefinition;
  /** The caller's key, scoped to them and this route, and the request it stands for. */
  idempotency?: { eventId: string; key: string; fingerprint: string };
}

/** The fact the workflow accepted, ready to seal and append. */
interface Decided {
  definition: WorkflowDefinition;
  event: JourneyEvent;
  after: JourneySnapshot;
  recordedAt: Date;
}

/**
 * Rounds of re-reading and re-deciding after losing a race to another process. Only writers in
 * other processes can make us lose (this process queues per journey), so a few rounds with a
 * small random pause (a random share of 5, 10, then 20 ms) are enough for each of them to get
 * through; past that the caller gets 412.
 */
const CONFLICT_RETRY: RetryPolicy = { attempts: 30, initialMs: 5, factor: 2, maxMs: 20 };
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
  async open(actor: Actor, input: Omit<EventInput, 'type'>, options: CommandOptions = {}): Promise<RecordResult> {
    const scope = idempotencyScope(actor, options);
    const journeyId = journeyIdFor(scope, randomUUID);
    const command: Command = {
      journeyId,
      actor,
      input: { ...input, type: 'ReferralReceived' },
      options,
      opensOn: this.registry.current(SUPPORT_PLANNING),
      idempotency: keyed(scope, journeyId, 'open', { ...input, type: 'ReferralReceived' }, options),
    };
    return this.lock.run(journeyId, () => this.handleWithRetry(command));
  }

  /**
   * Record one fact on an existing journey, if the actor may see it (the access policy, judged on
   * the journey as the command reads it) and the workflow allows the fact now.
   */
  async record(journeyId: string, actor: Actor, input: EventInput, options: CommandOptions = {}): Promise<RecordResult> {
    const idempotency = keyed(idempotencyScope(actor, options), journeyId, 'record', input, options);
    return this.lock.run(journeyId, () => this.handleWithRetry({ journeyId, actor, input, options, idempotency }));
  }

  /**
   * Move a journey to a later workflow version: an approver's decision, with a reason, recorded as
   * `WorkflowMigrated` only when the journey's whole history is valid under the new version's rules
   * (the dry run); otherwise refused naming the first revision and rule the new version refuses.
   */
  async migrate(journeyId: string, actor: Actor, request: MigrationRequest, options: CommandOptions = {}): Promise<RecordResult> {
    return this.lock.run(journeyId, async () => {
      try {
        return await this.migrateOnce(journeyId, actor, request, options);
      } catch (error) {
        throw this.asStale(error, options);
      }
    });
  }

  private async migrateOnce(journeyId: string, actor: Actor, request: MigrationRequest, options: CommandOptions): Promise<RecordResult> {
    const journey = (await this.loadFor(journeyId, actor, false)) as CachedJourney;
    if (!MIGRATION_ROLES.includes(actor.role)) throw new ForbiddenActionError(actor.role, 'migrate a journey to another workflow version');
    if (!hasVisibleText(request.reason)) {
      throw new InvalidInputError([
        { field: 'reason', rule: 'hasVisibleText', message: 'reason must say why the journey moves to the new version' },
      ]);
    }
    if (options.ifMatch !== undefined && options.ifMatch !== journey.revision)
      throw new StaleRevisionError(options.ifMatch, journey.revision);
    const events = await this.store.readStream(streamIdOf(journeyId));
    const dryRun = this.dryRun(events, request.to);
    const target = this.registry.get(journey.definition.id, request.to);
    const recordedAt = this.clock.now().toISOString();
    const correlationId = options.correlationId ?? randomUUID();
    const sealed = sealFact(
      {
        journeyId,
        revision: journey.revision + 1,
        id: randomUUID(),
        type: 'WorkflowMigrated',
        data: { from: dryRun.from, to: dryRun.to },
        actor,
        occurredAt: recordedAt,
        recordedAt,
        reason: request.reason,
        correlationId,
        workflow: { id: target.id, version: target.version },
      },
      journey.last,
    );
    const appended = await this.store.appendToStream(streamIdOf(journeyId), [sealed], journey.revision);
    const stored: StoredEvent = { ...sealed, streamId: streamIdOf(journeyId), revision: journey.revision + 1, position: appended.position };
    // The whole history now folds under the new version's rules and clocks: the next read does it.
    this.cache.delete(journeyId);
    const written = { eventId: stored.id, revision: stored.revision, position: appended.position };
    return this.result(journeyId, target, dryRun.snapshot, written, actor.role, false);
  }

  /** The dry run of a migration, as the command needs it: valid, or refused with its revision and rule. */
  private dryRun(events: readonly StoredEvent[], to: number): Extract<DryRun, { valid: true }> {
    try {
      const result = dryRunMigration(this.registry, metadataOf(events[0]).workflow, events.map(toMachineEvent), to);
      if (!result.valid) throw new MigrationRefusedError(result);
      return result;
    } catch (error) {
      if (!(error instanceof MigrationTargetError)) throw error;
      throw new InvalidInputError([{ field: 'to', rule: error.rule, message: error.message }]);
    }
  }

  /** A command without If-Match that lost a race is decided again on what the winner wrote. */
  private async handleWithRetry(command: Command): Promise<RecordResult> {
    try {
      return await withRetries(() => this.handle(command), {
        ...CONFLICT_RETRY,
        retryable: (error) => error instanceof StreamConflictError && command.options.ifMatch === undefined,
        jitter: Math.random,
      });
    } catch (error) {
      throw this.asStale(error, command.options);
    }
  }

  /** Load, decide, append: the whole command, in that order. */
  private async handle(command: Command): Promise<RecordResult> {
    const journey = await withSpan('load', () => this.loadFor(command.journeyId, command.actor, command.opensOn !== undefined));
    const repeat = await this.repeatOf(command, journey);
    if (repeat) return repeat;
    const decided = withSpan('decide', () => this.decideOn(command, journey));
    return withSpan('append', () => this.append(command, journey, decided));
  }

  /**
   * The journey as the command finds it, once the actor is known to have a relationship to it:
   * null only for a journey the command opens. The engine's own scheduler (`system`, never a
   * token) acts on every journey.
   */
  private async loadFor(journeyId: string, actor: Actor, opens: boolean): Promise<CachedJourney | null> {
    const current = await this.current(journeyId);
    if (!current && !opens) throw new JourneyNotFoundError(journeyId);
    if (current && !isInternalRole(actor.role)) {
      assertJourneyAccess(actor, relationsFrom(journeyId, current.relations, current.snapshot));
    }
    return current;
  }

  /**
   * A retried request is answered as the first time was, only once the caller has passed the
   * same access and role checks, and only if it is the same request; the same key with another
   * request is refused (422), never answered as a repeat.
   */
  private async repeatOf(command: Command, journey: CachedJourney | null): Promise<RecordResult | null> {
    const { idempotency } = command;
    if (!idempotency || !journey?.keyedEventIds.has(idempotency.eventId)) return null;
    if (!mayRecord(journey.definition.policy, command.input.type, command.actor.role)) {
      throw new ForbiddenActionError(command.actor.role, `record ${command.input.type}`);
    }
    return this.answerRepeat(command, idempotency.eventId);
  }

  /** Ask the workflow whether this fact may be recorded now; a refusal is thrown with its rule. */
  private decideOn(command: Command, journey: CachedJourney | null): Decided {
    const revision = journey?.revision ?? -1;
    if (command.opensOn && journey) throw new StaleRevisionError(-1, revision);
    const { ifMatch } = command.options;
    if (ifMatch !== undefined && ifMatch !== revision) throw new StaleRevisionError(ifMatch, revision);

    const definition = journey?.definition ?? command.opensOn;
    if (!definition) throw new JourneyNotFoundError(command.journeyId);
    const snapshot = journey?.snapshot ?? initialSnapshot(definition);
    const recordedAt = this.clock.now();
    const event = factFor(command, definition, revision + 1, recordedAt);
    assertAllowed(definition, snapshot, event);
    return { definition, event, after: apply(definition, snapshot, event), recordedAt };
  }

  /** Seal the fact onto the stream's chain and append it at the revision the decision was made on. */
  private async append(command: Command, journey: CachedJourney | null, decided: Decided): Promise<RecordResult> {
    const { definition, event, after } = decided;
    const streamId = streamIdOf(command.journeyId);
    const eventId = command.idempotency?.eventId ?? randomUUID();
    const correlationId = command.options.correlationId ?? randomUUID();
    const sealed = sealFact(
      {
        journeyId: command.journeyId,
        revision: event.meta.revision,
        id: eventId,
        type: event.type,
        data: event.data as unknown as Record<string, unknown>,
        actor: command.actor,
        occurredAt: event.meta.occurredAt,
        recordedAt: decided.recordedAt.toISOString(),
        reason: event.meta.reason,
        correlationId,
        idempotency: command.idempotency && { key: command.idempotency.key, fingerprint: command.idempotency.fingerprint },
        workflow: { id: definition.id, version: definition.version },
      },
      journey?.last,
    );
    const appended = await this.store.appendToStream(streamId, [sealed], journey ? journey.revision : 'no-stream');
    if (command.idempotency && !(await this.storedAsSealed(streamId, appended.nextRevision, sealed))) {
      // Another instance recorded this key's event first, and the store answered our append as a
      // repeat of it: what is stored is theirs, so answer as a retry and forget our copy.
      this.cache.delete(command.journeyId);
      return this.answerRepeat(command, eventId);
    }
    const stored: StoredEvent = { ...sealed, streamId, revision: event.meta.revision, position: appended.position };
    this.remember(command.journeyId, journey, definition, after, stored);
    const written = { eventId, revision: stored.revision, position: appended.position };
    return this.result(command.journeyId, definition, after, written, command.actor.role, false);
  }

  private remember(
    journeyId: string,
    before: CachedJourney | null,
    definition: WorkflowDefinition,
    snapshot: JourneySnapshot,
    stored: StoredEvent,
  ): void {
    const keyedEventIds = new Set(before?.keyedEventIds ?? []);
    if (metadataOf(stored).idempotencyKey !== undefined) keyedEventIds.add(stored.id);
    this.cache.set(journeyId, {
      definition,
      snapshot,
      clocks: foldClocks(definition, before?.clocks, [stored]),
      revision: stored.revision,
      last: stored,
      relations: foldStreamRelations(before?.relations, [stored]),
      keyedEventIds,
    });
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
    if (cached && hasMigration(tail)) {
      // A migration changes the rules the whole history is folded under: fold it all again.
      this.cache.delete(journeyId);
      return this.current(journeyId);
    }
    const { definition, snapshot } = cached
      ? { definition: cached.definition, snapshot: replay(cached.definition, tail.map(toMachineEvent), cached.snapshot) }
      : this.replayAll(tail);
    const keyedEventIds = new Set(cached?.keyedEventIds);
    tail.filter((event) => metadataOf(event).idempotencyKey !== undefined).forEach((event) => keyedEventIds.add(event.id));
    const last = tail[tail.length - 1];
    const entry: CachedJourney = {
      definition,
      snapshot,
      clocks: foldClocks(definition, cached?.clocks, tail),
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
  private async answerRepeat(command: Command, eventId: string): Promise<RecordResult> {
    const events = await this.store.readStream(streamIdOf(command.journeyId));
    const earlier = events.find((event) => event.id === eventId) as StoredEvent;
    if (!isSameRequest(earlier, command)) throw new IdempotencyKeyReusedError();
    const { definition, snapshot } = this.replayAll(events.slice(0, earlier.revision + 1));
    const written = { eventId: earlier.id, revision: earlier.revision, position: earlier.position };
    return this.result(command.journeyId, definition, snapshot, written, command.actor.role, true);
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

  /**
   * The journey as its whole stream makes it: on the version it started on (recorded in its first
   * event), and on each version a recorded migration moved it to. Throws if the record and the
   * rules disagree.
   */
  private replayAll(events: readonly StoredEvent[]): { definition: WorkflowDefinition; snapshot: JourneySnapshot } {
    const result = replayJourney(this.registry, metadataOf(events[0]).workflow, events.map(toMachineEvent));
    if (result.refusal) {
      throw new Error(
        `event ${result.refusal.revision} (${result.refusal.type}) is refused by workflow v${result.refusal.version}: ${result.refusal.rule}`,
      );
    }
    return result;
  }

  /**
   * The journey now, for a reader who may see it, from the cached snapshot and clocks with only
   * the store's new tail folded on: a read of a long journey replays nothing it replayed before.
   */
  async now(journeyId: string, actor: Actor): Promise<JourneyNow> {
    const current = await this.loadFor(journeyId, actor, false);
    if (!current) throw new JourneyNotFoundError(journeyId);
    return {
      id: journeyId,
      definition: current.definition,
      snapshot: current.snapshot,
      revision: current.revision,
      clocks: current.clocks.instances,
    };
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
    const { definition, snapshot } = this.replayAll(events);
    if (hasMigration(events)) {
      const statesAfter = statesAfterEach(this.registry, metadataOf(events[0]).workflow, events.map(toMachineEvent));
      return { id, definition, events, snapshot, revision: events.length - 1, statesAfter };
    }
    return { id, definition, events, snapshot, revision: events.length - 1 };
  }
}

/** The caller's key, scoped to their organisation and token subject. */
function idempotencyScope(actor: Actor, options: CommandOptions): IdempotencyScope | undefined {
  return options.idempotencyKey === undefined
    ? undefined
    : { key: options.idempotencyKey, actorId: actor.id, organisation: actor.organisation };
}

/** The event id a keyed command records under, and the fingerprint of the whole request. */
function keyed(
  scope: IdempotencyScope | undefined,
  journeyId: string,
  route: KeyedRequest['route'],
  input: EventInput,
  options: CommandOptions,
): Command['idempotency'] {
  if (!scope) return undefined;
  const fingerprint = requestFingerprint({
    route,
    type: input.type,
    data: input.data,
    reason: input.reason,
    occurredAt: input.occurredAt,
    ifMatch: options.ifMatch,
  });
  return { eventId: eventIdFor(streamIdOf(journeyId), scope, randomUUID), key: scope.key, fingerprint };
}

/**
 * Whether a stored keyed event is the one this request asked for. Events recorded before
 * requests were fingerprinted are compared by type and data.
 */
function isSameRequest(earlier: StoredEvent, command: Command): boolean {
  const fingerprint = metadataOf(earlier).requestFingerprint;
  if (fingerprint !== undefined) return fingerprint === command.idempotency?.fingerprint;
  return earlier.type === command.input.type && canonicalJson(earlier.data) === canonicalJson(command.input.data);
}

/**
 * The fact as the machine will see it: its data in the version's stored form (ids canonical),
 * dated when it happened (now, unless the caller says) and when it is recorded.
 */
function factFor(command: Command, definition: WorkflowDefinition, revision: number, recordedAt: Date): JourneyEvent {
  const { input, actor } = command;
  const parsed = parseFact(definition, input.type, input.data);
  if (!parsed.ok) throw new InvalidInputError(parsed.issues);
  const occurredAt = input.occurredAt === undefined ? recordedAt.toISOString() : new Date(input.occurredAt).toISOString();
  return {
    type: input.type,
    data: parsed.data,
    meta: {
      actor: withoutOrganisation(actor),
      occurredAt,
      recordedAt: recordedAt.toISOString(),
      revision,
      ...(input.reason !== undefined ? { reason: input.reason } : {}),
    },
  } as JourneyEvent;
}

/** The workflow's answer, thrown as the error its kind maps to (400, 403 or 409). */
function assertAllowed(definition: WorkflowDefinition, snapshot: JourneySnapshot, event: JourneyEvent): void {
  const decision = decide(definition, snapshot, event);
  if (decision.ok) return;
  if (decision.kind === 'invalid') throw new InvalidInputError(decision.issues ?? []);
  if (decision.kind === 'forbidden') throw new ForbiddenActionError(event.meta.actor.role, `record ${event.type}`);
  throw new TransitionRefusedError({
    event: event.type,
    state: decision.state,
    reason: `${decision.reason}: ${decision.explanation}`,
    allowed: decision.allowed,
  });
}

/** The clocks of a journey, folded on from where the cache left them, by the policy of its version. */
function foldClocks(definition: WorkflowDefinition, from: ClockFold | undefined, events: readonly StoredEvent[]): ClockFold {
  return events.map(toMachineEvent).reduce((fold, event) => evolveClocks(definition.policy, fold, event), from ?? initialClockFold());
}

function withoutOrganisation(actor: Actor): Omit<Actor, 'organisation'> {
  const { organisation: _organisation, ...rest } = actor;
  return rest;
}
