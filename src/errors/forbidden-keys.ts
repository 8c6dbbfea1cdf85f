/**
 * Keys that name an object's machinery rather than a fact: `__proto__`, `constructor`,
 * `prototype`. Nest's ValidationPipe deletes them silently (against prototype pollution), which
 * would store a fact other than the one sent and answer 201; they are refused instead, with the
 * path of the first one, before anything else reads the body.
 */
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

/** The dotted path of the first forbidden key in a parsed JSON value, or null. Iterative: no depth limit on the walk itself. */
export function forbiddenKeyPath(value: unknown): string | null {
  const pending: Array<{ value: unknown; path: string }> = [{ value, path: '' }];
  while (pending.length > 0) {
    const { value: current, path } = pending.pop() as { value: unknown; path: string };
    if (current === null || typeof current !== 'object') continue;
    for (const key of Object.keys(current)) {
      const at = path === '' ? key : `${path}.${key}`;
      if (FORBIDDEN.has(key)) return at;
      pending.push({ value: (current as Record<string, unknown>)[key], path: at });
    }
  }
  return null;
}
