/**
 * How a journey is kept in the store: one stream per journey (`journey-<uuid>`, never personal
 * data in the name), each fact a stored event whose metadata says who recorded it, when, why,
 * on which workflow version, and links it into the stream's hash chain.
 */
import { v5 as uuidv5 } from 'uuid';
import type { Actor, EventType, JourneyEvent } from '../../workflows';
import type { NewEvent, StoredEvent } from '../event-store/event-store';
import { GENESIS_HASH, hashEvent, integrityOf, type Integrity } from '../integrity/hash-chain';

export const STREAM_PREFIX = 'journey-';

/** Namespace for deterministic event ids derived from Idempotency-Keys (fixed forever). */
const IDEMPOTENCY_NAMESPACE = '5b1f8f3e-6d2c-4c1e-9a57-0f4b8f1c2d3a';

export interface RecordedActor extends Actor {
  organisation?: string;
}

export interface JourneyEventMetadata {
  actor: RecordedActor;
  occurredAt: string;
  recordedAt: string;
  reason?: string;
  correlationId: string;
  causationId: string;
  idempotencyKey?: string;
  workflow: { id: string; version: number };
  integrity: Integrity;
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
export function eventIdFor(streamId: string, idempotencyKey: string | undefined, random: () => string): string {
  return idempotencyKey === undefined ? random() : uuidv5(`${streamId}\n${idempotencyKey}`, IDEMPOTENCY_NAMESPACE);
}

/** A new journey's id from a key: retrying "open a journey" with the same key opens it once. */
export function journeyIdFor(actorId: string, idempotencyKey: string | undefined, random: () => string): string {
  return idempotencyKey === undefined ? random() : uuidv5(`open\n${actorId}\n${idempotencyKey}`, IDEMPOTENCY_NAMESPACE);
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
    },
  } as unknown as JourneyEvent;
}

export interface SealInput {
  streamId: string;
  revision: number;
  id: string;
  type: EventType;
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
