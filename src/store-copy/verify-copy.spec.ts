/**
 * Verification replays both sides and must notice every way a copy can be wrong: an event missing,
 * re-dated, altered, a stream missing or extra, a broken hash chain.
 */
import type { NewEvent } from '../event-store/event-store';
import { MemoryEventStore } from '../event-store/memory-event-store';
import { streamIdOf } from '../journeys/journey-records';
import { appendWhole, plannedJourneys } from '../../test/projections/journey-fixtures';
import { copyStreams } from './copy-streams';
import { verifyCopy } from './verify-copy';

const journeys = plannedJourneys(6);
const [first, second] = journeys;
const streamOf = (index: number) => streamIdOf(journeys[index].journeyId);

async function source(): Promise<MemoryEventStore> {
  const store = new MemoryEventStore();
  await appendWhole(store, journeys);
  return store;
}

/** A target holding the source's journeys, except journey `index`, which gets `events` instead. */
async function targetWith(index: number, events: NewEvent[]): Promise<MemoryEventStore> {
  const target = new MemoryEventStore();
  await appendWhole(
    target,
    journeys.map((journey, n) => (n === index ? { ...journey, events } : journey)).filter((journey) => journey.events.length > 0),
  );
  return target;
}

describe('verifyCopy', () => {
  it('passes a faithful copy and counts what it compared', async () => {
    const original = await source();
    const copy = new MemoryEventStore();
    await copyStreams(original, copy);
    const result = await verifyCopy(original, copy);
    expect(result).toEqual({
      streams: journeys.length,
      events: journeys.reduce((sum, journey) => sum + journey.events.length, 0),
      problems: [],
      streamsWithProblems: 0,
      truncated: false,
    });
  });

  it('names a stream that is short on the target', async () => {
    const result = await verifyCopy(await source(), await targetWith(0, first.events.slice(0, -1)));
    expect(result.problems).toEqual([
      {
        streamId: streamOf(0),
        revision: first.events.length - 1,
        problem: `${first.events.length - 1} events on the target, ${first.events.length} on the source`,
      },
    ]);
  });

  it('names a stream missing from the target', async () => {
    const result = await verifyCopy(await source(), await targetWith(1, []));
    expect(result.problems).toEqual([
      { streamId: streamOf(1), revision: 0, problem: `0 events on the target, ${second.events.length} on the source` },
    ]);
  });

  it('names the metadata entry of a re-dated event, and the hash chain it breaks', async () => {
    const redated = second.events.map((event, revision) =>
      revision === 2 ? { ...event, metadata: { ...event.metadata, recordedAt: '2030-01-01T00:00:00.000Z' } } : event,
    );
    const result = await verifyCopy(await source(), await targetWith(1, redated));
    expect(result.streamsWithProblems).toBe(1);
    expect(result.problems).toEqual([
      { streamId: streamOf(1), revision: 2, problem: `event ${second.events[2].id}: metadata differs (recordedAt)` },
      { streamId: streamOf(1), revision: 2, problem: 'hash chain broken on the target (hash-mismatch)' },
    ]);
  });

  it('names altered data', async () => {
    const altered = first.events.map((event, revision) =>
      revision === 0 ? { ...event, data: { ...event.data, summary: 'changed' } } : event,
    );
    const result = await verifyCopy(await source(), await targetWith(0, altered));
    expect(result.problems[0]).toEqual({ streamId: streamOf(0), revision: 0, problem: `event ${first.events[0].id}: data differs` });
  });

  it('names a journey stream only the target has', async () => {
    const target = new MemoryEventStore();
    await copyStreams(await source(), target);
    const extra = plannedJourneys(7)[6];
    await target.appendToStream(streamIdOf(extra.journeyId), extra.events, 'no-stream');
    const result = await verifyCopy(await source(), target);
    expect(result.problems).toEqual([
      { streamId: streamIdOf(extra.journeyId), problem: `only on the target (${extra.events.length} events)` },
    ]);
  });

  it('says when a broken chain was copied faithfully from a broken source', async () => {
    const broken = first.events.map((event, revision) =>
      revision === 1 ? { ...event, data: { ...event.data, value: 'tampered' } } : event,
    );
    const original = await targetWith(0, broken);
    const copy = new MemoryEventStore();
    await copyStreams(original, copy);
    const result = await verifyCopy(original, copy);
    expect(result.problems).toEqual([
      { streamId: streamOf(0), revision: 1, problem: 'hash chain broken on the target (hash-mismatch), as it is on the source' },
    ]);
  });

  it('lists at most maxProblems, and says there were more', async () => {
    const result = await verifyCopy(await source(), new MemoryEventStore(), { maxProblems: 2 });
    expect(result).toMatchObject({ streamsWithProblems: journeys.length, truncated: true });
    expect(result.problems).toHaveLength(2);
  });
});
