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
  return (
    entries.length <= MAX_KEYS &&
    entries.every(([key, entry]) => key.length > 0 && key.length <= MAX_KEY_LENGTH && isValue(entry))
  );
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
