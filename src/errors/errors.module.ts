import { Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { HttpErrorFilter } from './http-error.filter';
import { createValidationPipe } from './validation';

/**
 * Registers the exception filter and the validation pipe as APP_* providers, so that an app built
 * from AppModule (main.ts or an e2e test) always has them.
 */
@Module({
  providers: [
    { provide: APP_FILTER, useClass: HttpErrorFilter },
    { provide: APP_PIPE, useFactory: createValidationPipe },
  ],
})
export class ErrorsModule {}
