import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const CORRELATION_HEADER = 'x-correlation-id';
/** What a caller's id may look like: a token, never free text that could carry personal data. */
const SAFE_CORRELATION_ID = /^[A-Za-z0-9._:-]{1,100}$/;

/**
 * The request's correlation id: the caller's X-Correlation-Id when it is a safe token, otherwise a
 * new UUID. Written back onto the request's headers, so that the log lines, the trace and the
 * events the request records (the journeys controller reads the same header) all carry one id.
 */
export function correlationIdOf(request: Pick<IncomingMessage, 'headers'>): string {
  const given = request.headers[CORRELATION_HEADER];
  if (typeof given === 'string' && SAFE_CORRELATION_ID.test(given)) return given;
  const generated = randomUUID();
  request.headers[CORRELATION_HEADER] = generated;
  return generated;
}
