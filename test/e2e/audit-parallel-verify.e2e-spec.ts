/**
 * `verify --all` spreads a large store over worker threads. The verdicts must be the very ones
 * one thread gives, reported in the same order, with a tampered journey still found and named.
 */
import { randomUUID } from 'node:crypto';
import { SqliteEventStore } from '../../src/event-store/sqlite/sqlite-event-store';
import { PARALLEL_FROM_JOURNEYS, verifyInParallel, verifyWorkerCount } from '../../src/audit/verify/parallel-verify';
import { sealFacts } from '../../src/audit/testing/seal-facts';
import { SqliteJourneyReader } from '../../src/audit/verify/sqlite-journey-reader';
import { verifyRead, type JourneyVerification } from '../../src/audit/verify/verify-journey';
import { WorkflowRegistry } from '../../workflows';
import { fact, pathTo } from '../../workflows/testing/facts';
import { tempDataDir } from '../support/test-app';
import { capturedIo, tamperWithEvent } from './audit.helpers';
import { runAudit } from '../../src/audit/cli/run-audit';

describe('verify on several threads', () => {
  const data = tempDataDir();
  const journeys: string[] = [];
  let tampered: string;

  beforeAll(async () => {
    const store = new SqliteEventStore(data.file);
    const shapes = [pathTo.liveSupport(), pathTo.notEligible(), [...pathTo.review(), fact('ReviewCompleted', { outcome: 'continue' })]];
    for (let n = 0; n < 60; n += 1) {
      const id = randomUUID();
      const events = sealFacts(id, shapes[n % shapes.length]);
      await store.appendToStream(events[0].streamId, events, 'no-stream');
      journeys.push(id);
    }
    await store.close();
    tampered = journeys[36]; // a journey to live support: revision 3 is its indicative budget
    tamperWithEvent(data.file, tampered, 3, (value) => ({ ...value, amountPence: 99_999_999 }));
  });
  afterAll(() => data.remove());

  async function oneThread(): Promise<JourneyVerification[]> {
    const reader = SqliteJourneyReader.open(data.file);
    const registry = new WorkflowRegistry();
    try {
      const results: JourneyVerification[] = [];
      for (const streamId of reader.streamIds()) results.push(verifyRead(streamId, await reader.read(streamId), registry).verification);
      return results;
    } finally {
      await reader.close();
    }
  }

  it('gives one thread’s verdicts, in the same order, the tampered journey among them', async () => {
    const expected = await oneThread();
    const reader = SqliteJourneyReader.open(data.file);
    const streams = reader.streamIds();
    await reader.close();
    const got: JourneyVerification[] = [];
    await verifyInParallel(data.file, streams, 2, (verification) => got.push(verification));
    expect(got).toEqual(expected);
    // Only the workers verifying: the main thread may have done it all above, before they started.
    const fromWorkers: JourneyVerification[] = [];
    await verifyInParallel(data.file, streams, 2, (verification) => fromWorkers.push(verification), { workersOnly: true });
    expect(fromWorkers).toEqual(expected);
    expect(got.filter((verification) => !verification.chain.intact).map((verification) => verification.journeyId)).toEqual([tampered]);
  });

  it('is used by verify --all from PARALLEL_FROM_JOURNEYS journeys on, when the machine has more than one core', () => {
    expect(verifyWorkerCount(PARALLEL_FROM_JOURNEYS - 1)).toBe(1);
    expect(verifyWorkerCount(PARALLEL_FROM_JOURNEYS)).toBeGreaterThanOrEqual(1);
  });

  it('rejects, inventing no verdict, when a worker cannot read the file', async () => {
    await expect(verifyInParallel(`${data.dir}/missing.db`, ['journey-x'], 1, () => undefined)).rejects.toThrow(/no event store/);
    await expect(verifyInParallel(`${data.dir}/missing.db`, ['journey-x'], 2, () => undefined, { workersOnly: true })).rejects.toThrow(
      /no event store/,
    );
  });

  it('verify --all on one thread still names the tampered journey (the CLI path below the threshold)', async () => {
    const captured = capturedIo({ SQLITE_FILE: data.file });
    const code = await runAudit(['verify', '--all'], captured.io);
    expect(code).toBe(1);
    expect(captured.stdout()).toContain(`BROKEN journey ${tampered}`);
  });
});
