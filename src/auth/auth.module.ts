import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { AppConfig } from '../config/app-config';
import { AuthGuard } from './auth.guard';
import { TokenVerifier } from './token-verifier';
import { WhoAmIController } from './whoami.controller';
import { RateLimitGuard, rateLimitOptions } from './rate-limit.guard';

/**
 * Makes the token check global (APP_GUARD), so a new controller is protected without asking, and
 * after it the rate limits on writes and reads, which count per verified subject. Global guards run in the
 * order they are registered: the two stay in this order, in this one module.
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) =>
        rateLimitOptions({ writesPerMinute: config.rateLimitWritesPerMinute, readsPerMinute: config.rateLimitReadsPerMinute }),
    }),
  ],
  controllers: [WhoAmIController],
  providers: [
    { provide: TokenVerifier, inject: [AppConfig], useFactory: (config: AppConfig) => TokenVerifier.fromConfig(config) },
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_GUARD, useClass: RateLimitGuard },
  ],
  exports: [TokenVerifier],
})
export class AuthModule {}
