/**
 * The access log cannot vanish silently. Deleting access-log.db and restarting used to answer
 * every "who read my record" with `[]`. Now the service refuses to start on a store holding
 * journeys without its access log, unless told with ACCESS_LOG_RESET_ACKNOWLEDGED=true; that
 * reset is recorded in the new log, and the person is told from when the log is complete.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { ManualClock } from '../../src/common/clock';
import { fact } from '../../workflows/testing/facts';
import { bearer, startApp, tempDataDir } from '../support/test-app';

const PERSON = '9e8d7c6b-5a49-4838-a726-150f4e3d2c1b';
const FIRST_START = new Date('2026-01-05T10:00:00.000Z');
const RESET_AT = new Date('2026-02-01T09:30:00.000Z');

function deleteAccessLog(dir: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(join(dir, `access-log.db${suffix}`), { force: true });
}

describe('a deleted access log', () => {
  const data = tempDataDir();
  let journeyId: string;
  let caseWorker: string;
  let person: string;
  let auditor: string;

  beforeAll(async () => {
    caseWorker = await bearer('case-worker-1', 'case-worker');
    person = await bearer(PERSON, 'person');
    auditor = await bearer('auditor-1', 'auditor');
    const t = await startApp({ file: data.file, clock: new ManualClock(FIRST_START) });
    try {
      const opened = await t
        .http()
        .post('/journeys')
        .set('Authorization', caseWorker)
        .send({ data: { ...fact('ReferralReceived').data, personId: PERSON } })
        .expect(201);
      journeyId = opened.body.id as string;
      await t.http().get(`/journeys/${journeyId}/history`).set('Authorization', caseWorker).expect(200);
      const before = await t.http().get(`/journeys/${journeyId}/access`).set('Authorization', person).expect(200);
      expect([before.body.entries.length, before.body.completeFrom, before.body.notice]).toEqual([1, null, undefined]);
    } finally {
      await t.close();
    }
    deleteAccessLog(data.dir);
  });
  afterAll(() => data.remove());

  it('stops the start-up, naming the variable that acknowledges a reset', async () => {
    await expect(startApp({ file: data.file, clock: new ManualClock(RESET_AT) })).rejects.toThrow(
      /ACCESS_LOG_RESET_ACKNOWLEDGED must be true to start: the access log .*access-log\.db is missing but the event store holds journeys/,
    );
  });

  it('starts when the reset is acknowledged, records it, and tells the person from when the log is complete', async () => {
    const t = await startApp({ file: data.file, clock: new ManualClock(RESET_AT), env: { ACCESS_LOG_RESET_ACKNOWLEDGED: 'true' } });
    try {
      const access = await t.http().get(`/journeys/${journeyId}/access`).set('Authorization', person).expect(200);
      expect(access.body).toMatchObject({
        entries: [],
        completeFrom: RESET_AT.toISOString(),
        notice: `the log of who read this record is complete only from ${RESET_AT.toISOString()}`,
      });
      const audit = await t.http().get(`/audit/access?journey=${journeyId}`).set('Authorization', auditor).expect(200);
      expect(audit.body.completeFrom).toBe(RESET_AT.toISOString());
    } finally {
      await t.close();
    }
  });

  it('keeps saying so after later restarts, which need no acknowledgement (the new log exists)', async () => {
    const t = await startApp({ file: data.file, clock: new ManualClock(RESET_AT) });
    try {
      const access = await t.http().get(`/journeys/${journeyId}/access`).set('Authorization', person).expect(200);
      expect(access.body.completeFrom).toBe(RESET_AT.toISOString());
    } finally {
      await t.close();
    }
  });
});

describe('a new store', () => {
  it('starts without an access log and needs no acknowledgement: the log is complete from the start', async () => {
    const data = tempDataDir();
    const t = await startApp({ file: data.file });
    try {
      const opened = await t
        .http()
        .post('/journeys')
        .set('Authorization', await bearer('case-worker-1', 'case-worker'))
        .send({ data: { ...fact('ReferralReceived').data, personId: PERSON } })
        .expect(201);
      const access = await t
        .http()
        .get(`/journeys/${opened.body.id as string}/access`)
        .set('Authorization', await bearer(PERSON, 'person'))
        .expect(200);
      expect(access.body.completeFrom).toBeNull();
    } finally {
      await t.close();
      data.remove();
    }
  });
});
