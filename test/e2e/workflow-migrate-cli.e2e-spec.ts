/**
 * `npm run workflow -- migrate --to 2 --dry-run` on an event file written by the real service
 * (workflow v1), with a registry that also holds a test-only v2 (v1 plus "the final budget covers
 * the plan"): per journey, would a migration pass, or which revision and rule v2 refuses; exit
 * codes say whether any would be refused. One journey already carries a WorkflowMigrated event
 * (appended as the service will record it), and is reported as already on v2.
 */
import { randomUUID } from 'node:crypto';
import { copyFileSync } from 'node:fs';
import { replayJourney } from '../../workflows';
import {
  ADDED_RULE,
  registryWithTightenedVersion,
  registryWithVersion1,
  tightenedVersion,
} from '../../workflows/testing/tightened-version';
import { SqliteEventStore } from '../../src/event-store/sqlite/sqlite-event-store';
import { metadataOf, sealEvent, streamIdOf, toMachineEvent } from '../../src/journeys/journey-records';
import { tempDataDir, type TestApp } from '../support/test-app';
import { runWorkflowCli, type DryRunReport } from '../../scripts/workflow';
import {
  callers,
  capturedIo,
  finalProgress,
  openJourney,
  progressLines,
  record,
  recordFastTrackStory,
  rewriteRow,
  startAuditApp,
  STORY_NOW,
  type Caller,
} from './audit.helpers';

