/**
 * In-memory adapter, for unit tests. Same rules as the durable adapters (see append-rules.ts);
 * data and metadata are kept as JSON text, as SQLite and KurrentDB keep them, so a test cannot
 * pass here with values (Dates, undefined, class instances) that would not survive a real store.
 */
import { assertValidAppend, decideAppend, ExistingEvent } from './append-rules';
import {
  AppendResult,
  EventHandler,
  EventStore,
  ExpectedRevision,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  StoredEvent,
  StoreUnavailableError,
  SubscribeOptions,
  Subscription,
} from './event-store';
import { Follower, FollowPage } from './follower';
import { LiveSubscriptions } from './live-subscriptions';

interface Row {
  streamId: string;
  revision: number;
  position: bigint;
  id: string;
  type: string;
  data: string;
  metadata: string;
}

const DEFAULT_PAGE_SIZE = 500;

export class MemoryEventStore extends EventStore {
  /** The global log; an event's position is its index. */
  private readonly log: Row[] = [];
  private readonly streams = new Map<string, Row[]>();
  private readonly followers = new LiveSubscriptions<Follower>();
  private closed = false;

  constructor(private readonly pageSize = DEFAULT_PAGE_SIZE) {
    super();
  }

  async appendToStream(streamId: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    this.assertOpen();
    assertValidAppend(streamId, events, expected);
    const stream = this.streams.get(streamId) ?? [];
    const decision = decideAppend(streamId, events, expected, stream.length - 1, findIds(stream, events));
    if (decision.kind === 'repeat') return decision.result;

    // Serialise the whole batch before touching the log, so a bad payload writes nothing.
    const rows = events.map((event, index) => this.toRow(streamId, decision.firstRevision + index, index, event));
    this.log.push(...rows);
    stream.push(...rows);
    this.streams.set(streamId, stream);
    this.followers.forEach((follower) => follower.notify());
    const last = rows[rows.length - 1];
    return { nextRevision: last.revision, position: last.position };
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    this.assertOpen();
    const stream = this.streams.get(streamId) ?? [];
    const from = options.fromRevision ?? 0;
    const upTo = options.toRevision ?? Number.POSITIVE_INFINITY;
    return stream.filter((row) => row.revision >= from && row.revision <= upTo).map(toStoredEvent);
  }

  async readAll(options: ReadAllOptions = {}): Promise<StoredEvent[]> {
    this.assertOpen();
    return this.readPage(options.after ?? -1n, options.maxCount ?? this.pageSize, options.streamPrefix).events;
  }

  subscribe(options: SubscribeOptions, handler: EventHandler, onError?: (error: unknown) => void): Subscription {
    this.assertOpen();
    return this.followers.start(
      (onStop) =>
        new Follower(
          {
            after: options.after ?? -1n,
            pageSize: this.pageSize,
            readPage: (after, limit) => this.readPage(after, limit, options.streamPrefix),
            onStop,
          },
          handler,
          onError,
        ),
    );
  }

  async headPosition(): Promise<bigint> {
    this.assertOpen();
    return BigInt(this.log.length) - 1n;
  }

  async ping(): Promise<void> {
    this.assertOpen();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.followers.closeAll();
  }

  private readPage(after: bigint, limit: number, prefix?: string): FollowPage {
    const events: StoredEvent[] = [];
    let scannedTo = after;
    // Positions are indexes, so the scan starts right after `after`.
    for (let index = Number(after) + 1; index < this.log.length && events.length < limit; index++) {
      const row = this.log[index];
      if (prefix === undefined || row.streamId.startsWith(prefix)) events.push(toStoredEvent(row));
      scannedTo = row.position;
    }
    return { events, scannedTo };
  }

  private toRow(streamId: string, revision: number, offset: number, event: NewEvent): Row {
    return {
      streamId,
      revision,
      position: BigInt(this.log.length + offset),
      id: event.id,
      type: event.type,
      data: JSON.stringify(event.data),
      metadata: JSON.stringify(event.metadata),
    };
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreUnavailableError('the in-memory event store is closed');
  }
}

function findIds(stream: Row[], events: NewEvent[]): Map<string, ExistingEvent> {
  const wanted = new Set(events.map((event) => event.id));
  const found = new Map<string, ExistingEvent>();
  for (const row of stream) {
    if (wanted.has(row.id)) found.set(row.id, { revision: row.revision, position: row.position });
  }
  return found;
}

function toStoredEvent(row: Row): StoredEvent {
  return {
    id: row.id,
    type: row.type,
    data: JSON.parse(row.data) as Record<string, unknown>,
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    streamId: row.streamId,
    revision: row.revision,
    position: row.position,
  };
}
