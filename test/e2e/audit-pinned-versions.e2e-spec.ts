/**
 * Versions are pinned: a journey written under workflow v1 replays identically after a later version is
 * registered (here a test-only v3 whose rules would refuse that very journey), while new
 * journeys start on it. The service is restarted on the same file between the two.
 */
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { replayChecked, WorkflowRegistry, type WorkflowDefinition, type WorkflowPolicy } from '../../workflows';
import { makeGuards } from '../../workflows/support-planning/guards';
import { policyV1 } from '../../workflows/support-planning/policy';
import { supportPlanningV1 } from '../../workflows/support-planning/v1';
import { AppModule } from '../../src/app.module';
import { NEST_APP_OPTIONS, configureApp, httpAdapter, readyForRequests } from '../../src/app-setup';
import { runAudit } from '../../src/audit/cli/run-audit';
import { Clock, ManualClock } from '../../src/common/clock';
import { SqliteEventStore } from '../../src/event-store/sqlite/sqlite-event-store';
import { toMachineEvent } from '../../src/journeys/journey-records';
import { TEST_SECRET, tempDataDir, type TestApp } from '../support/test-app';
import { STORY_NOW, callers, capturedIo, dataOf, openJourney, recordFastTrackStory, type Caller } from './audit.helpers';

/** Test-only v3: preferences may no longer be recorded by the person themself (only staff and advocates). */
const laterPolicy: WorkflowPolicy = {
  ...policyV1,
  version: 3,
  rolesPerEvent: { ...policyV1.rolesPerEvent, PreferenceRecorded: ['case-worker', 'advocate'] },
};
const later: WorkflowDefinition = {
  id: 'support-planning',
  version: 3,
  machine: supportPlanningV1.provide({ guards: makeGuards(laterPolicy) }),
  policy: laterPolicy,
  facts: new WorkflowRegistry().get('support-planning', 1).facts,
};

function registryWithLaterVersion(): WorkflowRegistry {
  const registry = new WorkflowRegistry();
  registry.register(later);
  return registry;
}

/** The real app on `file`, with the registry given (startApp has no way to override it). */
async function startWith(file: string, registry: WorkflowRegistry): Promise<TestApp> {
  Object.assign(process.env, { EVENT_STORE: 'sqlite', SQLITE_FILE: file, AUTH_SECRET: TEST_SECRET, NODE_ENV: 'test' });
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
    .overrideProvider(WorkflowRegistry)
    .useValue(registry)
    .overrideProvider(Clock)
    .useValue(new ManualClock(new Date(STORY_NOW)))
    .compile();
  const app = moduleRef.createNestApplication(httpAdapter(), { ...NEST_APP_OPTIONS, logger: false });
  await configureApp(app);
  await app.init();
  await readyForRequests(app);
  return { app, http: () => request(app.getHttpServer()), close: () => app.close() };
}

const READS = ['', '/history', '/decisions', '/preferences', '/verify', '/state?revision=4'];

async function readEverything(t: TestApp, id: string, auditor: string): Promise<Record<string, unknown>> {
  const answers: Record<string, unknown> = {};
  for (const path of READS) {
    const response = await t.http().get(`/journeys/${id}${path}`).set('Authorization', auditor).expect(200);
    answers[path || '/'] = response.body;
  }
  return answers;
}

describe('a v1 journey after a later version (3) is registered', () => {
  let auth: Record<Caller, string>;
  let data: ReturnType<typeof tempDataDir>;
  let id: string;
  let underV1: Record<string, unknown>;
  let t: TestApp;

  beforeAll(async () => {
    auth = await callers();
    data = tempDataDir();
    const first = await startWith(data.file, new WorkflowRegistry().startingOn(1));
    id = await recordFastTrackStory(first, auth);
    underV1 = await readEverything(first, id, auth.auditor);
    await first.close();
    t = await startWith(data.file, registryWithLaterVersion());
  });
  afterAll(async () => {
    await t.close();
    data.remove();
  });

  it('v2 really is different: it would refuse this journey at the person’s own preference', async () => {
    const store = new SqliteEventStore(data.file, { readonly: true });
    const events = (await store.readStream(`journey-${id}`)).map(toMachineEvent);
    await store.close();
    const underV2 = replayChecked(later, events);
    expect(underV2.refusedAt).toBe(1);
    expect(underV2.refusal).toMatchObject({ ok: false, kind: 'forbidden', reason: 'actorMayRecord' });
  });

  it('replays exactly as before: state, history, decisions, preferences, verification, the past', async () => {
    expect(underV1['/']).toMatchObject({ workflow: { id: 'support-planning', version: 1 }, state: 'open.approved' });
    expect(await readEverything(t, id, auth.auditor)).toEqual(underV1);
  });

  it('the audit CLI with v2 registered verifies it on v1', async () => {
    const captured = capturedIo({ SQLITE_FILE: data.file });
    expect(await runAudit(['verify', '--journey', id], captured.io, registryWithLaterVersion())).toBe(0);
    expect(captured.stdout()).toContain(`journey ${id}: 9 events, support-planning v1, chain intact, replay consistent`);
  });

  it('keeps deciding new facts on the old journey by v1 rules, while a new journey starts on v2 and gets v2 rules', async () => {
    const preference = {
      type: 'PreferenceRecorded',
      data: dataOf('PreferenceRecorded', { topic: 'agency', value: 'agency-a', inTheirWords: 'The agency we chose' }),
    };
    await t.http().post(`/journeys/${id}/events`).set('Authorization', auth.person).send(preference).expect(201);

    const fresh = await openJourney(t, auth.caseWorker, { personId: '3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b' });
    const opened = await t.http().get(`/journeys/${fresh}`).set('Authorization', auth.auditor).expect(200);
    expect(opened.body.workflow).toEqual({ id: 'support-planning', version: 3 });
    const refused = await t.http().post(`/journeys/${fresh}/events`).set('Authorization', auth.person).send(preference).expect(403);
    expect(refused.body.message).toContain('PreferenceRecorded');
    const verified = await t.http().get(`/journeys/${fresh}/verify`).set('Authorization', auth.auditor).expect(200);
    expect(verified.body).toMatchObject({ workflow: { id: 'support-planning', version: 3 }, replay: { consistent: true } });
  });
});
