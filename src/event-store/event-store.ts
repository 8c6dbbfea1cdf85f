/**
 * The event store port. The domain owns this interface; adapters (SQLite, in-memory, KurrentDB)
 * implement it and must all pass the one contract suite in test/contract/.
 *
 * It is an abstract class, not an interface, so that Nest can use it as the injection token:
 * `{ provide: EventStore, useFactory: ... }`.
 */

/** Where an append expects the stream to be: not yet created, at an exact revision, or anywhere. */
export type ExpectedRevision = 'no-stream' | 'any' | number;

/** An event as the engine hands it to the store. `id` is a UUID chosen by the engine. */
export interface NewEvent {
  id: string;
  type: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

/** An event as the store gives it back. */
export interface StoredEvent extends NewEvent {
  streamId: string;
  /** 0-based position of the event inside its stream. */
  revision: number;
  /** Position in the global order of all streams: strictly increasing, gaps allowed. */
  position: bigint;
}

export interface AppendResult {
  /** Revision of the last event written (or of the original events, for an idempotent repeat). */
  nextRevision: number;
  /** Global position of the last event written. */
  position: bigint;
}

export interface ReadStreamOptions {
  /** Read from this revision on (inclusive); the engine reads only what its cache has not seen. */
  fromRevision?: number;
  /** Read up to and including this revision. */
  toRevision?: number;
}

export interface ReadAllOptions {
  /** Exclusive: events strictly after this position. Omit to start from the beginning. */
  after?: bigint;
  /** At most this many events (default: the adapter's page size). */
  maxCount?: number;
  /** Only streams whose name starts with this prefix (e.g. `journey-`). */
  streamPrefix?: string;
}

/** A live follower of the global order. `close()` stops delivery and resolves when it has stopped. */
export interface Subscription {
  close(): Promise<void>;
}

export interface SubscribeOptions {
  /** Exclusive start position; omit to start from the beginning. */
  after?: bigint;
  streamPrefix?: string;
}

/**
 * Handler for followed events. Events arrive one at a time in global order; the next is not
 * delivered before the returned promise settles. A handler that throws stops the subscription
 * and the error is reported to `onError`.
 */
export type EventHandler = (event: StoredEvent) => void | Promise<void>;

/** The stream already exists, does not exist, or is at another revision than expected. */
export class StreamConflictError extends Error {
  readonly code = 'STORE.CONFLICT';
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    readonly actual: number | 'no-stream',
  ) {
    super(`stream ${streamId} expected at ${String(expected)} but is at ${String(actual)}`);
    this.name = 'StreamConflictError';
  }
}

/** The store cannot take writes right now (disk full, read-only file, server gone). */
export class StoreUnavailableError extends Error {
  readonly code = 'STORE.UNAVAILABLE';
  constructor(
    message: string,
    readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'StoreUnavailableError';
  }
}

export abstract class EventStore {
  /**
   * The adapter behind any decorator (metrics, tracing): what only the adapter knows, such as the
   * SQLite file that health checks and export workers open for themselves.
   */
  adapter(): EventStore {
    return this;
  }

  /**
   * Append events atomically at the expected revision.
   *
   * Idempotency: when every event id of the batch is already in the stream as the same batch right
   * after `expected` (or `expected` is 'any'), nothing is written and the original result is
   * returned. When only some ids are present, or they sit elsewhere, a StreamConflictError is
   * thrown. A second event with an id the stream already holds is never written.
   */
  abstract appendToStream(streamId: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult>;

  /** The events of one stream in revision order; an empty array if the stream does not exist. */
  abstract readStream(streamId: string, options?: ReadStreamOptions): Promise<StoredEvent[]>;

  /** One page of the global order. */
  abstract readAll(options?: ReadAllOptions): Promise<StoredEvent[]>;

  /**
   * Follow the global order: first catch up from `after`, then deliver new events as they are
   * appended, with no gap and no repeat.
   */
  abstract subscribe(options: SubscribeOptions, handler: EventHandler, onError?: (error: unknown) => void): Subscription;

  /** The position of the last event in the store, or -1n when empty. */
  abstract headPosition(): Promise<bigint>;

  /** Cheap readiness check for /health. Throws when the store cannot be used. */
  abstract ping(): Promise<void>;

  abstract close(): Promise<void>;
}
