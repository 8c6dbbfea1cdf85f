/**
 * The pages' session: a signed cookie (cookie-session), httpOnly, SameSite=Lax, Secure over
 * https, holding only who signed in (subject, role, organisation), a CSRF token and, during
 * an OIDC sign-in, the state, nonce and PKCE verifier. Nothing about a journey is ever put in it.
 *
 * Lax rather than Strict: the identity provider sends the browser back to /app/auth/callback
 * with a cross-site top-level GET, and the sign-in's state must come back with it. Every form is
 * a POST checked against the CSRF token, so Lax costs no protection.
 */
import cookieSession from 'cookie-session';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Actor } from '../auth/actor';
import type { AppConfig } from '../config/app-config';

export const SESSION_COOKIE = 'spe_session';
/** A working day: long enough for a case worker's shift, short enough that a shared computer forgets. */
const SESSION_HOURS = 8;

/** What the cookie holds. */
export interface PageSession {
  actor?: Actor;
  csrfToken?: string;
  /** Where to go once signed in (a path under /app, checked before use). */
  returnTo?: string;
  /** An OIDC sign-in under way: what the callback must match. */
  oidc?: { state: string; nonce: string; codeVerifier: string };
}

/** The request as the page controllers see it. */
export type PageRequest = Request & { session: PageSession | null; actor?: Actor };

/**
 * `secure` is left to the request: the cookie is marked Secure whenever the request came over
 * https (directly, or through a proxy Express is told to trust). Forcing it would make the cookie
 * library refuse to set it at all on a request it sees as plain http.
 */
export function sessionMiddleware(config: Pick<AppConfig, 'sessionSecret'>): RequestHandler {
  return cookieSession({
    name: SESSION_COOKIE,
    keys: [config.sessionSecret],
    httpOnly: true,
    sameSite: 'lax',
    signed: true,
    maxAge: SESSION_HOURS * 3_600_000,
    path: '/app',
  });
}

/**
 * Gives every session a CSRF token (a random 32 bytes, kept for the session: the synchronizer
 * token pattern) and hands it to the templates, which put it in a hidden field of every form.
 */
export function provideCsrfToken(request: Request, response: Response, next: NextFunction): void {
  const session = (request as PageRequest).session as PageSession;
  session.csrfToken ??= randomBytes(32).toString('base64url');
  response.locals.csrfToken = session.csrfToken;
  next();
}

/** Compared in constant time, so the token cannot be guessed a character at a time. */
export function csrfTokenMatches(session: PageSession | null, given: unknown): boolean {
  const expected = session?.csrfToken;
  if (typeof expected !== 'string' || typeof given !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Only a path under /app: a `returnTo` taken from a URL must not send anyone to another site. */
export function safeReturnPath(candidate: unknown): string {
  if (typeof candidate !== 'string' || !/^\/app(\/[A-Za-z0-9/_\-?=&.%:]*)?$/.test(candidate) || candidate.startsWith('//')) return '/app';
  return candidate;
}
