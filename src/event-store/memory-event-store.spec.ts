import { randomUUID } from 'node:crypto';
import { NewEvent, StoreUnavailableError } from './event-store';
import { MemoryEventStore } from './memory-event-store';

describe('MemoryEventStore', () => {
  function newEvent(data: Record<string, unknown>): NewEvent {
    return { id: randomUUID(), type: 'Noted', data, metadata: {} };
  }

  it('reports an empty store with head -1', async () => {
    await expect(new MemoryEventStore().headPosition()).resolves.toBe(-1n);
  });

  it('keeps its own copy, shaped as JSON, like a durable store would', async () => {
    const store = new MemoryEventStore();
    const data: Record<string, unknown> = { when: new Date('2024-01-02T03:04:05Z'), gone: undefined, list: [1] };

    await store.appendToStream('journey-1', [newEvent(data)], 'no-stream');
    (data.list as number[]).push(2);
    const [stored] = await store.readStream('journey-1');
    (stored.data.list as number[]).push(3);

    expect(stored.data).toEqual({ when: '2024-01-02T03:04:05.000Z', list: [1, 3] });
    expect((await store.readStream('journey-1'))[0].data).toEqual({ when: '2024-01-02T03:04:05.000Z', list: [1] });
  });

  it('lets a handler close its own subscription without waiting on itself', async () => {
    const store = new MemoryEventStore();
    await store.appendToStream('journey-1', [newEvent({}), newEvent({})], 'no-stream');
    const received: string[] = [];
    let closed = false;

    const subscription = store.subscribe({}, async (stored) => {
      received.push(stored.id);
      await subscription.close();
      closed = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect(closed).toBe(true);
    expect(received).toHaveLength(1);
  });

  it('refuses to be used once closed', async () => {
    const store = new MemoryEventStore();
    await store.close();

    await expect(store.appendToStream('journey-1', [newEvent({})], 'any')).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});
