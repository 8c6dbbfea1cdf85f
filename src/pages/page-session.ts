/**
 * The pages' session: a signed cookie (@fastify/cookie), httpOnly, SameSite=Lax, Secure over
 * https, holding only who signed in (subject, role, organisation), a CSRF token and, during
 * an OIDC sign-in, the state, nonce and PKCE verifier. Nothing about a journey is ever put in it.
 *
 * Lax rather than Strict: the identity provider sends the browser back to /app/auth/callback
 * with a cross-site top-level GET, and the sign-in's state must come back with it. Every form is
 * a POST checked against the CSRF token, so Lax costs no protection.
 */
// For its types: `reply.view()` and `reply.locals`, which the view plugin (registered in pages-setup) adds.
import type {} from '@fastify/view';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Actor } from '../auth/actor';

declare module 'fastify' {
  interface FastifyReply {
    /** What every template of this request sees (the view plugin sets it to {} per request). */
    locals: Record<string, unknown>;
  }
}

export const SESSION_COOKIE = 'spe_session';
/** A working day: long enough for a case worker's shift, short enough that a shared computer forgets. */
const SESSION_HOURS = 8;
const COOKIE_PATH = '/app';

/** What the cookie holds. */
export interface PageSession {
  actor?: Actor;
  csrfToken?: string;
  /** Where to go once signed in (a path under /app, checked before use). */
  returnTo?: string;
  /** An OIDC sign-in under way: what the callback must match. */
  oidc?: { state: string; nonce: string; codeVerifier: string };
}

/** The request as the page controllers see it: `session = null` signs out (the cookie is cleared). */
export type PageRequest = FastifyRequest & { session: PageSession | null; actor?: Actor };

/** The session as the cookie held it, to tell on the way out whether it changed. */
const sessionsRead = new WeakMap<FastifyRequest, string>();

/**
 * Reads the session from its cookie (signed by @fastify/cookie with SESSION_SECRET; a cookie
 * whose signature does not match is no session at all) and gives it a CSRF token if it has none.
 */
export function loadSession(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
  const pageRequest = request as PageRequest;
  const read = readCookie(request);
  sessionsRead.set(request, read ?? '');
  pageRequest.session = read === undefined ? {} : (parseSession(read) ?? {});
  provideCsrfToken(pageRequest, reply);
  done();
}

/**
 * Writes the session back when it changed: a new signed cookie, httpOnly, SameSite=Lax, for /app
 * only, lasting SESSION_HOURS from now; or the cookie cleared when the session was set to null.
 * Secure whenever people reach the pages over https: PUBLIC_URL is https (the service behind a
 * TLS-terminating proxy sees plain http on its own hop), or the request itself came over https.
 */
export function sessionSaver(publicUrl: string) {
  const publicOverHttps = publicUrl.startsWith('https://');
  return (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (error: null, payload: unknown) => void): void =>
    saveSession(request, reply, publicOverHttps || request.protocol === 'https', payload, done);
}

function saveSession(
  request: FastifyRequest,
  reply: FastifyReply,
  secure: boolean,
  payload: unknown,
  done: (error: null, payload: unknown) => void,
): void {
  const previous = sessionsRead.get(request);
  if (previous === undefined) {
    done(null, payload);
    return;
  }
  const session = (request as PageRequest).session;
  if (session === null) {
    if (previous !== '') reply.clearCookie(SESSION_COOKIE, { path: COOKIE_PATH });
  } else {
    const value = Buffer.from(JSON.stringify(session)).toString('base64url');
    if (value !== previous) {
      reply.setCookie(SESSION_COOKIE, value, {
        signed: true,
        httpOnly: true,
        sameSite: 'lax',
        secure,
        path: COOKIE_PATH,
        maxAge: SESSION_HOURS * 3_600,
      });
    }
  }
  done(null, payload);
}

/** The cookie's value when its signature is good. */
function readCookie(request: FastifyRequest): string | undefined {
  const raw = request.cookies[SESSION_COOKIE];
  if (raw === undefined) return undefined;
  const unsigned = request.unsignCookie(raw);
  return unsigned.valid && unsigned.value !== null ? unsigned.value : undefined;
}

function parseSession(value: string): PageSession | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString());
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as PageSession) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Gives every session a CSRF token (a random 32 bytes, kept for the session: the synchronizer
 * token pattern) and hands it to the templates, which put it in a hidden field of every form.
 */
function provideCsrfToken(request: PageRequest, reply: FastifyReply): void {
  const session = request.session as PageSession;
  session.csrfToken ??= randomBytes(32).toString('base64url');
  reply.locals = { ...reply.locals, csrfToken: session.csrfToken };
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
