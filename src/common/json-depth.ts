/**
 * How deeply a parsed JSON value nests objects and arrays, measured without recursion: a body
 * nested thousands deep must be refused, not walked by a recursive function that overflows the
 * stack (class-transformer, class-validator and the canonical JSON of the hash chain all recurse).
 */

/** Deeper than any fact of the vocabulary (a few levels) by a wide margin; shallow enough for every recursive walker. */
export const MAX_JSON_DEPTH = 64;

/** True when `value` nests objects or arrays more than `maxDepth` levels deep. Stops at the first such path. */
export function exceedsDepth(value: unknown, maxDepth: number = MAX_JSON_DEPTH): boolean {
  const pending: Array<{ node: unknown; depth: number }> = [{ node: value, depth: 0 }];
  while (pending.length > 0) {
    const { node, depth } = pending.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth + 1 > maxDepth) return true;
    for (const child of Object.values(node as Record<string, unknown>)) {
      if (child !== null && typeof child === 'object') pending.push({ node: child, depth: depth + 1 });
    }
  }
  return false;
}
