import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail, type ThrottlerModuleOptions } from '@nestjs/throttler';
import { FixedWindowThrottlerStorage } from './fixed-window-storage';
import { RateLimitedError } from '../errors/domain-errors';
import { AuthenticatedRequest } from './authenticated-request';

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
export const WRITES_THROTTLER = 'writes';
const MINUTE_MS = 60_000;

/** The throttler settings: one budget of writes per minute (RATE_LIMIT_WRITES_PER_MINUTE), counted in fixed windows. */
export function writeThrottlerOptions(writesPerMinute: number): ThrottlerModuleOptions {
  // Headers are left to the error filter (Retry-After on the 429), so no X-RateLimit-* on every answer.
  return {
    throttlers: [{ name: WRITES_THROTTLER, ttl: MINUTE_MS, limit: writesPerMinute }],
    setHeaders: false,
    storage: new FixedWindowThrottlerStorage(),
  };
}

/**
 * Limits writes per token subject: a runaway client loop, or a stolen token, cannot flood the
 * store. Reads are not limited here (they change nothing and are cheap to serve from a replay).
 *
 * Keyed by the verified subject, not the IP: case-worker tools are servers behind one address,
 * and a subject keeps one budget across every write route. It runs after AuthGuard (registered
 * after it in AuthModule), so the actor is known; a request without one is a public route and is
 * not a write this limit is for. The count is per instance (in memory), as a guard against
 * accidents rather than a quota.
 */
@Injectable()
export class WriteRateLimitGuard extends ThrottlerGuard {
  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    return !WRITE_METHODS.has(request.method) || request.actor === undefined;
  }

  protected override async getTracker(request: Record<string, unknown>): Promise<string> {
    return (request as unknown as AuthenticatedRequest).actor?.id ?? '';
  }

  /** One key per subject (not per route, as the default would): one budget for all writes. */
  protected override generateKey(_context: ExecutionContext, tracker: string, throttlerName: string): string {
    return `${throttlerName}:${tracker}`;
  }

  protected override async throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    throw new RateLimitedError(detail.limit, Math.max(1, Math.ceil(detail.timeToBlockExpire)));
  }
}
