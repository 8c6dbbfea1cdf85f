import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { StoreUnavailableError, StreamConflictError } from '../event-store/event-store';
import { rememberFailure } from '../observability/http/request-failure';
import { fromRequestBodyError, isFastifyError } from './request-body-errors';
import { DomainError, FieldIssue, InvalidInputError, StoreCorruptError } from './domain-errors';

/** What the client is told: `{ statusCode, error: code, message, ...extra }` plus headers. */
export interface ErrorAnswer {
  status: number;
  code: string;
  message: string;
  extra: Record<string, unknown>;
  headers: Record<string, string>;
}

export const INTERNAL_ERROR_MESSAGE = 'internal error; it has been logged';

/**
 * The one mapping from errors to HTTP for the whole app. Everything thrown, by a controller, a
 * guard, a pipe, a Fastify hook or body parser, ends here. Server faults (5xx) are logged with
 * their stack and answered with a generic message, so no stack trace, SQL or path reaches a client.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpErrors');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const answer = toErrorAnswer(exception);
    const { httpAdapter } = this.adapterHost;
    const response: unknown = host.switchToHttp().getResponse();
    // For the request metrics: which rule refused a command, whether it was the rate limit.
    rememberFailure(host.switchToHttp().getRequest<object>(), exception);
    if (httpAdapter.isHeadersSent(response)) {
      // Too late to change the status: all that is left is to log and close.
      this.logFault(exception, answer);
      httpAdapter.end(response);
      return;
    }
    if (answer.status >= 500) this.logFault(exception, answer);
    for (const [name, value] of Object.entries(answer.headers)) {
      httpAdapter.setHeader(response, name, value);
    }
    httpAdapter.reply(response, errorBody(answer), answer.status);
  }

  private logFault(exception: unknown, answer: ErrorAnswer): void {
    const detail = exception instanceof Error ? (exception.stack ?? exception.message) : String(exception);
    this.logger.error(`${answer.status} ${answer.code}: ${detail}`);
  }
}

export function errorBody(answer: ErrorAnswer): Record<string, unknown> {
  return { statusCode: answer.status, error: answer.code, message: answer.message, ...answer.extra };
}

export function toErrorAnswer(exception: unknown): ErrorAnswer {
  if (exception instanceof DomainError) return fromDomainError(exception);
  if (exception instanceof StreamConflictError) return fromStreamConflict(exception);
  if (exception instanceof StoreUnavailableError && isCorruption(exception)) {
    return fromDomainError(new StoreCorruptError());
  }
  if (exception instanceof StoreUnavailableError) {
    // The adapter's message may name files or hosts: log it (as a 5xx), tell the client less.
    const message = 'the event store is unavailable; try again shortly';
    return answer(HttpStatus.SERVICE_UNAVAILABLE, exception.code, message, {}, { 'Retry-After': '5' });
  }
  const bodyError = fromRequestBodyError(exception);
  if (bodyError) return fromDomainError(bodyError);
  if (exception instanceof HttpException) return fromHttpException(exception);
  if (isFastifyError(exception)) return fromFastifyError(exception);
  return internalError();
}

/** SQLite found a damaged page (SQLITE_CORRUPT) or a file that is not a database (SQLITE_NOTADB): no retry will help. */
function isCorruption(error: StoreUnavailableError): boolean {
  const code = (error.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^SQLITE_(CORRUPT|NOTADB)/.test(code);
}

/** Another writer appended between our read and our append: the caller must re-read. */
function fromStreamConflict(error: StreamConflictError): ErrorAnswer {
  const message = 'the journey changed while this request was handled; read it again and retry';
  return answer(HttpStatus.PRECONDITION_FAILED, error.code, message, {
    expectedRevision: error.expected,
    actualRevision: error.actual,
  });
}

/** Each error declares its status, body fields and headers; this only puts them in an answer. */
function fromDomainError(error: DomainError): ErrorAnswer {
  return answer(error.status, error.code, error.message, error.answerFields(), error.answerHeaders());
}

/**
 * Nest's own exceptions (a route not found, a ParseUUIDPipe, a ValidationPipe built without our
 * factory). Their code is derived from the status, e.g. `HTTP.NOT_FOUND`. A 5xx keeps its status
 * but not its message, which may carry internals.
 */
function fromHttpException(exception: HttpException): ErrorAnswer {
  const status = exception.getStatus();
  if (status >= 500) return answer(status, `HTTP.${HttpStatus[status] ?? status}`, INTERNAL_ERROR_MESSAGE);
  const response = exception.getResponse();
  const message = typeof response === 'string' ? response : (response as { message?: unknown }).message;
  if (status === (HttpStatus.BAD_REQUEST as number) && Array.isArray(message)) {
    // The shape of a ValidationPipe's default exceptionFactory: one message per broken rule.
    return fromDomainError(new InvalidInputError(message.map((m) => fieldIssueFromMessage(String(m)))));
  }
  const text = typeof message === 'string' ? message : exception.message;
  return answer(status, `HTTP.${HttpStatus[status] ?? status}`, text);
}

/**
 * Fastify's own refusals that are not about the body (a URL with broken percent-encoding, a
 * method it does not route). Their messages quote the URL, which may identify a person: the
 * status is kept, the words are ours.
 */
function fromFastifyError(error: { code: string; statusCode?: number }): ErrorAnswer {
  const status = error.statusCode ?? HttpStatus.INTERNAL_SERVER_ERROR;
  if (status >= 500) return internalError();
  if (error.code === 'FST_ERR_BAD_URL')
    return answer(status, 'HTTP.BAD_REQUEST', 'the address is not valid: it has a broken percent-encoding');
  return answer(status, `HTTP.${HttpStatus[status] ?? status}`, `the request was refused (${error.code})`);
}

/**
 * Recovers field and rule from a default class-validator message ("data.x must be ..."). The rule
 * name is only known for unknown properties; others show as `invalid` (our ValidationPipe keeps
 * every rule name).
 */
function fieldIssueFromMessage(message: string): FieldIssue {
  const unknownProperty = /^property (\S+) should not exist$/.exec(message);
  if (unknownProperty) return { field: unknownProperty[1], rule: 'whitelistValidation', message };
  return { field: message.split(' ', 1)[0], rule: 'invalid', message };
}

function internalError(): ErrorAnswer {
  return answer(HttpStatus.INTERNAL_SERVER_ERROR, 'INTERNAL', INTERNAL_ERROR_MESSAGE);
}

function answer(
  status: number,
  code: string,
  message: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): ErrorAnswer {
  return { status, code, message, extra, headers };
}
