/**
 * Shared by the audit and advocacy e2e tests: the callers, a way to record a fact over HTTP, and
 * the fast-track story of DOMAIN.md recorded through the real API (every fact decided by the
 * workflow, every actor proved by a token).
 */
import Database from 'better-sqlite3';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { EventType } from '../../workflows';
import { fact } from '../../workflows/testing/facts';
import { ManualClock } from '../../src/common/clock';
import type { AuditIo } from '../../src/audit/cli/cli-io';
import { runAudit } from '../../src/audit/cli/run-audit';
import { bearer, startApp, type StartOptions, type TestApp } from '../support/test-app';

export const PERSON = '3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b';
export const HOME_WISH = "I want to be at home with my family, with the agency we chose. Not a nursing home: that's my worst nightmare.";

/** Time stands still on the evening of the referral day: no clock of the story falls due. */
export const STORY_NOW = '2026-03-02T18:00:00.000Z';

/**
 * The audit tests replay the fast-track story as workflow v1 recorded it (v2 would first ask the
 * plan where care is given: its own stories are in test/e2e/workflow-v2.e2e-spec.ts).
 */
export function startAuditApp(options: StartOptions = {}): Promise<TestApp> {
  return startApp({ clock: new ManualClock(new Date(STORY_NOW)), ...options, env: { WORKFLOW_VERSION: '1', ...options.env } });
}

export type Caller = 'caseWorker' | 'caseWorkerB' | 'approver' | 'seniorApprover' | 'person' | 'otherPerson' | 'advocate' | 'auditor';

export async function callers(): Promise<Record<Caller, string>> {
  return {
    caseWorker: await bearer('case-worker-1', 'case-worker', { organisation: 'council-a' }),
    caseWorkerB: await bearer('case-worker-9', 'case-worker', { organisation: 'council-b' }),
    approver: await bearer('approver-1', 'approver', { organisation: 'council-a' }),
    seniorApprover: await bearer('senior-approver-1', 'senior-approver', { organisation: 'council-a' }),
    person: await bearer(PERSON, 'person'),
    otherPerson: await bearer('6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d', 'person'),
    advocate: await bearer('advocate-1', 'advocate'),
    auditor: await bearer('auditor-1', 'auditor'),
  };
}

/** The default data of a fact of this type (the workflow tests' builders), with overrides. */
export function dataOf(type: EventType, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...(fact(type).data as unknown as Record<string, unknown>), ...overrides };
}

