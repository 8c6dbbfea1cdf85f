/**
 * The decorators the environment class is written with (environment-variables.ts) and the one
 * function that reads an environment through it. Each rule is one named class-validator
 * constraint whose message is the whole rule, so that a bad variable reads as
 * `PORT must be a whole number from 1 to 65535 (got "abc")`.
 *
 * Conventions: a rule lets an unset variable pass (whether a variable is needed is a rule of its
 * own: RequiredWhen, OnlyWhen), and a message quotes the value as it was given, never the value
 * converted from it, and never a secret's.
 */
import { applyDecorators } from '@nestjs/common';
import { Expose, Transform, plainToInstance, type ClassConstructor } from 'class-transformer';
import { ValidateBy, validateSync, type ValidationArguments, type ValidationError } from 'class-validator';

export type Env = Readonly<Record<string, string | undefined>>;

/** One bad variable: its name and the rule it breaks (with the offending value when not secret). */
export interface ConfigIssue {
  variable: string;
  rule: string;
  /** The name of the class-validator constraint broken, when it is one of environment-variables.ts. */
  constraint?: string;
}

/** The environment each validated instance was read from, so that a message can quote what was typed. */
const given = new WeakMap<object, Env>();

/**
 * Reads `env` into an instance of `Variables`: every property marked Variable or SecretVariable
 * is read, converted, defaulted (the property's initial value) and checked. Returns the instance
 * and every broken rule, in the order the properties are declared, the first rule broken for each.
 */
export function readEnvironment<T extends object>(Variables: ClassConstructor<T>, env: Env): { variables: T; issues: ConfigIssue[] } {
  // Only the variables the class names are read; an unset one keeps the property's default.
  const variables = plainToInstance(Variables, env, { excludeExtraneousValues: true, exposeUnsetFields: false });
  given.set(variables, env);
  const errors = validateSync(variables, { stopAtFirstError: true, validationError: { target: false, value: false } });
  return { variables, issues: errors.flatMap(issuesOf) };
}

function issuesOf(error: ValidationError): ConfigIssue[] {
  return Object.entries(error.constraints ?? {}).map(([constraint, rule]) => ({ variable: error.property, rule, constraint }));
}

/** Empty strings count as unset: compose files and CI often pass `VAR=` for "not configured". */
function trimmedOrUnset(raw: unknown): string | undefined {
  const text = typeof raw === 'string' ? raw.trim() : undefined;
  return text === '' ? undefined : text;
}

/**
 * An environment variable, read trimmed (empty as unset) and then, when set, converted by
 * `convert`. A value that does not convert should come out as something the property's rule
 * refuses (NaN, the text itself): the rule then says what was wrong.
 */
export function Variable(convert?: (raw: string) => unknown): PropertyDecorator {
  return applyDecorators(
    Expose(),
    Transform(({ value }: { value: unknown }) => {
      const raw = trimmedOrUnset(value);
      return raw === undefined || convert === undefined ? raw : convert(raw);
    }),
  );
}

/** A secret: taken exactly as given (a space may be part of it), empty as unset. */
export function SecretVariable(): PropertyDecorator {
  return applyDecorators(
    Expose(),
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' && value !== '' ? value : undefined)),
  );
}

/** Quotes a non-secret value for a message, cut short so a pasted blob cannot flood the log. */
export function shown(raw: string): string {
  return JSON.stringify(raw.length > 60 ? `${raw.slice(0, 60)}…` : raw);
}

/** `(got "<the variable as given>")`. */
function got(args: ValidationArguments): string {
  const raw = trimmedOrUnset(given.get(args.object)?.[args.property]) ?? String(args.value);
  return `(got ${shown(raw)})`;
}

type Check<V> = (value: never, variables: V) => boolean;

/**
 * A rule over one variable's value (set), which may look at the others (`variables`, already
 * converted). `says` is the rule as the message states it; `quote` adds the value as given.
 */
export function rule<V>(
  name: string,
  holds: Check<V>,
  says: string | ((value: never, variables: V) => string),
  quote: 'quote' | 'no-quote',
): PropertyDecorator {
  return ValidateBy({
    name,
    validator: {
      validate: (value: unknown, args?: ValidationArguments) => value === undefined || holds(value as never, args?.object as V),
      defaultMessage: (args?: ValidationArguments) => {
        const text = typeof says === 'string' ? says : says(args?.value as never, args?.object as V);
        return quote === 'quote' && args !== undefined ? `${text} ${got(args)}` : text;
      },
    },
  });
}

/** The variable must be set when `needed` says so (EVENT_STORE=postgres needs POSTGRES_URL). */
export function RequiredWhen<V>(needed: (variables: V) => boolean, says: string): PropertyDecorator {
  return ValidateBy({
    name: 'requiredWhen',
    validator: {
      validate: (value: unknown, args?: ValidationArguments) => value !== undefined || !needed(args?.object as V),
      defaultMessage: () => says,
    },
  });
}

/** The variable may be set only when `allowed` says so: a value that would be silently ignored is refused. */
export function OnlyWhen<V>(allowed: (variables: V) => boolean, says: string): PropertyDecorator {
  return rule<V>('onlyWhen', (_value, variables) => allowed(variables), says, 'no-quote');
}

export function IsOneOf(allowed: readonly string[]): PropertyDecorator {
  return rule('isOneOf', (value: unknown) => allowed.includes(value as string), `must be one of ${allowed.join(', ')}`, 'quote');
}

/** Digits only (no sign, point or exponent) to a number; anything else to NaN, which no range holds. */
export function wholeNumber(raw: string): number {
  const number = /^\d+$/.test(raw) ? Number(raw) : NaN;
  return Number.isSafeInteger(number) ? number : NaN;
}

export function IsWholeNumber(min: number, max: number): PropertyDecorator {
  return rule('isWholeNumber', (value: number) => value >= min && value <= max, `must be a whole number from ${min} to ${max}`, 'quote');
}

/** At least `min` characters; a secret's length is told, never the secret. */
export function HasLength(min: number): PropertyDecorator {
  return rule(
    'hasLength',
    (value: string) => value.length >= min,
    (value: string) => `must be at least ${min} characters long (got ${value.length})`,
    'no-quote',
  );
}

/** Starts with one of `schemes`. Connection strings carry passwords, so the value is not quoted back. */
export function HasScheme(schemes: readonly string[]): PropertyDecorator {
  return rule(
    'hasScheme',
    (value: string) => schemes.some((scheme) => value.startsWith(scheme)),
    `must start with one of ${schemes.join(', ')}`,
    'no-quote',
  );
}

export function Matches(pattern: RegExp, says: string, quote: 'quote' | 'no-quote'): PropertyDecorator {
  return rule('matches', (value: string) => pattern.test(value), says, quote);
}

export function parsedUrl(raw: string): URL | undefined {
  try {
    return new URL(raw);
  } catch {
    return undefined;
  }
}

/** An http:// or https:// URL. */
export function isWebUrl(raw: string): boolean {
  const protocol = parsedUrl(raw)?.protocol;
  return protocol === 'http:' || protocol === 'https:';
}
