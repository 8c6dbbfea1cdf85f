/**
 * A batch that fails while the runner follows live events is rolled back with its checkpoint;
 * the runner must then follow again from that checkpoint, not from the next live event, or the
 * failed events are lost from the read models for good.
 */
import { Logger } from '@nestjs/common';
import Database from 'better-sqlite3';
import { MemoryEventStore } from '../../src/event-store/memory-event-store';
import { streamIdOf } from '../../src/journeys/journey-records';
import { ProjectionRunner } from '../../src/projections/projection-runner';
import { CountingProjection, countsOf } from './counting.projection';
import { appendWhole, plannedJourneys } from './journey-fixtures';

describe('a read-model batch that fails while following', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(['log', 'error', 'warn']));

  it('is applied again after a restart from the checkpoint: nothing skipped, nothing counted twice', async () => {
    const store = new MemoryEventStore();
    const journeys = plannedJourneys(3);
    await appendWhole(store, journeys.slice(0, 1));
    let failuresLeft = 2;
    const db = new Database(':memory:');
    const runner = new ProjectionRunner(store, db, [
      new CountingProjection((event) => {
        // The first live events fail twice (a full disk, say), then the read model recovers.
        if (event.streamId !== streamIdOf(journeys[0].journeyId) && failuresLeft > 0) {
          failuresLeft -= 1;
          throw new Error('disk I/O error');
        }
      }),
    ]);
    await runner.start();

    await appendWhole(store, journeys.slice(1));
    const head = await store.headPosition();
    expect(await runner.waitFor(head, 10_000)).toBe(true);
    await runner.stop();

    expect(failuresLeft).toBe(0);
    expect(runner.error).toBeNull();
    const streams = await Promise.all(journeys.map((journey) => store.readStream(streamIdOf(journey.journeyId))));
    expect(countsOf(db)).toEqual(
      journeys
        .map((journey, n) => ({
          journey_id: streamIdOf(journey.journeyId),
          events: streams[n].length,
          last_revision: streams[n].length - 1,
        }))
        .sort((a, b) => a.journey_id.localeCompare(b.journey_id)),
    );
  });
});
