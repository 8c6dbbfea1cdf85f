/**
 * The gauges an operations team alerts on, computed when Prometheus scrapes (so never stale):
 * how far the read models are behind the store, in events and in seconds; the open and missed
 * clocks by clock; whether the store and the read models are up; how many journeys were found
 * with a broken hash chain. A gauge that cannot be computed
 * now (the store is down) is left out of that scrape rather than failing it: `spe_event_store_up`
 * says why.
 */
import { Injectable, Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { Clock } from '../../common/clock';
import { EventStore } from '../../event-store/event-store';
import { JourneyIntegrity } from '../../integrity/journey-integrity';
import { metadataOf } from '../../journeys/journey-records';
import { ReadModels } from '../../projections/read-models.service';
import { Metrics } from './metrics';

/** As long as /health gives the store: a scrape must not hang on a store gone quiet. */
const PING_TIMEOUT_MS = 2000;

@Injectable()
export class ServiceGauges {
  private readonly logger = new Logger('Metrics');

  constructor(
    metrics: Metrics,
    private readonly readModels: ReadModels,
    private readonly store: EventStore,
    private readonly clock: Clock,
    integrity: JourneyIntegrity,
  ) {
    metrics.scrapedGauge('event_store_up', 'Whether the event store answers a ping (1) or not (0)', [], async (gauge) => {
      gauge.set((await this.storeAnswers()) ? 1 : 0);
    });
    metrics.scrapedGauge(
      'read_models_up',
      'Whether the read models are following the store (1) or stopped on a failure and retrying (0)',
      [],
      (gauge) => {
        gauge.set(this.readModels.error === null ? 1 : 0);
      },
    );
    metrics.scrapedGauge('read_model_lag_events', 'Global positions the read models are behind the head of the store', [], (gauge) =>
      this.quietly('read_model_lag_events', async () => gauge.set(await this.lagInEvents())),
    );
    metrics.scrapedGauge(
      'read_model_lag_seconds',
      'Age of the oldest event the read models have not applied yet (0 when caught up)',
      [],
      (gauge) => this.quietly('read_model_lag_seconds', async () => gauge.set(await this.lagInSeconds())),
    );
    metrics.scrapedGauge(
      'clocks',
      'Open clocks by clock and status: running, or missed (DeadlineMissed recorded, work not done yet)',
      ['clock', 'status'],
      (gauge) => {
        gauge.reset();
        for (const { clock, status, count } of this.readModels.clockCounts()) gauge.set({ clock, status }, count);
      },
    );
    metrics.scrapedGauge(
      'integrity_broken_journeys',
      'Journeys whose hash chain this instance found broken on a read since it started (alert on > 0)',
      [],
      (gauge) => {
        gauge.set(integrity.brokenJourneysFound());
      },
    );
  }

  private async storeAnswers(): Promise<boolean> {
    const timeout = sleep(PING_TIMEOUT_MS, false, { ref: false });
    return Promise.race([
      this.store.ping().then(
        () => true,
        () => false,
      ),
      timeout,
    ]);
  }

  private async lagInEvents(): Promise<number> {
    const head = await this.store.headPosition();
    return Math.max(0, Number(head - this.readModels.position));
  }

  /** When the first event not yet applied was recorded: how long the read models have been behind. */
  private async lagInSeconds(): Promise<number> {
    const [next] = await this.store.readAll({ after: this.readModels.position, maxCount: 1 });
    if (next === undefined) return 0;
    const recordedAt = Date.parse(metadataOf(next).recordedAt);
    return Number.isNaN(recordedAt) ? 0 : Math.max(0, (this.clock.now().getTime() - recordedAt) / 1000);
  }

  private async quietly(gauge: string, collect: () => Promise<void>): Promise<void> {
    try {
      await collect();
    } catch (error) {
      this.logger.debug(`${gauge} not collected: ${(error as Error).name}`);
    }
  }
}
