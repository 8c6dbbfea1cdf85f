/**
 * Schema and role names end up inside SQL text (DDL cannot take parameters), so they are held to
 * a plain lower-case identifier and quoted; anything else is refused before it reaches a query.
 */
/**
 * 47, not PostgreSQL's 63: the schema's NOTIFY channel adds `_events_appended` (16) to it, and a
 * channel name must fit in 63 too.
 */
export const PLAIN_IDENTIFIER = /^[a-z_][a-z0-9_]{0,46}$/;

export function assertPlainIdentifier(name: string, what: string): string {
  if (!PLAIN_IDENTIFIER.test(name)) {
    throw new RangeError(`${what} "${name}" must be a lower-case SQL identifier (a-z, 0-9, _; at most 47 characters)`);
  }
  return name;
}

/** Double-quotes an identifier, doubling any quote inside it (role names come from the server). */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
