/**
 * LISTEN on the schema's append channel, on one connection of its own, and wake every follower
 * of this process when any instance commits an append.
 *
 * A notification only says "look now": followers read from their own checkpoint (reads.ts), so a
 * notification that is lost (the connection dropped, the server restarted) costs latency, never an
 * event. On a lost connection the listener reconnects with a growing pause and wakes everyone on
 * reconnecting; followers also poll slowly in case it stays down.
 */
import { Client, ClientConfig } from 'pg';
import { quoteIdentifier } from './identifiers';

const RECONNECT_MIN_MS = 250;
const RECONNECT_MAX_MS = 10_000;

export class AppendListener {
  private client: Client | undefined;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelayMs = RECONNECT_MIN_MS;

  constructor(
    private readonly connection: ClientConfig,
    private readonly channel: string,
    private readonly onAppended: () => void,
  ) {}

  /** Starts listening; resolves once LISTEN is in force, or after the first failure (it keeps retrying). */
  async start(): Promise<void> {
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new Client(this.connection);
    client.on('notification', () => this.onAppended());
    client.on('error', () => this.reconnectLater(client));
    client.on('end', () => this.reconnectLater(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${quoteIdentifier(this.channel)}`);
    } catch {
      this.reconnectLater(client);
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.retryDelayMs = RECONNECT_MIN_MS;
    // Anything committed while we were not listening is found by reading from the checkpoints.
    this.onAppended();
  }

  private reconnectLater(failed: Client): void {
    if (this.stopped) return;
    if (this.client !== undefined && this.client !== failed) return;
    this.client = undefined;
    failed.removeAllListeners('end');
    failed.end().catch(() => undefined);
    if (this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.connect();
    }, this.retryDelayMs);
    this.retryDelayMs = Math.min(this.retryDelayMs * 2, RECONNECT_MAX_MS);
  }
}
