/**
 * The access log, counted: how many reads of journey data were written to it, and how many could
 * not be (each of those reads was refused with 503). A decorator over the AccessLog port, so the
 * log itself knows nothing of metrics.
 */
import { AccessLog, type AccessLogReset, type AccessPage, type AccessQuery, type NewAccessEntry } from '../../access-log/access-log';
import type { Metrics } from './metrics';

export class CountedAccessLog extends AccessLog {
  constructor(
    private readonly inner: AccessLog,
    private readonly metrics: Metrics,
  ) {
    super();
  }

  async record(entries: readonly NewAccessEntry[]): Promise<void> {
    try {
      await this.inner.record(entries);
    } catch (error) {
      this.metrics.accessLogEntries.inc({ outcome: 'failed' }, entries.length);
      throw error;
    }
    this.metrics.accessLogEntries.inc({ outcome: 'written' }, entries.length);
  }

  list(query: AccessQuery): Promise<AccessPage> {
    return this.inner.list(query);
  }

  recordReset(at: Date, reason: string): Promise<void> {
    return this.inner.recordReset(at, reason);
  }

  resets(): Promise<AccessLogReset[]> {
    return this.inner.resets();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
