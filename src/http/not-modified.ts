/**
 * `304 Not Modified` for a GET or HEAD whose If-None-Match names the ETag the answer carries (a
 * journey's ETag is its revision): a client that holds the current revision is not sent it
 * again. The same rule as Express's `req.fresh`, which the service relied on before Fastify.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

const CONDITIONAL_METHODS = new Set(['GET', 'HEAD']);

/** An onSend hook: the answer as it is, or an empty 304 when the client's copy is current. */
export function answerNotModified(
  request: FastifyRequest,
  reply: FastifyReply,
  payload: unknown,
  done: (error: null, payload: unknown) => void,
): void {
  if (!isNotModified(request, reply)) {
    done(null, payload);
    return;
  }
  reply.code(304).removeHeader('Content-Type').removeHeader('Content-Length');
  done(null, '');
}

function isNotModified(request: FastifyRequest, reply: FastifyReply): boolean {
  const given = request.headers['if-none-match'];
  const etag = reply.getHeader('etag');
  if (!CONDITIONAL_METHODS.has(request.method) || given === undefined || typeof etag !== 'string') return false;
  if (reply.statusCode < 200 || reply.statusCode >= 300 || /(?:^|,)\s*no-cache\s*(?:,|$)/.test(request.headers['cache-control'] ?? ''))
    return false;
  return matchesAny(given, etag);
}

/** If-None-Match is `*` or a list of ETags, compared weakly (a `W/` prefix is ignored on either side). */
export function matchesAny(ifNoneMatch: string, etag: string): boolean {
  if (ifNoneMatch.trim() === '*') return true;
  const weak = (tag: string) => tag.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((tag) => weak(tag) === weak(etag));
}
