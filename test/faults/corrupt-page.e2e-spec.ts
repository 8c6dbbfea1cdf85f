/**
 * A damaged page in the events file (a bad sector, a torn copy): SQLite answers SQLITE_CORRUPT for
 * the rows on it. The service must say so: /health reports the store `degraded` with what SQLite's
 * `quick_check` found (run at start-up, and periodically), and a read that hits the page answers
 * 503 STORE.CORRUPT naming corruption, not "try again shortly" (no Retry-After: waiting will not
 * mend it). Journeys elsewhere in the file are still served.
 *
 * The page is damaged as a disk would do it: the file is closed, one leaf page of the events table
 * (found with SQLite's dbstat table) is overwritten with junk bytes, and the service is restarted.
 */
import Database from 'better-sqlite3';
import { closeSync, openSync, writeSync } from 'node:fs';
import { startApp, tempDataDir, type TestApp } from '../support/test-app';
import { faultCaseWorker, openJourney, recordPreference } from './fault-requests';

const JOURNEYS = 6;
const EVENTS_PER_JOURNEY = 6;

/** Overwrites the first leaf page of the events table with junk; returns its number. */
function damageFirstEventsPage(file: string): number {
  const db = new Database(file);
  let page: number;
  let pageSize: number;
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
    pageSize = db.pragma('page_size', { simple: true }) as number;
    const leaf = db
      .prepare<[], { pageno: number }>("SELECT pageno FROM dbstat WHERE name = 'events' AND pagetype = 'leaf' ORDER BY pageno LIMIT 1")
      .get();
    if (!leaf) throw new Error('the events table has no leaf page');
    page = leaf.pageno;
  } finally {
    db.close();
  }
  const fd = openSync(file, 'r+');
  try {
    writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (page - 1) * pageSize);
  } finally {
    closeSync(fd);
  }
  return page;
}

describe('a damaged page in the events file', () => {
  const data = tempDataDir();
  const journeys: string[] = [];
  let caseWorker: string;
  let t: TestApp;

  beforeAll(async () => {
    caseWorker = await faultCaseWorker();
    const first = await startApp({ file: data.file });
    try {
      for (let j = 0; j < JOURNEYS; j += 1) {
        const id = ((await openJourney(first, caseWorker)).body as { id: string }).id;
        journeys.push(id);
        for (let n = 1; n < EVENTS_PER_JOURNEY; n += 1) expect((await recordPreference(first, caseWorker, id, n)).status).toBe(201);
      }
    } finally {
      await first.close();
    }
    damageFirstEventsPage(data.file);
    t = await startApp({ file: data.file });
  });

  afterAll(async () => {
    await t?.close();
    data.remove();
  });

  it('/health says the store is degraded, and why (SQLite quick_check at start-up)', async () => {
    const health = await t.http().get('/health').expect(503);
    expect(health.body).toMatchObject({
      error: 'SERVICE.NOT_READY',
      status: 'degraded',
      checks: { storeFile: { status: 'down', degraded: true, message: expect.stringMatching(/damaged/) } },
    });
    expect(health.body.checks.storeFile.found.length).toBeGreaterThan(0);
    expect(JSON.stringify(health.body)).not.toContain(data.dir);
    // Liveness is not readiness: the process itself is fine.
    await t.http().get('/health/live').expect(200);
  });

  it('a read that hits the damaged page is a 503 naming corruption, without Retry-After', async () => {
    const answers = await Promise.all(journeys.map((id) => t.http().get(`/journeys/${id}/history`).set('Authorization', caseWorker)));
    const corrupt = answers.filter((answer) => answer.status === 503);
    expect(corrupt.length).toBeGreaterThan(0);
    for (const answer of corrupt) {
      expect(answer.body).toMatchObject({ error: 'STORE.CORRUPT', corrupt: true });
      expect(answer.body.message).toMatch(/damaged.*not a transient fault/);
      expect(answer.headers['retry-after']).toBeUndefined();
    }
    // The journeys on other pages are still served.
    expect(answers.filter((answer) => answer.status === 200).length).toBeGreaterThan(0);
    expect(answers.every((answer) => answer.status === 200 || answer.status === 503)).toBe(true);
  });
});
