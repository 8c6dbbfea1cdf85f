import { Injectable, Optional } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { ReadModels } from '../projections/read-models.service';

/**
 * Where the read models stand: their position and, while a new version is built beside the
 * serving one, its progress and ETA. Always up: during a rebuild the previous version answers, so
 * the service is ready (take it out of a load balancer for this and the whole service would stop
 * answering, which is what blue/green avoids). Absent (a test module without read models): up, no details.
 */
@Injectable()
export class ReadModelsHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    @Optional() private readonly readModels?: ReadModels,
  ) {}

  async check(key = 'readModels'): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check(key);
    if (!this.readModels) return indicator.up();
    // A store that cannot tell its head leaves the progress out; the event store check says why.
    const rebuild = await this.readModels.rebuildProgress().catch(() => null);
    return indicator.up({ position: this.readModels.position.toString(), ...(rebuild ? { rebuild } : {}) });
  }
}
