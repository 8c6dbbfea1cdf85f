/**
 * Helmet's security headers, worked out once at start-up and set on every answer.
 *
 * @fastify/helmet builds a new helmet middleware for every request (it parses the CSP directives
 * and re-spells every header name each time): 6% of the service's CPU on its cheapest route
 * (issue 16). The engine's helmet options are constants, with no per-request directive such as a
 * nonce, so the headers are the same for every answer; helmet itself still decides them (the
 * pattern asked for in helmetjs/helmet#430).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';

export type SecurityHeaders = Readonly<Record<string, string>>;

/**
 * The headers helmet sets for these options, by running it once against a response that only
 * records them. Refuses options whose headers would differ between requests.
 */
export function securityHeadersOf(options: Readonly<HelmetOptions>): SecurityHeaders {
  refusePerRequestDirectives(options);
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader: (name: string) => delete headers[name.toLowerCase()],
  };
  // A bad option throws here, at start-up (helmet 8.1 and later no longer pass it to `next`).
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, () => {});
  return Object.freeze(headers);
}

/** The headers on every answer, errors and pages included, as the first of the answer's headers. */
export function addSecurityHeaders(fastify: FastifyInstance, options: Readonly<HelmetOptions>): void {
  const headers = securityHeadersOf(options);
  fastify.addHook('onRequest', (_request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    reply.headers(headers);
    done();
  });
}

/** A directive given as a function (a nonce, say) is worked out per request: it cannot be computed once. */
function refusePerRequestDirectives(options: Readonly<HelmetOptions>): void {
  const policy = options.contentSecurityPolicy;
  const directives = typeof policy === 'object' ? (policy.directives ?? {}) : {};
  for (const [name, values] of Object.entries(directives)) {
    const list = values && typeof values === 'object' && Symbol.iterator in values ? [...values] : [];
    if (list.some((value) => typeof value === 'function')) {
      throw new Error(`security headers: the CSP directive ${name} is computed per request; it cannot be set once`);
    }
  }
}
