import { Global, Module } from '@nestjs/common';
import { AppConfig } from './app-config';
import { loadConfig } from './load-config';

/**
 * Provides AppConfig everywhere. A factory rather than `useValue: loadConfig(process.env)` so that
 * the environment is read when the app is built, not when this file is imported: e2e tests can
 * set variables first, and main.ts validates beforehand to print a clean message.
 */
@Global()
@Module({
  providers: [{ provide: AppConfig, useFactory: (): AppConfig => loadConfig(process.env) }],
  exports: [AppConfig],
})
export class ConfigModule {}
