/**
 * Errors only the pages raise. They never reach the API's filter: every page controller has
 * PageErrorFilter, which turns them into a redirect to sign in or a page that says what happened.
 */
import { HttpStatus } from '@nestjs/common';
import { DomainError } from '../errors/domain-errors';

/** No session: the visitor is sent to sign in, and back here afterwards. */
export class SignInRequiredError extends DomainError {
  readonly code = 'PAGES.SIGN_IN_REQUIRED';
  readonly status = HttpStatus.UNAUTHORIZED;

  constructor(readonly returnTo: string) {
    super('sign in to see this page');
  }
}

/** A form posted without this session's CSRF token: from another site, or an expired session. */
export class CsrfRefusedError extends DomainError {
  readonly code = 'PAGES.CSRF_REFUSED';
  readonly status = HttpStatus.FORBIDDEN;

  constructor() {
    super('the form was not sent from this service, or your session expired');
  }
}

/** The OIDC sign-in failed (state mismatch, refused code, a token without a role we know). */
export class SignInFailedError extends DomainError {
  readonly code = 'PAGES.SIGN_IN_FAILED';
  readonly status = HttpStatus.UNAUTHORIZED;
}

/** Not a failure: the page answers with a redirect (303) instead of a body, and nothing was shown. */
export class RedirectTo extends DomainError {
  readonly code = 'PAGES.REDIRECT';
  readonly status = HttpStatus.SEE_OTHER;

  constructor(readonly location: string) {
    super(`see ${location}`);
  }
}