async function runOn(file: string, argv: readonly string[], registry = registryWithTightenedVersion()) {
  const captured = capturedIo({ SQLITE_FILE: file, NODE_ENV: 'test' });
  const code = await runWorkflowCli(argv, captured.io, registry);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

/** A social-care journey signed off for less than its plan costs, with a reason: v1 accepts it. Revision 6 is the approval. */
async function recordApprovedShort(t: TestApp, auth: Record<Caller, string>): Promise<string> {
  const id = await openJourney(t, auth.caseWorker);
  await record(t, id, auth.caseWorker, 'AssessmentStarted');
  await record(t, id, auth.caseWorker, 'AssessmentCompleted');
  await record(t, id, auth.caseWorker, 'IndicativeBudgetSet', { amountPence: 25_000 });
  await record(t, id, auth.caseWorker, 'SupportPlanDrafted');
  await record(t, id, auth.caseWorker, 'SupportPlanSubmitted');
  await record(t, id, auth.approver, 'SupportPlanApproved', {
    finalBudgetPence: 20_000,
    budgetDifferenceReason: 'Panel reduced the hours',
  });
  return id;
}

/** Appends `WorkflowMigrated { from: 1, to: 2 }` to the journey's chain, as the service records one. */
async function appendMigration(file: string, journeyId: string): Promise<void> {
  const store = new SqliteEventStore(file);
  try {
    const streamId = streamIdOf(journeyId);
    const events = await store.readStream(streamId);
    const last = events[events.length - 1];
    const sealed = sealEvent(
      {
        streamId,
        revision: last.revision + 1,
        id: randomUUID(),
        type: 'WorkflowMigrated',
        data: { from: 1, to: 2 },
        metadata: {
          actor: { id: 'approver-1', role: 'approver', organisation: 'council-a' },
          occurredAt: STORY_NOW,
          recordedAt: STORY_NOW,
          reason: 'Move to the rules in force',
          correlationId: randomUUID(),
          causationId: randomUUID(),
          workflow: { id: 'support-planning', version: 2 },
        },
      },
      last,
    );
    await store.appendToStream(streamId, [sealed], last.revision);
  } finally {
    await store.close();
  }
}

describe('npm run workflow -- migrate --dry-run', () => {
  let data: ReturnType<typeof tempDataDir>;
  let passes: string;
  let refused: string;
  let migrated: string;

  beforeAll(async () => {
    data = tempDataDir();
    const auth = await callers();
    // New journeys start on version 1 here (WORKFLOW_VERSION, issue 13), whatever the deployment's default.
    const t = await startAuditApp({ file: data.file, env: { WORKFLOW_VERSION: '1' } });
    try {
      passes = await recordFastTrackStory(t, auth);
      refused = await recordApprovedShort(t, auth);
      migrated = await openJourney(t, auth.caseWorker);
    } finally {
      await t.close();
    }
    await appendMigration(data.file, migrated);
  });

  afterAll(() => data.remove());

  it('says per journey whether v2 would accept its history, and exits 1 because one would be refused', async () => {
    const { code, stdout, stderr } = await runOn(data.file, ['migrate', '--to', '2', '--dry-run']);
    expect(code).toBe(1);
    const lines = stdout.split('\n');
    expect(lines).toContain(`ok         journey ${passes}: v1 → v2 would be accepted (9 events)`);
    expect(lines).toContain(
      `REFUSED    journey ${refused}: v2 refuses revision 6 SupportPlanApproved in open.signOff, rule ${ADDED_RULE}: ${tightenedVersion.ruleDescriptions?.[ADDED_RULE]}`,
    );
    expect(lines).toContain(`already    journey ${migrated}: on v2, nothing to migrate`);
    expect(lines[lines.length - 1]).toBe('1 would be accepted, 1 refused, 1 already on v2 or later, 0 unreadable');
    expect(stderr).toContain(`dry run: 3 journeys in ${data.file} against support-planning v2`);
    expect(progressLines(stderr).pop()).toMatch(finalProgress(3));
  });

  it('exits 0 for one journey that would pass', async () => {
    const { code, stdout } = await runOn(data.file, ['migrate', '--to', '2', '--dry-run', '--journey', passes]);
    expect(code).toBe(0);
    expect(stdout).toContain(`ok         journey ${passes}`);
    expect(stdout).not.toContain(refused);
  });

  it('gives the same verdicts as JSON', async () => {
    const { code, stdout } = await runOn(data.file, ['migrate', '--to', '2', '--dry-run', '--json']);
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as DryRunReport;
    expect(report.counts).toEqual({ valid: 1, refused: 1, already: 1, unreadable: 0 });
    expect(report.journeys.find((journey) => journey.journeyId === refused)).toMatchObject({
      verdict: 'refused',
      from: 1,
      to: 2,
      revision: 6,
      type: 'SupportPlanApproved',
      rule: ADDED_RULE,
      state: 'open.signOff',
    });
  });

  it('reports a journey whose stored row no longer parses as unreadable, and exits 1', async () => {
    const copy = `${data.dir}/broken.db`;
    copyFileSync(data.file, copy);
    rewriteRow(copy, passes, 3, 'data', () => '{"eligible": tru');
    const { code, stdout } = await runOn(copy, ['migrate', '--to', '2', '--dry-run', '--journey', passes]);
    expect(code).toBe(1);
    expect(stdout).toContain(`UNREADABLE journey ${passes}: revision 3 is not readable JSON`);
  });

  it('leaves the migrated journey replaying v1 up to its migration and v2 after it, as stored', async () => {
    const store = new SqliteEventStore(data.file, { readonly: true });
    try {
      const stored = await store.readStream(streamIdOf(migrated));
      const result = replayJourney(registryWithTightenedVersion(), metadataOf(stored[0]).workflow, stored.map(toMachineEvent));
      expect(result.refusal).toBeNull();
      expect(result.definition).toBe(tightenedVersion);
      expect(result.segments).toEqual([
        { version: 1, fromRevision: 0, toRevision: 0, openedBy: null },
        { version: 2, fromRevision: 1, toRevision: 1, openedBy: { revision: 1, from: 1 } },
      ]);
    } finally {
      await store.close();
    }
  });

  it.each([
    ['without --dry-run (the CLI never writes)', ['migrate', '--to', '2'], /needs --dry-run/],
    ['without --to', ['migrate', '--dry-run'], /--to <version> is required/],
    ['with a --to that is not a version', ['migrate', '--to', 'two', '--dry-run'], /--to must be a version number/],
    ['to a version this build does not have', ['migrate', '--to', '99', '--dry-run'], /no support-planning v99 \(it has v1, v2\)/],
    ['with a --journey that is not a UUID', ['migrate', '--to', '2', '--dry-run', '--journey', 'abc'], /--journey must be a journey UUID/],
    ['for a journey not in the file', ['migrate', '--to', '2', '--dry-run', '--journey', randomUUID()], /no journey .* in /],
    ['with an unknown command', ['upgrade', '--to', '2'], /unknown command upgrade/],
  ])('exits 2 %s', async (_case, argv, message) => {
    const { code, stderr } = await runOn(data.file, argv);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });

  it('exits 2 on a file that does not exist, rather than reading an empty store', async () => {
    const { code, stderr } = await runOn(`${data.dir}/missing.db`, ['migrate', '--to', '2', '--dry-run']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/no event store at/);
  });

  it('exits 2 when the stored journeys are on a version the build does not have', async () => {
    const { code, stderr } = await runOn(data.file, ['migrate', '--to', '1', '--dry-run'], registryWithVersion1());
    expect(code).toBe(2);
    expect(stderr).toMatch(/unknown workflow support-planning v2/);
  });
});

describe('npm run workflow -- changes', () => {
  it('prints what changed in v2 from v1', async () => {
    const { code, stdout } = await runOn('unused.db', ['changes', '--to', '2']);
    expect(code).toBe(0);
    expect(stdout).toContain('# What changed in `support-planning` version 2 (from version 1)');
    expect(stdout).toContain(`- **SupportPlanApproved** in sign off: now also checks \`${ADDED_RULE}\`.`);
  });

  it('exits 2 for the first version, which changed nothing from an earlier one', async () => {
    const { code, stderr } = await runOn('unused.db', ['changes', '--to', '1']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/v1 is the first version/);
  });
});
