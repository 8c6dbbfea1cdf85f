/**
 * A read-only event file (a remount, a wrong owner after a restore): SQLite answers every write
 * with SQLITE_READONLY. Writes get a clear 503 and a readable log line, reads go on, nothing in
 * the file changes, and once the file is writable again the service takes writes on the same
 * journeys with their chains intact.
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

const JOURNEYS = 2;
const EVENTS_PER_JOURNEY = 3;

let caseWorker: string;

beforeAll(async () => {
  caseWorker = await faultCaseWorker();
});

const openJourney = (t: TestApp) => open(t, caseWorker);
const recordPreference = (t: TestApp, journeyId: string, n: number) => record(t, caseWorker, journeyId, n);

describe('a read-only database file', () => {
  const data = tempDataDir();
  const logger = new CapturedLogger();
  const ledger = new AcknowledgedLedger();
  const journeys: string[] = [];
  let refusedRecord: Response;
  let refusedOpen: Response;
  let reads: Response[];

  beforeAll(async () => {
    await recordSomeJourneys();
    const t = await startAppWithFault(data.file, { readonly: true }, logger);
    try {
      refusedRecord = ledger.note(await recordPreference(t, journeys[0], 100));
      refusedOpen = ledger.note(await openJourney(t));
      reads = await Promise.all(journeys.map((id) => t.http().get(`/journeys/${id}/history`).set('Authorization', caseWorker)));
    } finally {
      await t.close();
    }
  });

  afterAll(() => data.remove());

  /** Journeys written while the file was still writable: what must survive untouched. */
  async function recordSomeJourneys(): Promise<void> {
    const t = await startApp({ file: data.file });
    try {
      for (let j = 0; j < JOURNEYS; j += 1) {
        const id = (ledger.note(await openJourney(t)).body as { id: string }).id;
        journeys.push(id);
        for (let n = 1; n < EVENTS_PER_JOURNEY; n += 1) expect(ledger.note(await recordPreference(t, id, n)).status).toBe(201);
      }
    } finally {
      await t.close();
    }
  }

  it('answers a write, and opening a journey, with 503, a readable message and Retry-After', () => {
    [refusedRecord, refusedOpen].forEach(expectStoreUnavailable);
  });

  it('logs a line that says the database is read-only', () => {
    expect(errorLines(logger)).toContainEqual(
      expect.stringMatching(/503 STORE\.UNAVAILABLE: .*appending events: the database is read-only \(SQLITE_READONLY/),
    );
    expect(logger.text).not.toContain(PERSONAL_WORDS);
  });

  it('still answers reads with everything recorded before', () => {
    reads.forEach((read, j) => {
      expect(read.status).toBe(200);
      expect(read.body.events).toHaveLength(EVENTS_PER_JOURNEY);
      expect(read.body.id).toBe(journeys[j]);
    });
  });

  it('leaves the file as it was: every acknowledged event once, nothing refused, chains and replay intact', () => {
    expect(ledger.entries).toHaveLength(JOURNEYS * EVENTS_PER_JOURNEY);
    expect(accountFor(data.file, ledger)).toEqual(soundStoreOf(JOURNEYS * EVENTS_PER_JOURNEY));
  });

  describe('when the file is writable again', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startApp({ file: data.file });
    });
    afterAll(() => t.close());

    it('takes the refused write again, and new journeys', async () => {
      const retried = ledger.note(await recordPreference(t, journeys[0], 100));
      expect(retried.status).toBe(201);
      expect(retried.body.revision).toBe(EVENTS_PER_JOURNEY);
      expect(ledger.note(await openJourney(t)).status).toBe(201);
    });

    it('holds a whole store with the new events chained on', () => {
      expect(accountFor(data.file, ledger)).toEqual(soundStoreOf(JOURNEYS * EVENTS_PER_JOURNEY + 2));
    });
  });
});
