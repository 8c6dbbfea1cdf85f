/**
 * Resolves on the next turn of the event loop, after the I/O callbacks waiting now: a long piece
 * of CPU work split by these lets other requests (liveness included) be answered in between.
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
