export * from './domain-errors';
export { fromBodyParserError } from './body-parser-errors';
export { HttpErrorFilter, toErrorAnswer } from './http-error.filter';
export { createValidationPipe, fieldIssues } from './validation';
export { ErrorsModule } from './errors.module';
