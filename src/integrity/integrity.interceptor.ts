import { Injectable, UseInterceptors, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { mergeMap, type Observable } from 'rxjs';
import { INTEGRITY_HEADER, JourneyIntegrity, integrityHeaderValue, type IntegrityVerdict } from './journey-integrity';

/**
 * Puts the journey's integrity on a read of it: the `X-Journey-Integrity` header on every answer,
 * and `integrity` in a JSON body. Runs after the handler, so only a read that was allowed (access
 * checked, journey found) is checked, and before the answer leaves.
 */
@Injectable()
export class IntegrityInterceptor implements NestInterceptor {
  constructor(private readonly integrity: JourneyIntegrity) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest<{ Params: { id: string } }>>();
    const response = http.getResponse<FastifyReply>();
    return next.handle().pipe(
      mergeMap(async (answer: unknown) => {
        const verdict = await this.integrity.check(String(request.params.id).toLowerCase());
        response.header(INTEGRITY_HEADER, integrityHeaderValue(verdict));
        return withIntegrity(answer, verdict);
      }),
    );
  }
}

/** A JSON object answer gains `integrity`; a rendered document (HTML) carries the header alone. */
export function withIntegrity(answer: unknown, integrity: IntegrityVerdict): unknown {
  if (answer === null || typeof answer !== 'object' || Array.isArray(answer)) return answer;
  return { ...(answer as Record<string, unknown>), integrity };
}

/** On every route that reads one journey's data. */
export const ShowsIntegrity = () => UseInterceptors(IntegrityInterceptor);
