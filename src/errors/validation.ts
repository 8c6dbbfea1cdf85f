import { ValidationError, ValidationPipe } from '@nestjs/common';
import { FieldIssue, InvalidInputError } from './domain-errors';

/**
 * The app's one ValidationPipe: unknown properties are refused rather than silently dropped (an
 * event is a fact; a field we do not know is a mistake worth telling the caller), bodies become DTO
 * instances, and every broken rule is reported with its path and class-validator's rule name.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    // Keep submitted values out of the errors: they may be personal data.
    validationError: { target: false, value: false },
    exceptionFactory: (errors: ValidationError[]) => new InvalidInputError(fieldIssues(errors)),
  });
}

/** Flattens class-validator's tree into `{ field: 'data.supports.0.costPence', rule, message }`. */
export function fieldIssues(errors: readonly ValidationError[], parentPath = ''): FieldIssue[] {
  return errors.flatMap((error) => {
    const field = joinPath(parentPath, error.property);
    const own = Object.entries(error.constraints ?? {}).map(([rule, message]) => ({
      field: field || '(body)',
      rule,
      message: withFullPath(message, error.property, field),
    }));
    return [...own, ...fieldIssues(error.children ?? [], field)];
  });
}

function joinPath(parent: string, property: string | undefined): string {
  if (property === undefined || property === '') return parent;
  return parent === '' ? property : `${parent}.${property}`;
}

/** class-validator names only the last segment ("costPence must be..."); say which one. */
function withFullPath(message: string, property: string | undefined, field: string): string {
  if (!property || field === property) return message;
  for (const prefix of ['', 'property ']) {
    if (message.startsWith(`${prefix}${property} `)) {
      return `${prefix}${field}${message.slice(prefix.length + property.length)}`;
    }
  }
  return message;
}
