/**
 * Reading a whole answer of the client with a timeout: its reads do not all honour its own deadline.
 */
import { ReadTimeoutError } from './errors';

/** Drains an async iterable, giving up (and closing it) when it stays silent past the timeout. */
export async function collect<T>(iterable: AsyncIterable<T>, timeoutMs: number, what: string): Promise<T[]> {
  const iterator = iterable[Symbol.asyncIterator]();
  const items: T[] = [];
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ReadTimeoutError(what, timeoutMs)), timeoutMs);
  });
  try {
    for (;;) {
      const next = await Promise.race([iterator.next(), expired]);
      if (next.done) return items;
      items.push(next.value);
    }
  } catch (error) {
    void iterator.return?.()?.catch(() => undefined);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
