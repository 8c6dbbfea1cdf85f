/**
 * A missed clock the scheduler cannot record (here the event file is read-only) is tried again
 * after a pause that doubles, not at once: it must neither spin the scheduler nor be forgotten.
 * When the file is writable again the fact is recorded, once.
 */
import { ManualClock } from '../../src/common/clock';
import { DeadlineScheduler } from '../../src/clocks/deadline-scheduler';
import { fact } from '../../workflows/testing/facts';
import { CapturedLogger } from '../support/captured-logger';
import { bearer, startApp, tempDataDir } from '../support/test-app';
import { startAppWithFault } from './fault-app';

const couldNotRecord = (logger: CapturedLogger) =>
  logger.lines.filter((line) => line.includes('could not record missed clock fast-track-care-in-place'));

describe('a due clock on a store that cannot take the fact', () => {
  const data = tempDataDir();
  afterAll(() => data.remove());

  it('is held back 30 s, then 60 s, and recorded once the store takes writes again', async () => {
    const caseWorker = await bearer('case-worker-1', 'case-worker');
    const clock = new ManualClock(new Date('2026-03-02T09:00:00Z'));
    let t = await startApp({ file: data.file, clock });
    const opened = await t
      .http()
      .post('/journeys')
      .set('Authorization', caseWorker)
      .send({ data: { ...fact('ReferralReceived').data, fundingStream: 'nhs-chc', route: 'fast-track' } })
      .expect(201);
    const id = opened.body.id as string;
    await t.close();

    clock.set('2026-03-04T10:00:00Z'); // an hour after the 48-hour clock fell due
    const logger = new CapturedLogger();
    t = await startAppWithFault(data.file, { readonly: true }, logger, clock);
    try {
      const scheduler = t.app.get(DeadlineScheduler);
      expect(couldNotRecord(logger)).toEqual([expect.stringContaining('trying again in 30 s')]); // the start-up tick
      expect(await scheduler.tick()).toBe(0);
      expect(couldNotRecord(logger)).toHaveLength(1); // held back: not tried again at once
      clock.set('2026-03-04T10:00:31Z');
      expect(await scheduler.tick()).toBe(0);
      expect(couldNotRecord(logger).slice(1)).toEqual([expect.stringContaining('trying again in 60 s')]);
    } finally {
      await t.close();
    }

    t = await startApp({ file: data.file, clock });
    try {
      const history = await t.http().get(`/journeys/${id}/history`).set('Authorization', caseWorker).expect(200);
      const missed = history.body.events.filter((event: { type: string }) => event.type === 'DeadlineMissed');
      expect(missed).toEqual([expect.objectContaining({ data: { clock: 'fast-track-care-in-place', dueAt: '2026-03-04T09:00:00.000Z' } })]);
    } finally {
      await t.close();
    }
  });
});
