/**
 * A full disk: the event file cannot grow (the adapter's page limit, which makes SQLite answer
 * SQLITE_FULL exactly as a full disk does). Writes get a clear 503 and one readable log line,
 * reads go on, the file stays whole, and once there is room again (the app restarted on the same
 * file without the limit, as an operator would after freeing space) every acknowledged event is
 * there and new writes succeed.
 */
import type { Response } from 'supertest';
import { CapturedLogger } from '../support/captured-logger';
import { startApp, tempDataDir, type TestApp } from '../support/test-app';
import { accountFor, AcknowledgedLedger, soundStoreOf } from './acknowledged';
import { startAppWithFault } from './fault-app';
import {
  errorLines,
  expectStoreUnavailable,
  faultCaseWorker,
  openJourney as open,
  PERSONAL_WORDS,
  recordPreference as record,
} from './fault-requests';

/** Pages of 4 KiB the file may use: room for the schema and a few dozen events. */
const PAGE_LIMIT = 40;
/** Bound on the writes sent while waiting for the file to fill. */
const MAX_WRITES = 500;
const JOURNEYS = 3;
const BURST = 10;

let caseWorker: string;

beforeAll(async () => {
  caseWorker = await faultCaseWorker();
});

const openJourney = (t: TestApp) => open(t, caseWorker);
const recordPreference = (t: TestApp, journeyId: string, n: number) => record(t, caseWorker, journeyId, n);

describe('a full disk', () => {
  const data = tempDataDir();
  const logger = new CapturedLogger();
  const ledger = new AcknowledgedLedger();
  const journeys: string[] = [];
  let refusal: Response | undefined;
  let burst: Response[];
  let readsWhileFull: Response[];

  beforeAll(async () => {
    const t = await startAppWithFault(data.file, { maxPageCount: PAGE_LIMIT }, logger);
    try {
      for (let j = 0; j < JOURNEYS; j += 1) journeys.push((ledger.note(await openJourney(t)).body as { id: string }).id);
      refusal = await writeUntilRefused(t);
      // Concurrent writes share one group commit: the whole batch fails, none half-way.
      burst = await Promise.all(Array.from({ length: BURST }, (_, n) => recordPreference(t, journeys[n % JOURNEYS], MAX_WRITES + n)));
      burst.forEach((response) => ledger.note(response));
      readsWhileFull = await Promise.all(journeys.map((id) => t.http().get(`/journeys/${id}`).set('Authorization', caseWorker)));
    } finally {
      await t.close();
    }
  });

  afterAll(() => data.remove());

  /** Round-robin over the journeys until the first answer that is not 201. */
  async function writeUntilRefused(t: TestApp): Promise<Response | undefined> {
    for (let n = 0; n < MAX_WRITES; n += 1) {
      const response = ledger.note(await recordPreference(t, journeys[n % JOURNEYS], n));
      if (response.status !== 201) return response;
    }
    return undefined;
  }

  it('fills up after some writes were acknowledged', () => {
    expect(journeys).toHaveLength(JOURNEYS);
    expect(ledger.entries.length).toBeGreaterThan(JOURNEYS);
    expect(refusal).toBeDefined();
  });

  it('answers a write with 503, a readable message and Retry-After, not a 500', () => {
    expectStoreUnavailable(refusal);
  });

  it('logs a line that says the disk is full, without personal data', () => {
    expect(errorLines(logger)).toContainEqual(
      expect.stringMatching(
        /503 STORE\.UNAVAILABLE: .*appending events: the disk \(or the configured file size limit\) is full \(SQLITE_FULL/,
      ),
    );
    expect(logger.text).not.toContain(PERSONAL_WORDS);
  });

  it('refuses concurrent writes while full with 503 only, and still answers reads', () => {
    expect(burst.map((response) => response.status)).toEqual(Array(BURST).fill(503));
    expect(readsWhileFull.map((response) => response.status)).toEqual(Array(JOURNEYS).fill(200));
    readsWhileFull.forEach((response, j) => expect(response.body.revision).toBe(ledger.lastRevisionOf(journeys[j])));
  });

  it('leaves a whole store: every acknowledged event once, nothing refused, chains and replay intact', () => {
    expect(accountFor(data.file, ledger)).toEqual(soundStoreOf(ledger.entries.length));
  });

  describe('when there is room again', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startApp({ file: data.file });
    });
    afterAll(() => t.close());

    it('shows every acknowledged event and takes new writes on every journey', async () => {
      for (const id of journeys) {
        const history = await t.http().get(`/journeys/${id}/history`).set('Authorization', caseWorker).expect(200);
        const acknowledged = ledger.entries.filter((entry) => entry.journeyId === id).map((entry) => entry.eventId);
        expect(history.body.events.map((event: { eventId: string }) => event.eventId)).toEqual(acknowledged);
        const next = ledger.note(await recordPreference(t, id, 2 * MAX_WRITES));
        expect(next.status).toBe(201);
        expect(next.body.revision).toBe(acknowledged.length);
      }
    });

    it('still holds a whole store with the new events chained on', () => {
      expect(accountFor(data.file, ledger)).toEqual(soundStoreOf(ledger.entries.length));
    });
  });
});
