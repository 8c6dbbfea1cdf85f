/**
 * The engine on several instances: three real service processes on one PostgreSQL event store,
 * 64 writers spread over them on 16 shared journeys, one instance killed with SIGKILL a third of
 * the way through and restarted (multi-instance.run.ts). Never skipped: without PostgreSQL it
 * fails, saying why (test/support/postgres.ts).
 */
import { freshSchema, usePostgres } from '../support/postgres';
import { runMultiInstance, type MultiInstanceReport } from './multi-instance.run';

const JOURNEYS = 16;
const COMMANDS = 480;

describe('three engine instances on one PostgreSQL store, one killed mid-run', () => {
  const postgres = usePostgres();
  let report: MultiInstanceReport;

  beforeAll(async () => {
    report = await runMultiInstance({
      postgres: postgres(),
      schema: freshSchema('multi'),
      instances: 3,
      writers: 64,
      journeys: JOURNEYS,
      commands: COMMANDS,
      victim: 1,
      killAfter: COMMANDS / 3,
    });
  }, 300_000);

  it('killed one instance while the writers were writing, and every command was acknowledged in the end', () => {
    expect(report.killed).toBe(true);
    // Writers on the killed instance lost their answers and went to another one with the same key.
    expect(report.rerouted).toBeGreaterThan(0);
    expect(report.unexpectedAnswers).toEqual([]);
    expect(report.unacknowledged).toEqual([]);
    expect(report.acknowledged).toBe(JOURNEYS + COMMANDS);
  });

  it('holds every acknowledged command exactly once, as acknowledged, whichever instance took it', () => {
    expect(report.lost).toEqual([]);
    expect(report.duplicated).toEqual([]);
    expect(report.mismatched).toEqual([]);
  });

  it('keeps every journey whole: contiguous revisions, hash chains intact, replayable on its workflow', () => {
    expect(report.audit.journeys).toBe(JOURNEYS);
    expect(report.audit.chainBreaks).toEqual([]);
    expect(report.audit.replayRefusals).toEqual([]);
  });

  it('records each missed clock once, though every instance runs a scheduler', () => {
    expect(report.missedClocks.size).toBeGreaterThanOrEqual(JOURNEYS);
    expect([...report.missedClocks].filter(([, count]) => count !== 1)).toEqual([]);
    // The commands, the openings and the missed clocks: nothing else was written.
    expect(report.audit.events).toBe(JOURNEYS + COMMANDS + report.missedClocks.size);
  });

  it('has the read models of every instance agree with the store', () => {
    expect(report.readModels).toEqual([0, 1, 2].map((instance) => ({ instance, caughtUp: true, disagreeing: [] })));
  });

  it('keeps one access log for all instances: each lists the reads every instance served', () => {
    // The auditor listed the caseload once on each instance: one entry per journey shown, per instance.
    expect(report.accessLogEntries).toEqual([1, 2, 3].map(() => 3 * JOURNEYS));
  });
});
