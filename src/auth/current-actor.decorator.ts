import { ExecutionContext, createParamDecorator } from '@nestjs/common';
import { Actor } from './actor';
import { AuthenticatedRequest } from './authenticated-request';

/**
 * The Actor the guard verified for this request: `handle(@CurrentActor() actor: Actor)`.
 * Asking for it on a @Public() route is a programming error, hence a plain Error (a logged 500)
 * rather than a 401.
 */
export const CurrentActor = createParamDecorator((_data: unknown, context: ExecutionContext): Actor => {
  const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
  if (!request.actor) throw new Error('@CurrentActor() used on a route the auth guard did not check');
  return request.actor;
});
