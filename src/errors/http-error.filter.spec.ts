import {
  ArgumentsHost,
  BadRequestException,
  HttpException,
  InternalServerErrorException,
  Logger,
  NotFoundException,
  ServiceUnavailableException,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { StoreUnavailableError, StreamConflictError } from '../event-store/event-store';
import {
  AccessEndedError,
  AccessLogUnavailableError,
  AuthKeysUnavailableError,
  BodyTooDeepError,
  DomainError,
  ForbiddenActionError,
  InvalidInputError,
  JourneyNotFoundError,
  JourneyUnreadableError,
  MalformedBodyError,
  PayloadTooLargeError,
  RateLimitedError,
  ReadModelLagError,
  ServiceBusyError,
  ServiceNotReadyError,
  StaleRevisionError,
  StoreCorruptError,
  TransitionRefusedError,
  UnauthenticatedError,
  UnsupportedMediaTypeError,
  WorkflowNotFoundError,
} from './domain-errors';
import { ErrorAnswer, HttpErrorFilter, INTERNAL_ERROR_MESSAGE, errorBody, toErrorAnswer } from './http-error.filter';

/** A failure as Fastify raises it: an Error with an `FST_ERR_...` code and a statusCode. */
function fastifyError(code: string, statusCode: number): Error {
  return Object.assign(new Error(`boom ${code}`), { code, statusCode });
}

function bodyOf(exception: unknown): Record<string, unknown> {
  return errorBody(toErrorAnswer(exception));
}

describe('toErrorAnswer: domain errors', () => {
  it('InvalidInputError → 400 with each field and rule', () => {
    const details = [
      { field: 'data.supports.0.costPence', rule: 'isInt', message: 'data.supports.0.costPence must be an integer number' },
      { field: 'reason', rule: 'isString', message: 'reason must be a string' },
    ];
    expect(bodyOf(new InvalidInputError(details))).toEqual({
      statusCode: 400,
      error: 'REQUEST.INVALID_INPUT',
      message: 'data.supports.0.costPence must be an integer number; reason must be a string',
      details,
    });
  });

  it('MalformedBodyError → 400', () => {
    expect(bodyOf(new MalformedBodyError('request body is not valid JSON'))).toEqual({
      statusCode: 400,
      error: 'REQUEST.MALFORMED_BODY',
      message: 'request body is not valid JSON',
    });
  });

  it('PayloadTooLargeError → 413 with the limit', () => {
    expect(bodyOf(new PayloadTooLargeError('256kb'))).toEqual({
      statusCode: 413,
      error: 'REQUEST.TOO_LARGE',
      message: 'request body is larger than 256kb',
      limit: '256kb',
    });
  });

  it('UnsupportedMediaTypeError → 415', () => {
    expect(toErrorAnswer(new UnsupportedMediaTypeError())).toMatchObject({
      status: 415,
      code: 'REQUEST.UNSUPPORTED_MEDIA_TYPE',
      message: 'request body must be application/json',
    });
  });

  it('UnauthenticatedError → 401 with the reason and a WWW-Authenticate challenge', () => {
    const answer = toErrorAnswer(new UnauthenticatedError('token has expired'));
    expect(errorBody(answer)).toEqual({ statusCode: 401, error: 'AUTH.UNAUTHENTICATED', message: 'token has expired' });
    expect(answer.headers).toEqual({ 'WWW-Authenticate': 'Bearer realm="support-planning-engine"' });
  });

  it('ForbiddenActionError → 403 naming the role and the action', () => {
    expect(bodyOf(new ForbiddenActionError('advocate', 'record PlanApproved'))).toEqual({
      statusCode: 403,
      error: 'AUTH.FORBIDDEN',
      message: 'role advocate may not record PlanApproved',
      role: 'advocate',
      action: 'record PlanApproved',
    });
  });

  it('AccessEndedError → 403 naming the journey', () => {
    const id = '6f1c2b8e-0d7a-4c1e-9d3e-5b0a1f2e3d4c';
    expect(bodyOf(new AccessEndedError(id))).toEqual({
      statusCode: 403,
      error: 'AUTH.ACCESS_ENDED',
      message: `your appointment to journey ${id} was withdrawn; you no longer have access to it`,
      journeyId: id,
    });
  });

  it('AuthKeysUnavailableError → 503 with Retry-After, not a 401 blaming the token', () => {
    const answer = toErrorAnswer(new AuthKeysUnavailableError());
    expect(answer).toMatchObject({ status: 503, code: 'AUTH.KEYS_UNAVAILABLE', headers: { 'Retry-After': '5' } });
  });

  it('RateLimitedError → 429 with the limit and Retry-After', () => {
    const answer = toErrorAnswer(new RateLimitedError(600, 12));
    expect(errorBody(answer)).toEqual({
      statusCode: 429,
      error: 'REQUEST.RATE_LIMITED',
      message: 'too many writes: at most 600 a minute per token; retry after 12 s',
      counts: 'writes',
      limitPerMinute: 600,
      retryAfterSeconds: 12,
    });
    expect(answer.headers).toEqual({ 'Retry-After': '12' });
  });

  it('JourneyNotFoundError → 404', () => {
    const id = '6f1c2b8e-0d7a-4c1e-9d3e-5b0a1f2e3d4c';
    expect(bodyOf(new JourneyNotFoundError(id))).toEqual({
      statusCode: 404,
      error: 'JOURNEY.NOT_FOUND',
      message: `journey ${id} not found`,
      journeyId: id,
    });
  });

  it('TransitionRefusedError → 409 with the state, the reason and the events allowed now', () => {
    const error = new TransitionRefusedError({
      event: 'PlanApproved',
      state: 'assessment',
      reason: 'no plan has been drafted',
      allowed: ['AssessmentCompleted'],
    });
    expect(bodyOf(error)).toEqual({
      statusCode: 409,
      error: 'JOURNEY.TRANSITION_REFUSED',
      message: 'PlanApproved is not allowed in state assessment: no plan has been drafted',
      event: 'PlanApproved',
      state: 'assessment',
      reason: 'no plan has been drafted',
      allowed: ['AssessmentCompleted'],
    });
  });

  it('StaleRevisionError → 412 with the expected and actual revisions', () => {
    expect(bodyOf(new StaleRevisionError(3, 5))).toEqual({
      statusCode: 412,
      error: 'JOURNEY.STALE_REVISION',
      message: 'journey is at revision 5, not 3',
      expectedRevision: 3,
      actualRevision: 5,
    });
  });

  it('ReadModelLagError → 503 with the lag and Retry-After', () => {
    const answer = toErrorAnswer(new ReadModelLagError('caseload', '42'));
    expect(errorBody(answer)).toMatchObject({ statusCode: 503, error: 'READ_MODEL.LAGGING', readModel: 'caseload', lag: '42' });
    expect(answer.headers['Retry-After']).toBe('1');
  });

  it('ServiceNotReadyError → 503 naming the checks that are down', () => {
    const checks = { process: { status: 'up' }, eventStore: { status: 'down', message: 'no answer' } };
    const answer = toErrorAnswer(new ServiceNotReadyError(checks));
    expect(errorBody(answer)).toEqual({
      statusCode: 503,
      error: 'SERVICE.NOT_READY',
      message: 'not ready: eventStore down',
      status: 'down',
      checks,
    });
    expect(answer.headers['Retry-After']).toBe('5');
  });

  it('JourneyUnreadableError → 422 naming the journey and where to look', () => {
    const id = '6f1c2b8e-0d7a-4c1e-9d3e-5b0a1f2e3d4c';
    const answer = toErrorAnswer(new JourneyUnreadableError(id, 'revision 3 is not JSON'));
    expect(errorBody(answer)).toEqual({
      statusCode: 422,
      error: 'AUDIT.JOURNEY_UNREADABLE',
      message: `journey ${id} cannot be shown: revision 3 is not JSON; GET /journeys/${id}/verify says where its record breaks`,
      journeyId: id,
    });
    expect(answer.headers).toEqual({});
  });

  it('AccessLogUnavailableError → 503 with Retry-After: a read not logged is not answered', () => {
    const answer = toErrorAnswer(new AccessLogUnavailableError());
    expect(answer).toMatchObject({ status: 503, code: 'AUDIT.ACCESS_LOG_UNAVAILABLE', extra: {}, headers: { 'Retry-After': '5' } });
  });

  it('a new error answers with the status and fields it declares: the filter needs no new branch', () => {
    class QuotaExhaustedError extends DomainError {
      readonly code = 'TEST.QUOTA_EXHAUSTED';
      readonly status = 507;
      override answerFields() {
        return { quota: 'disk' };
      }
    }
    expect(toErrorAnswer(new QuotaExhaustedError('out of quota'))).toEqual({
      status: 507,
      code: 'TEST.QUOTA_EXHAUSTED',
      message: 'out of quota',
      extra: { quota: 'disk' },
      headers: {},
    });
  });
});

describe('toErrorAnswer: store errors', () => {
  it('StreamConflictError → 412 without the stream name', () => {
    const body = bodyOf(new StreamConflictError('journey-abc', 2, 4));
    expect(body).toEqual({
      statusCode: 412,
      error: 'STORE.CONFLICT',
      message: 'the journey changed while this request was handled; read it again and retry',
      expectedRevision: 2,
      actualRevision: 4,
    });
  });

  it('StoreUnavailableError → 503 with a generic message and Retry-After', () => {
    const answer = toErrorAnswer(new StoreUnavailableError('SQLITE_FULL at /var/lib/spe/events.db'));
    expect(answer.status).toBe(503);
    expect(answer.code).toBe('STORE.UNAVAILABLE');
    expect(answer.message).not.toContain('/var/lib');
    expect(answer.headers['Retry-After']).toBe('5');
  });

  it('StoreUnavailableError caused by a damaged page → 503 STORE.CORRUPT, without Retry-After', () => {
    const cause = Object.assign(new Error('database disk image is malformed'), { code: 'SQLITE_CORRUPT' });
    const answer = toErrorAnswer(new StoreUnavailableError('event store unavailable while reading a stream', cause));
    expect([answer.status, answer.code, answer.headers['Retry-After']]).toEqual([503, 'STORE.CORRUPT', undefined]);
    expect(answer.message).toMatch(/damaged.*not a transient fault/);
  });

  it.each<[string, Error, number, string, Record<string, string>]>([
    ['BodyTooDeepError', new BodyTooDeepError(64), 400, 'REQUEST.TOO_DEEP', {}],
    ['WorkflowNotFoundError', new WorkflowNotFoundError('__proto__', 1), 404, 'WORKFLOW.NOT_FOUND', {}],
    ['ServiceBusyError', new ServiceBusyError('exports', 2), 503, 'SERVICE.BUSY', { 'Retry-After': '2' }],
    ['StoreCorruptError', new StoreCorruptError(), 503, 'STORE.CORRUPT', {}],
  ])('%s → %i %s', (_name, error, status, code, headers) => {
    const answer = toErrorAnswer(error);
    expect([answer.status, answer.code, answer.headers]).toEqual([status, code, headers]);
  });
});

describe('toErrorAnswer: errors reading the body and the URL', () => {
  it.each([
    ['FST_ERR_CTP_INVALID_CONTENT_LENGTH', 400, 400, 'REQUEST.MALFORMED_BODY'],
    ['FST_ERR_CTP_EMPTY_JSON_BODY', 400, 400, 'REQUEST.MALFORMED_BODY'],
    ['FST_ERR_CTP_INVALID_JSON_BODY', 400, 400, 'REQUEST.MALFORMED_BODY'],
    ['FST_ERR_CTP_BODY_TOO_LARGE', 413, 413, 'REQUEST.TOO_LARGE'],
    ['FST_ERR_CTP_INVALID_MEDIA_TYPE', 415, 415, 'REQUEST.UNSUPPORTED_MEDIA_TYPE'],
    ['FST_ERR_BAD_URL', 400, 400, 'HTTP.BAD_REQUEST'],
    ['FST_ERR_ROUTE_METHOD_NOT_SUPPORTED', 405, 405, 'HTTP.METHOD_NOT_ALLOWED'],
    ['FST_ERR_REP_INVALID_PAYLOAD_TYPE', 500, 500, 'INTERNAL'],
  ])('%s (%i) → %i %s, never quoting the framework', (code, raw, status, answerCode) => {
    const answer = toErrorAnswer(fastifyError(code, raw));
    expect(answer).toMatchObject({ status, code: answerCode });
    expect(answer.message).not.toContain('boom');
  });

  it('an Error with some other code is a 500, not a body error', () => {
    expect(toErrorAnswer(Object.assign(new Error('boom'), { code: 'ECONNRESET' }))).toMatchObject({ status: 500, code: 'INTERNAL' });
  });
});

describe('toErrorAnswer: Nest HttpExceptions', () => {
  it('a route not found → 404 HTTP.NOT_FOUND with its message', () => {
    expect(bodyOf(new NotFoundException('Cannot GET /nowhere'))).toEqual({
      statusCode: 404,
      error: 'HTTP.NOT_FOUND',
      message: 'Cannot GET /nowhere',
    });
  });

  it('a default ValidationPipe error → 400 with details naming each field', () => {
    const exception = new BadRequestException(['data.costPence must be an integer number', 'property extra should not exist']);
    expect(bodyOf(exception)).toEqual({
      statusCode: 400,
      error: 'REQUEST.INVALID_INPUT',
      message: 'data.costPence must be an integer number; property extra should not exist',
      details: [
        { field: 'data.costPence', rule: 'invalid', message: 'data.costPence must be an integer number' },
        { field: 'extra', rule: 'whitelistValidation', message: 'property extra should not exist' },
      ],
    });
  });

  it('a plain BadRequestException → 400 with its message', () => {
    expect(bodyOf(new BadRequestException('Validation failed (uuid is expected)'))).toEqual({
      statusCode: 400,
      error: 'HTTP.BAD_REQUEST',
      message: 'Validation failed (uuid is expected)',
    });
  });

  it('an HttpException with a string response keeps it', () => {
    expect(bodyOf(new HttpException('slow down', 429))).toEqual({
      statusCode: 429,
      error: 'HTTP.TOO_MANY_REQUESTS',
      message: 'slow down',
    });
  });

  it('a 5xx HttpException keeps its status but not its message', () => {
    expect(bodyOf(new InternalServerErrorException('SELECT * FROM events failed'))).toEqual({
      statusCode: 500,
      error: 'HTTP.INTERNAL_SERVER_ERROR',
      message: INTERNAL_ERROR_MESSAGE,
    });
    expect(toErrorAnswer(new ServiceUnavailableException('db at 10.0.0.3 down')).message).toBe(INTERNAL_ERROR_MESSAGE);
  });
});

describe('toErrorAnswer: anything else', () => {
  it.each([
    ['an Error', new Error('SQLITE_CONSTRAINT: UNIQUE constraint failed: events.id')],
    ['a TypeError', new TypeError("Cannot read properties of undefined (reading 'x')")],
    ['a string', 'oops'],
    ['undefined', undefined],
  ])('%s → 500 with a generic message', (_label, thrown) => {
    expect(bodyOf(thrown)).toEqual({ statusCode: 500, error: 'INTERNAL', message: INTERNAL_ERROR_MESSAGE });
  });
});

describe('HttpErrorFilter', () => {
  interface Sent {
    status?: number;
    body?: unknown;
    headers: Record<string, string>;
    ended: boolean;
  }

  function run(exception: unknown, headersSent = false): Sent {
    const sent: Sent = { headers: {}, ended: false };
    const response = {};
    const httpAdapter = {
      isHeadersSent: (res: unknown) => res === response && headersSent,
      setHeader: (_res: unknown, name: string, value: string) => {
        sent.headers[name] = value;
      },
      reply: (_res: unknown, body: unknown, status: number) => {
        sent.status = status;
        sent.body = body;
      },
      end: () => {
        sent.ended = true;
      },
    };
    const host = { switchToHttp: () => ({ getResponse: () => response, getRequest: () => ({}) }) } as unknown as ArgumentsHost;
    new HttpErrorFilter({ httpAdapter } as unknown as HttpAdapterHost).catch(exception, host);
    return sent;
  }

  let logged: jest.SpyInstance;
  beforeEach(() => {
    logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => logged.mockRestore());

  it('replies with the status, the body and the headers of the answer', () => {
    const sent = run(new UnauthenticatedError('missing bearer token'));
    const expected: ErrorAnswer = toErrorAnswer(new UnauthenticatedError('missing bearer token'));
    expect(sent).toEqual({ status: 401, body: errorBody(expected), headers: expected.headers, ended: false });
    expect(logged).not.toHaveBeenCalled();
  });

  it('logs an unknown error with its stack, and keeps both out of the body', () => {
    const sent = run(new Error('SQLITE_IOERR: disk I/O error'));
    expect(sent.status).toBe(500);
    expect(JSON.stringify(sent.body)).not.toMatch(/SQLITE|at /);
    expect(logged).toHaveBeenCalledTimes(1);
    expect(String(logged.mock.calls[0][0])).toContain('SQLITE_IOERR: disk I/O error');
  });

  it('only logs and closes a response that has already started', () => {
    const sent = run(new JourneyNotFoundError('x'), true);
    expect(sent).toEqual({ headers: {}, ended: true });
    expect(logged).toHaveBeenCalledTimes(1);
  });
});
