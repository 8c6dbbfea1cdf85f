import { DomainError, MalformedBodyError, PayloadTooLargeError, UnsupportedMediaTypeError } from './domain-errors';

/** The errors Fastify raises itself (content-type parsing, URLs): an `FST_ERR_...` code and a 4xx/5xx statusCode. */
interface FastifyError {
  code: string;
  statusCode?: number;
}

export function isFastifyError(error: unknown): error is FastifyError {
  const code = (error as Partial<FastifyError> | null)?.code;
  return typeof code === 'string' && code.startsWith('FST_');
}

/**
 * Translates a failure to read the request's body into our own error. The framework's own
 * messages are not passed on: a JSON SyntaxError quotes part of the body, and a body may hold
 * personal data. Returns undefined for failures that are not the body's fault.
 */
export function fromRequestBodyError(error: unknown): DomainError | undefined {
  if (!isFastifyError(error)) return undefined;
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new MalformedBodyError('request body ended before its declared length');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new MalformedBodyError('request body is not valid JSON');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new PayloadTooLargeError();
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new UnsupportedMediaTypeError();
    default:
      return undefined;
  }
}

/**
 * What JSON.parse threw, as our error: a SyntaxError (never quoted: it quotes the body), and a
 * RangeError (a body nested so deep the parser ran out of stack), which is the body's fault here.
 * Only for errors from parsing: elsewhere a RangeError is a bug, and a 500.
 */
export function fromJsonParseError(error: unknown): DomainError | undefined {
  if (error instanceof RangeError) return new MalformedBodyError('request body nests too deeply to be parsed');
  if (error instanceof SyntaxError) return new MalformedBodyError('request body is not valid JSON');
  return undefined;
}

export function formatBytes(bytes: number): string {
  return bytes % 1024 === 0 ? `${bytes / 1024}kb` : `${bytes} bytes`;
}
