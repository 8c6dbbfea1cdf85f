import { DomainError, MalformedBodyError, PayloadTooLargeError, UnsupportedMediaTypeError } from './domain-errors';

/** The shape of the errors body-parser / raw-body pass to `next()` (http-errors with a `type`). */
interface BodyParserError {
  type: string;
  status: number;
  limit?: number;
}

export function isBodyParserError(error: unknown): error is BodyParserError {
  return (
    error instanceof Error &&
    typeof (error as Partial<BodyParserError>).type === 'string' &&
    typeof (error as Partial<BodyParserError>).status === 'number'
  );
}

/**
 * Translates a body-parser failure into our own error. Its own messages are not passed on: a JSON
 * SyntaxError quotes part of the body, and a body may hold personal data. Returns undefined for
 * failures that are the server's fault (they become a logged 500).
 */
export function fromBodyParserError(error: unknown): DomainError | undefined {
  if (isUndecodableBody(error)) {
    return new MalformedBodyError('request body is not valid data for its Content-Encoding (gzip, deflate or br)');
  }
  if (!isBodyParserError(error)) return undefined;
  switch (error.type) {
    case 'entity.parse.failed':
      return new MalformedBodyError('request body is not valid JSON');
    case 'request.aborted':
    case 'request.size.invalid':
      return new MalformedBodyError('request body ended before its declared length');
    case 'entity.too.large':
    case 'parameters.too.many':
      return new PayloadTooLargeError(error.limit === undefined ? undefined : formatBytes(error.limit));
    case 'charset.unsupported':
      return new UnsupportedMediaTypeError('request body must be JSON encoded as UTF-8');
    case 'encoding.unsupported':
      return new UnsupportedMediaTypeError('request body content encoding is not supported');
    default:
      return undefined;
  }
}

/**
 * A body whose Content-Encoding says gzip (or deflate, br) but whose bytes do not inflate: zlib's
 * error (code Z_DATA_ERROR, Z_BUF_ERROR...) reaches `next()` with a status of 400 and no `type`.
 */
function isUndecodableBody(error: unknown): boolean {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  // zlib names its codes Z_DATA_ERROR, Z_BUF_ERROR...; Node's brotli decoder ERR__ERROR_FORMAT_... and ERR_BROTLI_...
  return typeof code === 'string' && /^(Z_[A-Z_]+|ERR__[A-Z0-9_]+|ERR_BROTLI_[A-Z_]+|ERR_ZLIB_[A-Z_]+)$/.test(code);
}

/**
 * What the JSON parser middleware passed on, as our error: body-parser's own failures, and a
 * RangeError (a parser that ran out of stack on a body nested thousands deep), which is the
 * body's fault here. Only for errors from parsing: elsewhere a RangeError is a bug, and a 500.
 */
export function fromParsingError(error: unknown): DomainError | undefined {
  if (error instanceof RangeError) return new MalformedBodyError('request body nests too deeply to be parsed');
  return fromBodyParserError(error);
}

function formatBytes(bytes: number): string {
  return bytes % 1024 === 0 ? `${bytes / 1024}kb` : `${bytes} bytes`;
}