export async function openJourney(
  t: TestApp,
  auth: string,
  overrides: Record<string, unknown> = {},
  occurredAt = '2026-03-02T10:00:00Z',
): Promise<string> {
  const response = await t
    .http()
    .post('/journeys')
    .set('Authorization', auth)
    .send({ data: dataOf('ReferralReceived', overrides), occurredAt });
  if (response.status !== 201) throw new Error(`opening a journey: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.id as string;
}

/** Records a fact and fails loudly (with the engine's answer) if it is not accepted. */
export async function record(
  t: TestApp,
  id: string,
  auth: string,
  type: EventType,
  data: Record<string, unknown> = {},
  options: { occurredAt?: string; reason?: string } = {},
): Promise<number> {
  const response = await t
    .http()
    .post(`/journeys/${id}/events`)
    .set('Authorization', auth)
    .send({ type, data: dataOf(type, data), ...options });
  if (response.status !== 201) throw new Error(`recording ${type}: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.revision as number;
}

export const NURSING_HOME_OVERRIDE = 'No agency can staff 24-hour care at home this week';

/**
 * DOMAIN.md's first story: a fast-track NHS CHC referral, her wish to be cared for at home in her
 * own words, and a nursing-home plan approved against it, with the reason said on the record.
 * Revisions: 0 referral, 1 preference, 2 advocate, 3-4 assessment, 5 budget, 6 draft, 7 submission, 8 approval.
 */
export async function recordFastTrackStory(t: TestApp, auth: Record<Caller, string>): Promise<string> {
  const id = await openJourney(t, auth.caseWorker, {
    personId: PERSON,
    fundingStream: 'nhs-chc',
    route: 'fast-track',
    source: 'hospice',
    summary: 'Rapidly deteriorating; may be entering a terminal phase',
  });
  await record(
    t,
    id,
    auth.person,
    'PreferenceRecorded',
    { topic: 'place-of-care', value: 'home', inTheirWords: HOME_WISH },
    { occurredAt: '2026-03-02T10:30:00Z' },
  );
  await record(
    t,
    id,
    auth.caseWorker,
    'AdvocateAppointed',
    { advocateId: 'advocate-1', basis: 'chosen-by-person' },
    { occurredAt: '2026-03-02T10:45:00Z' },
  );
  await record(t, id, auth.caseWorker, 'AssessmentStarted', {}, { occurredAt: '2026-03-02T11:00:00Z' });
  await record(
    t,
    id,
    auth.caseWorker,
    'AssessmentCompleted',
    {
      eligibleOutcomes: [],
      summary: 'Fast Track Pathway Tool completed by her consultant',
      personViews: 'I want to go home',
      reasons: 'Rapidly deteriorating condition entering a terminal phase',
      choices: { 'place-of-care': 'home' },
    },
    { occurredAt: '2026-03-02T12:00:00Z' },
  );
  await record(
    t,
    id,
    auth.caseWorker,
    'IndicativeBudgetSet',
    { amountPence: 180_000, method: { tool: 'icb-chc-costing', version: '2026.1' }, inputs: { careHoursPerDay: 24 } },
    { occurredAt: '2026-03-02T13:00:00Z' },
  );
  await record(
    t,
    id,
    auth.caseWorker,
    'SupportPlanDrafted',
    {
      outcomes: ['Comfortable and safe at the end of life'],
      supports: [
        { description: 'Nursing home placement', category: 'nursing-home-care', costPence: 175_000, provider: 'Elmwood Nursing Home' },
      ],
      deployment: 'notional',
      choices: { 'place-of-care': 'nursing-home' },
    },
    { occurredAt: '2026-03-02T14:00:00Z' },
  );
  await record(
    t,
    id,
    auth.caseWorker,
    'SupportPlanSubmitted',
    { planVersion: 1, personAgreement: 'disagrees', personViews: 'A nursing home is my worst nightmare' },
    { occurredAt: '2026-03-02T15:00:00Z' },
  );
  await record(
    t,
    id,
    auth.seniorApprover,
    'SupportPlanApproved',
    {
      planVersion: 1,
      finalBudgetPence: 175_000,
      budgetDifferenceReason: 'Placement cost',
      reasons: 'Safest placement available',
      overridesPreference: [{ topic: 'place-of-care', reason: NURSING_HOME_OVERRIDE }],
    },
    { occurredAt: '2026-03-02T16:00:00Z', reason: 'Signed off at the fast-track panel' },
  );
  return id;
}

/**
 * Edits one stored event by hand, as someone with the file and a SQLite shell could: drop the
 * trigger that refuses updates, rewrite the row's data, and leave every hash as it was.
 */
export function tamperWithEvent(
  file: string,
  journeyId: string,
  revision: number,
  change: (data: Record<string, unknown>) => Record<string, unknown>,
): void {
  rewriteRow(file, journeyId, revision, 'data', (data) => JSON.stringify(change(JSON.parse(data) as Record<string, unknown>)));
}

/** The same, on the raw text of a row's `data` or `metadata` column: it need not stay JSON. */
export function rewriteRow(
  file: string,
  journeyId: string,
  revision: number,
  column: 'data' | 'metadata',
  change: (text: string) => string,
): void {
  const db = new Database(file);
  try {
    db.exec('DROP TRIGGER IF EXISTS events_refuse_update');
    const row = db
      .prepare<[string, number], { text: string }>(`SELECT ${column} AS text FROM events WHERE stream_id = ? AND revision = ?`)
      .get(`journey-${journeyId}`, revision);
    if (!row) throw new Error(`no event at revision ${revision} of journey ${journeyId}`);
    const changed = db
      .prepare<[string, string, number]>(`UPDATE events SET ${column} = ? WHERE stream_id = ? AND revision = ?`)
      .run(change(row.text), `journey-${journeyId}`, revision);
    if (changed.changes !== 1) throw new Error('the event was not changed');
  } finally {
    db.close();
  }
}

/** An in-process AuditIo that keeps what the audit CLI prints and writes; its monotonic clock moves `stepMs` a call. */
export function capturedIo(env: Record<string, string | undefined>, now = new Date(STORY_NOW), stepMs = 100) {
  const out: string[] = [];
  const err: string[] = [];
  const files = new Map<string, string>();
  let elapsed = 0;
  const io: AuditIo = {
    out: (text) => out.push(text),
    err: (text) => err.push(text),
    env,
    now: () => now,
    // Each call a little later (a tenth of a second by default), so rates and ETAs are well defined.
    elapsedMs: () => (elapsed += stepMs),
    writeFile: (path, content) => {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, content);
      files.set(path, content);
    },
    user: 'shell-auditor',
  };
  return { io, out, err, files, stdout: () => out.join('\n'), stderr: () => err.join('\n') };
}

/** Runs `npm run audit -- <argv>` in-process on an event file; what it printed, and its exit code. */
export async function runAuditOn(file: string, argv: readonly string[], env: Record<string, string> = {}) {
  const captured = capturedIo({ SQLITE_FILE: file, NODE_ENV: 'test', ...env });
  const code = await runAudit(argv, captured.io);
  return { code, stdout: captured.stdout(), stderr: captured.stderr(), err: captured.err };
}

/** The progress lines (ProgressReporter's) among what a run wrote to stderr. */
export function progressLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => /^[\d,]+\/[\d,]+ journeys \(\d+%\)/.test(line));
}

/** What the last progress line of a run over `total` journeys looks like. */
export function finalProgress(total: number): RegExp {
  return new RegExp(`^${total}/${total} journeys \\(100%\\), [\\d,]+ events, [\\d,]+ journeys/s, [\\d,]+ events/s, done in `);
}
