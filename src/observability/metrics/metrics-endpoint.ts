/**
 * GET /metrics, Prometheus text format. Metrics say how busy each route is and how many clocks
 * are missed: not for the public, so never open by default.
 *
 * - METRICS_PORT set: served on a port of its own (a private network the scraper shares), and not
 *   on the main port. METRICS_TOKEN, if also set, is asked for there too.
 * - else METRICS_TOKEN set: served on the main port to `Authorization: Bearer <METRICS_TOKEN>`.
 * - neither: not served (404), and start-up says how to turn it on.
 *
 * A Fastify route rather than a controller: it is not the API (no JWT, no OpenAPI entry) and its
 * own token is checked here, in constant time.
 */
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { AppConfig } from '../../config/app-config';
import { UnauthenticatedError } from '../../errors/domain-errors';
import { Metrics } from './metrics';

export const METRICS_PATH = '/metrics';

/** What GET /metrics answers, on either port. */
interface MetricsAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

@Injectable()
export class MetricsEndpoint implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Metrics');
  private server: Server | null = null;

  constructor(
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  /** The main port's route, with its own token. */
  private readonly onMainPort = async (request: FastifyRequest, reply: FastifyReply, metricsToken: string): Promise<void> => {
    if (!bearerMatches(request.headers.authorization, metricsToken)) {
      throw new UnauthenticatedError('GET /metrics needs the metrics token (METRICS_TOKEN) as a bearer token');
    }
    const { status, headers, body } = await this.answer();
    await reply.code(status).headers(headers).send(body);
  };

  async onApplicationBootstrap(): Promise<void> {
    const { metricsPort, metricsToken } = this.config.observability;
    if (metricsPort === undefined) {
      if (metricsToken === undefined)
        this.logger.log('GET /metrics is off: set METRICS_TOKEN (bearer) or METRICS_PORT (own port) to serve it');
      else this.serveOnMainPort(metricsToken);
      return;
    }
    this.server = createServer((request, response) => this.onOwnPort(request, response));
    await new Promise<void>((resolve, reject) => {
      this.server?.once('error', reject).listen(metricsPort, () => resolve());
    });
    this.logger.log(`GET /metrics on port ${metricsPort}${metricsToken === undefined ? '' : ' (bearer METRICS_TOKEN)'}`);
  }

  /**
   * GET /metrics on the main port when METRICS_TOKEN is set and METRICS_PORT is not. Added once
   * the app has set up its routes, so that a refusal goes through the app's error filter (a
   * Fastify route takes the error handler in place when it is added); the request hooks of
   * configureApp are already in place.
   */
  private serveOnMainPort(metricsToken: string): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance | undefined>();
    fastify?.get(METRICS_PATH, (request, reply) => this.onMainPort(request, reply, metricsToken));
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
      response
        .writeHead(401, { 'Content-Type': 'text/plain', 'WWW-Authenticate': 'Bearer' })
        .end('the metrics token is missing or wrong\n');
      return;
    }
    void this.answer().then(({ status, headers, body }) => response.writeHead(status, headers).end(body));
  }

  private async answer(): Promise<MetricsAnswer> {
    try {
      const { contentType, body } = await this.metrics.exposition();
      return { status: 200, headers: { 'Content-Type': contentType, 'Cache-Control': 'no-store' }, body };
    } catch (error) {
      this.logger.error(`metrics could not be collected: ${(error as Error).name}`);
      return { status: 500, headers: { 'Content-Type': 'text/plain' }, body: 'metrics could not be collected; see the log\n' };
    }
  }
}

/** Compares digests, so neither the length nor a prefix of the token leaks through timing. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const given = /^Bearer (.+)$/i.exec(header ?? '')?.[1] ?? '';
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(token));
}
