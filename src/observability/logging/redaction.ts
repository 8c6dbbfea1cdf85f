/**
 * What pino blanks out of any object logged, wherever a log call puts it. The engine's own log
 * lines are written to carry no personal data (messages name codes, routes and counts, and the
 * request line is built field by field), so these paths are the second line of defence: a future
 * `logger.warn({ event }, ...)` or `{ body }` still cannot put a person's words in the log.
 *
 * fast-redact paths: `*` stands for one level of keys, so each name is listed at the top level
 * and one and two levels down.
 */
export const REDACTED = '[redacted]';

/** Fields that hold a person's data or words, or a credential, in the engine's shapes. */
const PERSONAL_FIELDS = [
  // events and request bodies: the fact itself and the reason given
  'data',
  'body',
  'reason',
  'metadata',
  // free text and identifiers inside facts
  'personId',
  'summary',
  'personViews',
  'inTheirWords',
  'reasons',
  'grounds',
  'raisedBy',
  'onBehalfOf',
  // requests: credentials and the raw URL with its query string
  'authorization',
  'cookie',
  'query',
  'url',
];

export const REDACTED_PATHS: readonly string[] = PERSONAL_FIELDS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`]);
