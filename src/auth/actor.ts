/**
 * Who is acting. The engine only ever builds an Actor from a verified token (or, for `system`,
 * from its own scheduler), never from a request body.
 *
 * The role names and the Actor type are the workflow's own, re-exported so there is one of each:
 * a role the workflow's policy does not know cannot be carried by a token either, and the actor a
 * token proves is the actor a fact records.
 */
import { ROLES, type Actor, type Role } from '../../workflows';

export { ROLES, type Actor, type Role };

/** `system` is the engine's own (scheduler facts); no token from outside may claim it. */
export const INTERNAL_ROLES: readonly Role[] = ['system'];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function isInternalRole(role: Role): boolean {
  return INTERNAL_ROLES.includes(role);
}
