/**
 * How a journey is kept in the store: one stream per journey (`journey-<uuid>`, never personal
 * data in the name), each fact a stored event whose metadata says who recorded it, when, why,
 * on which workflow version, and links it into the stream's hash chain.
 */
import { createHash } from 'node:crypto';
import { v5 as uuidv5 } from 'uuid';
import type { Actor, EventType, JourneyEvent } from '../../workflows';
import type { NewEvent, StoredEvent } from '../event-store/event-store';
import { canonicalJson, GENESIS_HASH, hashEvent, integrityOf, type Integrity } from '../integrity/hash-chain';

export const STREAM_PREFIX = 'journey-';

/** Namespace for deterministic event ids derived from Idempotency-Keys (fixed forever). */
const IDEMPOTENCY_NAMESPACE = '5b1f8f3e-6d2c-4c1e-9a57-0f4b8f1c2d3a';

export interface JourneyEventMetadata {
  actor: Actor;
  occurredAt: string;
  recordedAt: string;
  reason?: string;
  correlationId: string;
  causationId: string;
  idempotencyKey?: string;
  /** SHA-256 of the whole keyed request, so a reused key with another request is told apart. */
  requestFingerprint?: string;
  workflow: { id: string; version: number };
  integrity: Integrity;
}

/**
 * Whose Idempotency-Key this is: a key belongs to one caller (organisation and token subject) on
 * one route, so one caller's key can never answer for another's request.
 */
export interface IdempotencyScope {
  key: string;
  actorId: string;
  organisation?: string;
}

function scoped(scope: IdempotencyScope): string {
  return `${scope.organisation ?? ''}\n${scope.actorId}\n${scope.key}`;
}

export function streamIdOf(journeyId: string): string {
  return `${STREAM_PREFIX}${journeyId}`;
}

export function journeyIdOf(streamId: string): string {
  return streamId.slice(STREAM_PREFIX.length);
}

/**
 * The event id for a command: deterministic from the stream and the caller's Idempotency-Key, so
 * a retried request can be recognised (and the store refuses the id twice); random otherwise.
 */
export function eventIdFor(streamId: string, scope: IdempotencyScope | undefined, random: () => string): string {
  return scope === undefined ? random() : uuidv5(`${streamId}\n${scoped(scope)}`, IDEMPOTENCY_NAMESPACE);
}

/** A new journey's id from a key: retrying "open a journey" with the same key opens it once. */
export function journeyIdFor(scope: IdempotencyScope | undefined, random: () => string): string {
  return scope === undefined ? random() : uuidv5(`open\n${scoped(scope)}`, IDEMPOTENCY_NAMESPACE);
}

/** Everything a keyed request asked for: a retry must match it exactly to be answered as one. */
export interface KeyedRequest {
  route: 'open' | 'record';
  type: EventType;
  data: unknown;
  reason?: string;
  occurredAt?: string;
  ifMatch?: number;
}

export function requestFingerprint(request: KeyedRequest): string {
  const { route, type, data, reason, occurredAt, ifMatch } = request;
  return createHash('sha256').update(canonicalJson({ route, type, data, reason, occurredAt, ifMatch })).digest('hex');
}

export function metadataOf(event: StoredEvent): JourneyEventMetadata {
  return event.metadata as unknown as JourneyEventMetadata;
}

/** The machine's view of a stored fact: the fact itself, with who, when and where in the stream. */
export function toMachineEvent(event: StoredEvent): JourneyEvent {
  const metadata = metadataOf(event);
  const { organisation: _organisation, ...actor } = metadata.actor;
  return {
    type: event.type as EventType,
    data: event.data,
    meta: {
      actor,
      occurredAt: metadata.occurredAt,
      revision: event.revision,
      ...(metadata.reason !== undefined ? { reason: metadata.reason } : {}),
      ...(metadata.recordedAt !== undefined ? { recordedAt: metadata.recordedAt } : {}),
    },
  } as unknown as JourneyEvent;
}

/** One fact to store: who, when, why, on which version; `sealFact` builds its metadata and seals it. */
export interface FactToSeal {
  journeyId: string;
  revision: number;
  id: string;
  /** A fact of the journey's vocabulary, or the runtime's own `WorkflowMigrated`. */
  type: EventType | 'WorkflowMigrated';
  data: Record<string, unknown>;
  actor: Actor;
  occurredAt: string;
  recordedAt: string;
  reason?: string;
  correlationId: string;
  /** The event that caused this one; the correlation id when the caller's request did. */
  causationId?: string;
  idempotency?: { key: string; fingerprint: string };
  workflow: { id: string; version: number };
}

/** The one place an event's metadata is built: the service, fixtures and benches all seal through here. */
export function sealFact(fact: FactToSeal, previous: StoredEvent | undefined): NewEvent {
  const metadata: Omit<JourneyEventMetadata, 'integrity'> = {
    actor: fact.actor,
    occurredAt: fact.occurredAt,
    recordedAt: fact.recordedAt,
    ...(fact.reason !== undefined ? { reason: fact.reason } : {}),
    correlationId: fact.correlationId,
    causationId: fact.causationId ?? fact.correlationId,
    ...(fact.idempotency ? { idempotencyKey: fact.idempotency.key, requestFingerprint: fact.idempotency.fingerprint } : {}),
    workflow: fact.workflow,
  };
  const input = { streamId: streamIdOf(fact.journeyId), revision: fact.revision, id: fact.id, type: fact.type, data: fact.data, metadata };
  return sealEvent(input, previous);
}

export interface SealInput {
  streamId: string;
  revision: number;
  id: string;
  type: EventType | 'WorkflowMigrated';
  data: Record<string, unknown>;
  metadata: Omit<JourneyEventMetadata, 'integrity'>;
}

/** The event to append, with its hash chained to the last event of the stream. */
export function sealEvent(input: SealInput, previous: StoredEvent | undefined): NewEvent {
  const previousHash = previous ? (integrityOf(previous.metadata)?.hash ?? GENESIS_HASH) : GENESIS_HASH;
  const metadata = { ...input.metadata } as Record<string, unknown>;
  const hash = hashEvent({ ...input, metadata }, previousHash);
  return { id: input.id, type: input.type, data: input.data, metadata: { ...metadata, integrity: { previousHash, hash } } };
}
