/**
 * How a request's body is read, as Fastify hooks and content-type parsers registered by
 * configureApp: JSON for the API (256kb), URL-encoded forms for the pages (64kb), bodies in gzip,
 * deflate or br inflated first, and every parsed body checked for depth and for keys that name an
 * object's machinery before anything else reads it. Every refusal is a DomainError, answered by
 * the one error filter.
 */
import formBody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { Transform, type Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { MAX_JSON_DEPTH, exceedsDepth } from '../common/json-depth';
import {
  BodyTooDeepError,
  InvalidInputError,
  MalformedBodyError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  type DomainError,
} from '../errors/domain-errors';
import { forbiddenKeyPath } from '../errors/forbidden-keys';
import { formatBytes, fromJsonParseError } from '../errors/request-body-errors';
import { isPageRequest } from '../pages/pages-setup';

/** Largest JSON body accepted: a journey event is a few kilobytes; this leaves room, not a lot. */
export const JSON_BODY_LIMIT = 256 * 1024;
/** Largest form a page posts: a few fields of text. */
export const FORM_BODY_LIMIT = 64 * 1024;

const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/** The decoders of the Content-Encodings a body may arrive in; `identity` is the body as it is. */
const DECODERS: Record<string, () => Transform> = {
  gzip: createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
};

/** Call before any route is registered (Fastify fixes its parsers when it starts). */
export function readBodies(fastify: FastifyInstance): Promise<void> {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: JSON_BODY_LIMIT }, parseJson);
  fastify.addHook('onRequest', requireJsonBody);
  fastify.addHook('preParsing', decodeWithinLimit);
  fastify.addHook('preValidation', refuseUnsafeBodies);
  return Promise.resolve(fastify.register(formBody, { bodyLimit: FORM_BODY_LIMIT })).then(() => undefined);
}

function parseJson(_request: FastifyRequest, body: string | Buffer, done: (error: Error | null, body?: unknown) => void): void {
  // An empty body is an empty object, as it always was (body-parser's rule).
  if (body.length === 0) {
    done(null, {});
    return;
  }
  try {
    done(null, JSON.parse(body.toString()));
  } catch (error) {
    done(fromJsonParseError(error) ?? (error as Error));
  }
}

/** 415 for a write whose body is not JSON, before anything reads it. The pages' forms are the exception. */
export function requireJsonBody(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
  const { headers } = request;
  if (!isPageRequest(request.url) && METHODS_WITH_BODY.has(request.method) && hasBody(headers) && !isJson(headers['content-type'])) {
    done(new UnsupportedMediaTypeError());
    return;
  }
  if (hasBody(headers) && !isUtf8(headers['content-type'])) {
    done(new UnsupportedMediaTypeError('request body must be JSON encoded as UTF-8'));
    return;
  }
  done();
}

/**
 * The body as the parser will read it: inflated when its Content-Encoding says so (415 for an
 * encoding no decoder knows), and cut off with a 413 naming the limit as soon as it is larger
 * than the route allows, inflated or not.
 */
export function decodeWithinLimit(
  request: FastifyRequest,
  reply: FastifyReply,
  payload: Readable,
  done: (error: DomainError | null, payload?: Readable) => void,
): void {
  if (!hasBody(request.headers)) {
    done(null, payload);
    return;
  }
  const limit = isPageRequest(request.url) ? FORM_BODY_LIMIT : JSON_BODY_LIMIT;
  const tooLarge = () => {
    // The rest of the body is never read: the connection cannot carry another request.
    reply.header('Connection', 'close');
    return new PayloadTooLargeError(formatBytes(limit));
  };
  if (Number(request.headers['content-length']) > limit) {
    done(tooLarge());
    return;
  }
  const encoding = (request.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  const decoder = encoding === 'identity' ? undefined : DECODERS[encoding];
  if (encoding !== 'identity' && !decoder) {
    done(new UnsupportedMediaTypeError('request body content encoding is not supported'));
    return;
  }
  if (!decoder && request.headers['transfer-encoding'] === undefined) {
    // As sent, of a declared length already within the limit: the HTTP parser hands on exactly
    // that many bytes, so counting them again would only add a stream to every command.
    done(null, payload);
    return;
  }
  const counted = limitTo(limit, payload, tooLarge);
  if (!decoder) {
    done(null, payload.pipe(counted));
    return;
  }
  const inflate = decoder();
  // Bytes that are not in their encoding end the body: zlib's own error says nothing useful.
  inflate.on('error', () =>
    counted.destroy(new MalformedBodyError(`request body is not valid data for its Content-Encoding (${encoding})`)),
  );
  done(null, payload.pipe(inflate).pipe(counted));
}

/**
 * Passes bytes through until more than `limit` have come, then fails (tooLarge). It carries the
 * count of bytes read off the wire (`receivedEncodedLength`), which Fastify checks against
 * Content-Length when the body is inflated on the way.
 */
function limitTo(limit: number, source: Readable, tooLarge: () => Error): Transform & { receivedEncodedLength?: number } {
  let seen = 0;
  const counted: Transform & { receivedEncodedLength?: number } = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      callback(seen > limit ? tooLarge() : null, seen > limit ? undefined : chunk);
    },
  });
  counted.receivedEncodedLength = 0;
  source.on('data', (chunk: Buffer) => {
    counted.receivedEncodedLength = (counted.receivedEncodedLength ?? 0) + chunk.length;
  });
  source.on('error', (error) => counted.destroy(error));
  return counted;
}

/**
 * 400 for a body nested deeper than MAX_JSON_DEPTH, checked once right after parsing and without
 * recursion, so that nothing later (validation, transformation, hashing) walks it into a stack
 * overflow; then 400 for a key such as `__proto__`, which Nest's ValidationPipe would silently
 * delete (storing a fact other than the one sent), naming the path of the first one.
 */
export function refuseUnsafeBodies(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
  const { body } = request;
  if (body === undefined || body === null) {
    done();
    return;
  }
  if (exceedsDepth(body, MAX_JSON_DEPTH)) {
    done(new BodyTooDeepError(MAX_JSON_DEPTH));
    return;
  }
  const path = forbiddenKeyPath(body);
  done(
    path === null
      ? undefined
      : new InvalidInputError([{ field: path, rule: 'whitelistValidation', message: `property ${path} should not exist` }]),
  );
}

function hasBody(headers: FastifyRequest['headers']): boolean {
  const length = headers['content-length'];
  return headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function isJson(contentType: string | undefined): boolean {
  return contentType !== undefined && /^application\/json\s*(;|$)/i.test(contentType.trim());
}

/** No charset (JSON is UTF-8), or UTF-8 itself: the only encoding the parser reads. */
function isUtf8(contentType: string | undefined): boolean {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType ?? '')?.[1];
  return charset === undefined || /^utf-?8$/i.test(charset);
}
