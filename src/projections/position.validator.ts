import { ValidateBy, buildMessage, type ValidationOptions } from 'class-validator';

/**
 * The largest global position any adapter hands out: KurrentDB's commit positions are unsigned
 * 64-bit (SQLite's rowids stop at 2^63 - 1). A larger number can never be reached, so waiting for
 * it could only end in a 503 "lagging" that no wait would cure: it is a 400 instead.
 */
export const MAX_POSITION = 2n ** 64n - 1n;

/** A global position as a write answered it: a decimal whole number from 0 to MAX_POSITION, no sign, exponent or point. */
export function isPosition(value: unknown): boolean {
  return typeof value === 'string' && /^\d{1,20}$/.test(value) && BigInt(value) <= MAX_POSITION;
}

/** Validates a query parameter that names a global position (`after`). */
export function IsPosition(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isPosition',
      validator: {
        validate: (value) => isPosition(value),
        defaultMessage: buildMessage(
          (prefix) => `${prefix}$property must be a position: a whole number from 0 to ${MAX_POSITION}`,
          options,
        ),
      },
    },
    options,
  );
}
