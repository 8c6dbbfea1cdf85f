/**
 * Validators for the free-form records a fact may carry (a decision's choices, an allocation
 * tool's inputs): a plain object of bounded size whose values are scalars, so nothing nested or
 * unbounded slips into the record.
 */
import { ValidateBy, type ValidationOptions } from 'class-validator';

const MAX_KEYS = 50;
const MAX_KEY_LENGTH = 100;
const MAX_VALUE_LENGTH = 1_000;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isBoundedRecord(value: unknown, isValue: (entry: unknown) => boolean): boolean {
  if (!isPlainObject(value)) return false;
  const entries = Object.entries(value);
  return entries.length <= MAX_KEYS && entries.every(([key, entry]) => key.length > 0 && key.length <= MAX_KEY_LENGTH && isValue(entry));
}

function isShortString(entry: unknown): boolean {
  return typeof entry === 'string' && entry.length > 0 && entry.length <= MAX_VALUE_LENGTH;
}

function isScalar(entry: unknown): boolean {
  return isShortString(entry) || typeof entry === 'boolean' || (typeof entry === 'number' && Number.isFinite(entry));
}

/** `{ topic: choice }`, both non-empty strings. */
export function IsChoices(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isChoices',
      validator: {
        validate: (value: unknown) => isBoundedRecord(value, isShortString),
        defaultMessage: () => `$property must be an object of at most ${MAX_KEYS} topic: choice strings`,
      },
    },
    options,
  );
}

/** `{ name: string | number | boolean }`. */
export function IsFlatRecord(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isFlatRecord',
      validator: {
        validate: (value: unknown) => isBoundedRecord(value, isScalar),
        defaultMessage: () => `$property must be an object of at most ${MAX_KEYS} string, number or boolean values`,
      },
    },
    options,
  );
}

/** An ISO-8601 calendar date-time with seconds optional, fractions optional, and a zone (Z or ±hh:mm). */
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;
const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The date part names a real day (no 31 February), so `new Date` reads it as written. */
function isRealDay(year: string, month: string, day: string): boolean {
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  return date.getUTCFullYear() === Number(year) && date.getUTCMonth() === Number(month) - 1 && date.getUTCDate() === Number(day);
}

function isTimestamp(value: unknown): boolean {
  const match = typeof value === 'string' ? TIMESTAMP.exec(value) : null;
  return match !== null && isRealDay(match[1], match[2], match[3]) && Number.isFinite(Date.parse(value as string));
}

function isCalendarDate(value: unknown): boolean {
  const match = typeof value === 'string' ? CALENDAR_DATE.exec(value) : null;
  return match !== null && isRealDay(match[1], match[2], match[3]);
}

/**
 * A moment in time: `2026-01-05T09:00:00Z` or with an offset. Narrower than class-validator's
 * IsISO8601, which also takes week dates, ordinal dates and times with no zone: JavaScript cannot
 * read the first two, and the last would be read in the server's own zone.
 */
export function IsTimestamp(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isTimestamp',
      validator: {
        validate: isTimestamp,
        defaultMessage: () => '$property must be an ISO-8601 date-time with a zone, e.g. 2026-01-05T09:00:00Z',
      },
    },
    options,
  );
}

/** A calendar day (`2026-03-01`) or a moment in time, as IsTimestamp. */
export function IsDateOrTimestamp(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isDateOrTimestamp',
      validator: {
        validate: (value: unknown) => isCalendarDate(value) || isTimestamp(value),
        defaultMessage: () => '$property must be an ISO-8601 date (2026-03-01) or date-time with a zone',
      },
    },
    options,
  );
}
