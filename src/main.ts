import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { DOCS_PATH, NEST_APP_OPTIONS, configureApp, httpAdapter } from './app-setup';
import { AppConfig } from './config/app-config';
import { ConfigError, authSecretFilePath, loadConfig } from './config/load-config';
import { StoreUnavailableError } from './event-store/event-store';

const logger = new Logger('Main');

async function bootstrap(): Promise<void> {
  // Validated here first so a bad variable is one clear message, not a stack from inside Nest.
  const config = loadConfig(process.env);
  // Lines logged while the app is built wait for configureApp to put the service's logger in place.
  const app = await NestFactory.create(AppModule, httpAdapter(), { ...NEST_APP_OPTIONS, abortOnError: false, bufferLogs: true });
  await configureApp(app);
  // Every interface, as Express listened by default (Fastify's default is localhost only).
  await app.listen(config.port, '0.0.0.0');
  announce(config);
}

function announce(config: AppConfig): void {
  const url = `http://localhost:${config.port}`;
  logger.log(`Support-planning engine listening on ${url} (event store: ${config.eventStore})`);
  logger.log(`API docs: ${url}/${DOCS_PATH}`);
  logger.log(
    `Pages: ${url}/app${config.oidc ? ` (sign-in through ${config.oidc.issuerUrl})` : ''}${config.devSignIn ? ' (development sign-in on)' : ''}`,
  );
  if (config.authJwksUrl !== undefined) {
    logger.log(`Tokens: RS256/ES256 from ${config.authJwksUrl} (issuer ${config.authIssuer}); HS256 refused`);
    return;
  }
  if (config.authSecretSource !== 'env') {
    logger.log(`AUTH_SECRET not set: using the development secret in ${authSecretFilePath(config.sqliteFile)}`);
  }
  logger.log('Get a token: npm run -s token -- --sub alice --role case-worker');
}

/** Errors with a message that says what to fix are shown alone; anything else with its stack. */
function explain(error: unknown): string {
  if (error instanceof ConfigError || error instanceof StoreUnavailableError) return error.message;
  if (isAddressInUse(error)) return `port is already in use (${error.message}); set PORT to another one`;
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

function isAddressInUse(error: unknown): error is Error {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
}

bootstrap().catch((error: unknown) => {
  logger.error(`Cannot start: ${explain(error)}`);
  // exit rather than exitCode: a half-started app (store open, port refused) keeps the loop alive.
  process.exit(1);
});
