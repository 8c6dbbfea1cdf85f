import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail, type ThrottlerModuleOptions } from '@nestjs/throttler';
import { FixedWindowThrottlerStorage } from './fixed-window-storage';
import { RateLimitedError } from '../errors/domain-errors';
import { AuthenticatedRequest } from './authenticated-request';

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const READ_METHODS = new Set(['GET', 'HEAD']);
export const WRITES_THROTTLER = 'writes';
export const READS_THROTTLER = 'reads';
const MINUTE_MS = 60_000;

export interface RateLimits {
  writesPerMinute: number;
  readsPerMinute: number;
}

/**
 * The throttler settings: one budget of writes and one of reads per minute
 * (RATE_LIMIT_WRITES_PER_MINUTE, RATE_LIMIT_READS_PER_MINUTE), counted in fixed windows. Each
 * budget skips the other kind of request, so a burst of reads never spends the write budget.
 */
export function rateLimitOptions(limits: RateLimits): ThrottlerModuleOptions {
  // Headers are left to the error filter (Retry-After on the 429), so no X-RateLimit-* on every answer.
  return {
    throttlers: [
      { name: WRITES_THROTTLER, ttl: MINUTE_MS, limit: limits.writesPerMinute, skipIf: (context) => !isMethodOf(context, WRITE_METHODS) },
      { name: READS_THROTTLER, ttl: MINUTE_MS, limit: limits.readsPerMinute, skipIf: (context) => !isMethodOf(context, READ_METHODS) },
    ],
    setHeaders: false,
    storage: new FixedWindowThrottlerStorage(),
  };
}

function isMethodOf(context: ExecutionContext, methods: ReadonlySet<string>): boolean {
  return context.getType() === 'http' && methods.has(context.switchToHttp().getRequest<AuthenticatedRequest>().method);
}

/**
 * Limits writes and reads per token subject: a runaway client loop, or a stolen token, can
 * neither flood the store nor keep the service busy replaying journeys for everyone else.
 *
 * Keyed by the verified subject, not the IP: case-worker tools are servers behind one address,
 * and a subject keeps one budget of each kind across every route. It runs after AuthGuard
 * (registered after it in AuthModule), so the actor is known; a request without one is a public
 * route (/health, /docs) and is not limited. The count is per instance (in memory), as a guard
 * against accidents rather than a quota.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    return context.switchToHttp().getRequest<AuthenticatedRequest>().actor === undefined;
  }

  protected override async getTracker(request: Record<string, unknown>): Promise<string> {
    return (request as unknown as AuthenticatedRequest).actor?.id ?? '';
  }

  /** One key per subject and kind (not per route, as the default would): one budget for all writes, one for all reads. */
  protected override generateKey(_context: ExecutionContext, tracker: string, throttlerName: string): string {
    return `${throttlerName}:${tracker}`;
  }

  protected override async throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const kind = detail.key.startsWith(`${READS_THROTTLER}:`) ? 'reads' : 'writes';
    throw new RateLimitedError(detail.limit, Math.max(1, Math.ceil(detail.timeToBlockExpire)), kind);
  }
}
