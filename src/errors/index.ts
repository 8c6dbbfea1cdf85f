export * from './domain-errors';
export { fromRequestBodyError } from './request-body-errors';
export { HttpErrorFilter, toErrorAnswer } from './http-error.filter';
export { createValidationPipe, fieldIssues } from './validation';
export { ErrorsModule } from './errors.module';
