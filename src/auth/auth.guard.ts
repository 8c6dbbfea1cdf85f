import { CanActivate, ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { UnauthenticatedError } from '../errors/domain-errors';
import { AuthenticatedRequest } from './authenticated-request';
import { IS_PUBLIC_KEY } from './public.decorator';
import { TokenVerifier } from './token-verifier';
import { bearerToken } from './tokens';

/**
 * Registered as APP_GUARD: every route needs a valid bearer token unless marked @Public().
 * The verified Actor is put on the request for @CurrentActor(). Refusals are logged with their
 * reason, the method and the path without its query; never the token.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly logger = new Logger('Auth');

  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: TokenVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http' || this.isPublic(context)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    try {
      const token = bearerToken(request.headers.authorization);
      request.actor = await this.verifier.verify(token);
      return true;
    } catch (error) {
      if (error instanceof UnauthenticatedError) {
        this.logger.warn(`refused ${request.method} ${pathOf(request.url)}: ${error.message}`);
      }
      throw error;
    }
  }

  private isPublic(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    return this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC_KEY, targets) === true;
  }
}

/** The query string may carry personal data (a search by name); keep it out of the log. */
function pathOf(url: string): string {
  return url.split('?', 1)[0];
}
