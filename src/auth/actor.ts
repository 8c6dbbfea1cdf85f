/**
 * Who is acting. The engine only ever builds an Actor from a verified token (or, for `system`,
 * from its own scheduler), never from a request body.
 *
 * The role names are the workflow's own list, re-exported so there is one list: a role the
 * workflow's policy does not know cannot be carried by a token either.
 */
import { ROLES, type Role } from '../../workflows';

export { ROLES, type Role };

/** `system` is the engine's own (scheduler facts); no token from outside may claim it. */
export const INTERNAL_ROLES: readonly Role[] = ['system'];

export interface Actor {
  /** The token's subject. */
  id: string;
  role: Role;
  /** The organisation the actor works for, when the token says. */
  organisation?: string;
  /** The person an advocate (or other delegate) acts for, when the token says. */
  onBehalfOf?: string;
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function isInternalRole(role: Role): boolean {
  return INTERNAL_ROLES.includes(role);
}
