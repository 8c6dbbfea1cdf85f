import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckResult, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { Public } from '../auth/public.decorator';
import { ServiceNotReadyError } from '../errors/domain-errors';
import { EventStoreHealthIndicator } from './event-store.health';
import { ReadModelsHealthIndicator } from './read-models.health';
import { StoreFileHealthIndicator } from './store-file.health';

/**
 * `GET /health`: the process answers (liveness) and the event store answers (readiness); the read
 * models' position, and a rebuild's progress and ETA while one runs (ready meanwhile: the previous
 * version answers).
 * `GET /health/live`: liveness alone, for an orchestrator deciding whether to restart the process
 * (a restart does not cure a store that is down).
 */
@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly eventStore: EventStoreHealthIndicator,
    private readonly storeFile: StoreFileHealthIndicator,
    private readonly readModels: ReadModelsHealthIndicator,
  ) {}

  @Get()
  @ApiOkResponse({ description: 'Alive and the event store answers; `readModels` shows a rebuild in progress (still ready).' })
  @ApiServiceUnavailableResponse({
    description: 'A check is down; `checks` says which. `status: degraded` when the store file is damaged.',
  })
  check(): Promise<HealthCheckResult> {
    return this.run([() => this.alive(), () => this.eventStore.isReady(), () => this.storeFile.isWhole(), () => this.readModels.check()]);
  }

  @Get('live')
  @ApiOkResponse({ description: 'The process answers requests.' })
  live(): HealthCheckResult {
    // Terminus's result, built here: a check that cannot fail needs none of its machinery, and an
    // orchestrator calls this route often (terminus cost 5% of the service's CPU here; issue 16).
    const alive = this.alive();
    return { status: 'ok', info: alive, error: {}, details: alive };
  }

  private alive() {
    return this.indicators.check('process').up({ uptimeSeconds: Math.floor(process.uptime()) });
  }

  /** Terminus reports a failure as its own 503 exception; ours goes through the one error filter. */
  private async run(checks: Parameters<HealthCheckService['check']>[0]): Promise<HealthCheckResult> {
    try {
      return await this.health.check(checks);
    } catch (error) {
      if (error instanceof ServiceUnavailableException) {
        const result = error.getResponse() as Partial<HealthCheckResult>;
        throw new ServiceNotReadyError(result.details ?? {});
      }
      throw error;
    }
  }
}
