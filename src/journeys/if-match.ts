import { InvalidInputError } from '../errors';

/** The ETag of a journey is its revision, quoted: `"7"`. */
export function etagOf(revision: number): string {
  return `"${revision}"`;
}

/** Parse `If-Match: "7"` (a weak `W/"7"` or bare `7` is accepted too). Absent → undefined. */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const match = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(header);
  if (!match) {
    throw new InvalidInputError([
      { field: 'If-Match', rule: 'isRevisionEtag', message: 'If-Match must be a journey revision ETag such as "3"' },
    ]);
  }
  return Number(match[1]);
}

const KEY_PATTERN = /^[A-Za-z0-9._:-]{1,200}$/;

/** An Idempotency-Key is opaque to us, but bounded and printable. */
export function parseIdempotencyKey(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (!KEY_PATTERN.test(header)) {
    throw new InvalidInputError([
      {
        field: 'Idempotency-Key',
        rule: 'isIdempotencyKey',
        message: 'Idempotency-Key must be 1 to 200 letters, digits, dot, underscore, colon or hyphen',
      },
    ]);
  }
  return header;
}
