/**
 * GET /metrics, Prometheus text format. Metrics say how busy each route is and how many clocks
 * are missed: not for the public, so never open by default.
 *
 * - METRICS_PORT set: served on a port of its own (a private network the scraper shares), and not
 *   on the main port. METRICS_TOKEN, if also set, is asked for there too.
 * - else METRICS_TOKEN set: served on the main port to `Authorization: Bearer <METRICS_TOKEN>`.
 * - neither: not served (404), and start-up says how to turn it on.
 *
 * An Express route rather than a controller: it is not the API (no JWT, no OpenAPI entry) and its
 * own token is checked here, in constant time.
 */
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { AppConfig } from '../../config/app-config';
import { UnauthenticatedError } from '../../errors/domain-errors';
import { Metrics } from './metrics';

export const METRICS_PATH = '/metrics';

type Next = (error?: unknown) => void;

@Injectable()
export class MetricsEndpoint implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Metrics');
  private server: Server | null = null;

  constructor(
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {}

  /** For the main port: answers only when METRICS_TOKEN is set and METRICS_PORT is not. */
  readonly onMainPort = (request: IncomingMessage, response: ServerResponse, next: Next): void => {
    const { metricsPort, metricsToken } = this.config.observability;
    if (metricsPort !== undefined || metricsToken === undefined) {
      next();
      return;
    }
    if (!bearerMatches(request.headers.authorization, metricsToken)) {
      next(new UnauthenticatedError('GET /metrics needs the metrics token (METRICS_TOKEN) as a bearer token'));
      return;
    }
    void this.answer(response);
  };

  async onApplicationBootstrap(): Promise<void> {
    const { metricsPort, metricsToken } = this.config.observability;
    if (metricsPort === undefined) {
      if (metricsToken === undefined) this.logger.log('GET /metrics is off: set METRICS_TOKEN (bearer) or METRICS_PORT (own port) to serve it');
      return;
    }
    this.server = createServer((request, response) => this.onOwnPort(request, response));
    await new Promise<void>((resolve, reject) => {
      this.server?.once('error', reject).listen(metricsPort, () => resolve());
    });
    this.logger.log(`GET /metrics on port ${metricsPort}${metricsToken === undefined ? '' : ' (bearer METRICS_TOKEN)'}`);
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private onOwnPort(request: IncomingMessage, response: ServerResponse): void {
    const path = (request.url ?? '').split('?', 1)[0];
    if (request.method !== 'GET' || path !== METRICS_PATH) {
      response.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found: this port serves GET /metrics only\n');
      return;
    }
    const token = this.config.observability.metricsToken;
    if (token !== undefined && !bearerMatches(request.headers.authorization, token)) {
      response.writeHead(401, { 'Content-Type': 'text/plain', 'WWW-Authenticate': 'Bearer' }).end('the metrics token is missing or wrong\n');
      return;
    }
    void this.answer(response);
  }

  private async answer(response: ServerResponse): Promise<void> {
    try {
      const { contentType, body } = await this.metrics.exposition();
      response.writeHead(200, { 'Content-Type': contentType, 'Cache-Control': 'no-store' }).end(body);
    } catch (error) {
      this.logger.error(`metrics could not be collected: ${(error as Error).name}`);
      if (!response.headersSent) response.writeHead(500, { 'Content-Type': 'text/plain' });
      response.end('metrics could not be collected; see the log\n');
    }
  }
}

/** Compares digests, so neither the length nor a prefix of the token leaks through timing. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const given = /^Bearer (.+)$/i.exec(header ?? '')?.[1] ?? '';
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(token));
}
