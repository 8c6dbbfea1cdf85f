/**
 * The part of the gRPC client the adapter uses, and how a connection string becomes one.
 */
import {
  AllStreamResolvedEvent,
  AppendResult as KurrentAppendResult,
  AppendToStreamOptions,
  EventData,
  KurrentDBClient,
  ReadAllOptions as KurrentReadAllOptions,
  ReadStreamOptions as KurrentReadStreamOptions,
  ResolvedEvent,
  SubscribeToAllOptions,
} from '@kurrent/kurrentdb-client';

/**
 * The part of KurrentDBClient this adapter uses. The real client satisfies it (checked where the
 * client is created); unit tests pass a small fake, since no server can run where they run.
 */
export interface KurrentClient {
  appendToStream(streamName: string, events: EventData[], options: AppendToStreamOptions): Promise<KurrentAppendResult>;
  readStream(streamName: string, options: KurrentReadStreamOptions): AsyncIterable<ResolvedEvent>;
  readAll(options: KurrentReadAllOptions): AsyncIterable<AllStreamResolvedEvent>;
  subscribeToAll(options: SubscribeToAllOptions): KurrentSubscription;
  dispose(): Promise<void>;
}

/** A catch-up subscription as the client returns it: an async iterable Readable. */
export interface KurrentSubscription extends AsyncIterable<AllStreamResolvedEvent> {
  unsubscribe(): Promise<void>;
  destroy?(error?: Error): unknown;
}

export function connect(connectionString: string): KurrentClient {
  const client: KurrentClient = KurrentDBClient.connectionString(connectionString);
  return client;
}
