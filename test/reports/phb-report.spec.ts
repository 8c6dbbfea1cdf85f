/**
 * `npm run report -- phb`, in-process on a real SQLite event file seeded with the stories of
 * report-fixtures.ts; the counts are worked out by hand from the stories.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SqliteAccessLog } from '../../src/access-log/access-log';
import { runReport } from '../../src/reports/cli/run-report';
import { capturedIo } from '../e2e/audit.helpers';
import { JOURNEYS, allStories, seedStore } from './report-fixtures';

async function phb(file: string, argv: string[]) {
  const captured = capturedIo({ SQLITE_FILE: file, NODE_ENV: 'test' });
  const code = await runReport(['phb', ...argv], captured.io);
  return { code, lines: captured.out };
}

describe('npm run report -- phb', () => {
  let file: string;

  beforeAll(async () => {
    file = await seedStore(allStories());
  });

  it('counts the personal health budgets in force on the day, by how they are held and by cohort', async () => {
    const out = join(dirname(file), 'phb.csv');
    const run = await phb(file, ['--at', '2026-09-30', '--out', out]);

    // C: CHC notional; F: CHC mixed (from 15 September); D: integrated, held by a provider.
    // E died on 10 September; A is a council budget, not a PHB.
    expect(run.lines).toEqual([
      'personal health budgets in force on 2026-09-30',
      'cohort, direct payment, notional, third party, mixed, total',
      'CHC, 0, 1, 0, 1, 2',
      'other, 0, 0, 1, 0, 1',
    ]);
    expect(run.code).toBe(0);
    expect(readFileSync(out, 'utf8').split('\r\n')).toEqual([
      'at,cohort,type,count',
      '2026-09-30,CHC,direct payment,0',
      '2026-09-30,CHC,notional,1',
      '2026-09-30,CHC,third party,0',
      '2026-09-30,CHC,mixed,1',
      '2026-09-30,other,direct payment,0',
      '2026-09-30,other,notional,0',
      '2026-09-30,other,third party,1',
      '2026-09-30,other,mixed,0',
      '',
    ]);
    const log = new SqliteAccessLog(join(dirname(file), 'access-log.db'));
    try {
      const { entries } = await log.list({ limit: 10 });
      expect(entries.map((entry) => [entry.route, entry.detail, entry.journeyId])).toEqual([
        ['CLI report phb', 'at=2026-09-30', JOURNEYS.c],
        ['CLI report phb', 'at=2026-09-30', JOURNEYS.d],
        ['CLI report phb', 'at=2026-09-30', JOURNEYS.f],
      ]);
    } finally {
      await log.close();
    }
  });

  it('on an earlier day counts the budget of the person who has since died, and not the one not yet started', async () => {
    const run = await phb(file, ['--at', '2026-09-01']);
    expect(run.lines.slice(2)).toEqual(['CHC, 1, 1, 0, 0, 2', 'other, 0, 0, 1, 0, 1']);
  });

  it('--as-recorded-by leaves out a start typed in after the day', async () => {
    // F's support began on 15 September but was recorded on 3 October.
    const run = await phb(file, ['--at', '2026-09-30', '--as-recorded-by', '2026-09-30']);
    expect(run.lines.slice(2)).toEqual(['CHC, 0, 1, 0, 0, 1', 'other, 0, 0, 1, 0, 1']);
  });
});
