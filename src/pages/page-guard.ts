import { CanActivate, ExecutionContext, Injectable, SetMetadata, applyDecorators, UseFilters, UseGuards } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply } from 'fastify';
import type { Actor, Role } from '../auth/actor';
import { Public } from '../auth/public.decorator';
import { PageErrorFilter } from './page-error.filter';
import { CsrfRefusedError, SignInRequiredError } from './page-errors';
import { csrfTokenMatches, type PageRequest } from './page-session';

const OPEN_TO_ANYONE = 'pages:open-to-anyone';
const SAFE_METHODS = new Set(['GET', 'HEAD']);

/**
 * The pages' own check, in place of the API's bearer token: the signed-in actor comes from the
 * session cookie (put there by a verified OIDC sign-in, or the development sign-in), and every
 * form post must carry the session's CSRF token. The actor is put where @CurrentActor() and the
 * access log's interceptor find it, so the pages are logged exactly as the API's reads are.
 */
@Injectable()
export class PageGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<PageRequest>();
    if (
      !SAFE_METHODS.has(request.method) &&
      !csrfTokenMatches(request.session, (request.body as Record<string, unknown> | undefined)?._csrf)
    ) {
      throw new CsrfRefusedError();
    }
    const actor = request.session?.actor;
    if (actor) {
      request.actor = actor;
      Object.assign(context.switchToHttp().getResponse<FastifyReply>().locals, {
        signedIn: actor,
        navigation: navigationFor(actor, request.url.split('?', 1)[0]),
      });
      return true;
    }
    const open = this.reflector.getAllAndOverride<boolean | undefined>(OPEN_TO_ANYONE, [context.getHandler(), context.getClass()]);
    if (open) return true;
    throw new SignInRequiredError(request.url);
  }
}

/** A page controller: no bearer token (the session instead), CSRF on forms, errors as pages. */
export const PageController = () => applyDecorators(Public(), UseGuards(PageGuard), UseFilters(PageErrorFilter));

/** A page anyone may see without signing in (the sign-in pages themselves). */
export const OpenToAnyone = () => SetMetadata(OPEN_TO_ANYONE, true);

const STAFF_AND_AUDITORS: readonly Role[] = ['case-worker', 'approver', 'senior-approver', 'auditor'];

/** The service navigation: what this role has pages for, the current one marked. */
export function navigationFor(actor: Actor, path: string): Array<{ href: string; text: string; active: boolean }> {
  const links = [{ href: '/app', text: 'Home' }];
  if (STAFF_AND_AUDITORS.includes(actor.role))
    links.push({ href: '/app/caseload', text: 'Caseload' }, { href: '/app/overdue', text: 'Overdue' });
  if (actor.role === 'auditor') links.push({ href: '/app/access-log', text: 'Access log' });
  links.push({ href: '/app/workflows/support-planning/1', text: 'How it works' });
  return links.map((link) => ({ ...link, active: path === link.href }));
}
