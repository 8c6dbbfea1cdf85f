/**
 * What an advocate reads, over HTTP on the real app: the decisions of the fast-track story, each
 * with who made it and why, the facts it rested on and the one that went against her wish to be
 * cared for at home; her preferences and what became of them; and who has read her record.
 */
import {
  HOME_WISH,
  NURSING_HOME_OVERRIDE,
  PERSON,
  STORY_NOW,
  callers,
  record,
  recordFastTrackStory,
  startAuditApp,
  type Caller,
} from './audit.helpers';
import type { TestApp } from '../support/test-app';

let t: TestApp;
let auth: Record<Caller, string>;
let id: string;

beforeAll(async () => {
  auth = await callers();
  t = await startAuditApp();
  id = await recordFastTrackStory(t, auth);
});
afterAll(() => t.close());

const get = (path: string, caller: Caller) => t.http().get(path).set('Authorization', auth[caller]);

interface DecisionBody {
  revision: number;
  type: string;
  actor: { id: string; role: string };
  occurredAt: string;
  recordedAt: string;
  reasons: string;
  recordReason: string | null;
  restsOn: Array<{ revision: number; type: string; as: string }>;
  wentAgainstPreference: boolean;
  preferences: Array<{ topic: string; followed: boolean; overrideReason: string | null; inTheirWords: string }>;
  challenges: Array<{ challengeRevision: number; resolution: { outcome: string; reasons: string } | null }>;
  links: { stateBefore: string; stateAfter: string; stateWhenRecorded: string };
}

describe('GET /journeys/:id/decisions: the fast-track story', () => {
  it('names the actor, role and reasons of each decision, and flags the one that went against her wish', async () => {
    const response = await get(`/journeys/${id}/decisions`, 'advocate').expect(200);
    const decisions = response.body.decisions as DecisionBody[];
    expect(decisions.map((d) => [d.revision, d.type, d.actor.id, d.actor.role, d.reasons, d.wentAgainstPreference])).toEqual([
      [4, 'AssessmentCompleted', 'case-worker-1', 'case-worker', 'Rapidly deteriorating condition entering a terminal phase', false],
      [5, 'IndicativeBudgetSet', 'case-worker-1', 'case-worker', 'icb-chc-costing 2026.1', false],
      [8, 'SupportPlanApproved', 'senior-approver-1', 'senior-approver', 'Safest placement available', true],
    ]);
    const approval = decisions[2];
    expect(approval.preferences).toEqual([
      expect.objectContaining({ topic: 'place-of-care', followed: false, overrideReason: NURSING_HOME_OVERRIDE, inTheirWords: HOME_WISH }),
    ]);
    expect(approval.recordReason).toBe('Signed off at the fast-track panel');
    expect(approval.occurredAt).toBe('2026-03-02T16:00:00.000Z');
    expect(approval.recordedAt).toEqual(expect.any(String));
    expect(decisions[0].preferences).toEqual([expect.objectContaining({ topic: 'place-of-care', followed: true })]);
  });

  it('says what each decision rested on, by revision, and links to the state before and after it', async () => {
    const response = await get(`/journeys/${id}/decisions`, 'advocate').expect(200);
    const approval = (response.body.decisions as DecisionBody[])[2];
    expect(approval.restsOn.map((ref) => [ref.revision, ref.as])).toEqual([
      [1, 'preference:place-of-care'],
      [4, 'assessment'],
      [5, 'indicative budget'],
      [6, 'plan drafted'],
      [7, 'submission'],
    ]);
    expect(approval.links).toEqual({
      stateBefore: `/journeys/${id}/state?revision=7`,
      stateAfter: `/journeys/${id}/state?revision=8`,
      stateWhenRecorded: `/journeys/${id}/state?at=${STORY_NOW}`,
    });
    const before = await get(approval.links.stateBefore, 'advocate').expect(200);
    expect(before.body).toMatchObject({ revision: 7, state: 'open.signOff' });
    const after = await get(approval.links.stateAfter, 'advocate').expect(200);
    expect(after.body).toMatchObject({ revision: 8, state: 'open.approved' });
  });

  it('shows a challenge to the approval, and its outcome once resolved', async () => {
    const challenge = await record(t, id, auth.advocate, 'DecisionChallenged', {
      decisionRevision: 8,
      grounds: 'Her recorded wish was to be cared for at home',
      raisedBy: 'advocate-1',
    });
    const open = await get(`/journeys/${id}/decisions`, 'person').expect(200);
    expect((open.body.decisions as DecisionBody[])[2].challenges).toEqual([
      expect.objectContaining({ challengeRevision: challenge, resolution: null }),
    ]);

    await record(t, id, auth.approver, 'ChallengeResolved', {
      challengeRevision: challenge,
      outcome: 'upheld',
      reasons: 'Her wish was not weighed; an agency has now been found',
      remedy: 'Plan care at home',
    });
    const resolved = await get(`/journeys/${id}/decisions`, 'advocate').expect(200);
    const decisions = resolved.body.decisions as DecisionBody[];
    expect(decisions[2].challenges).toEqual([
      expect.objectContaining({
        challengeRevision: challenge,
        resolution: expect.objectContaining({ outcome: 'upheld', reasons: 'Her wish was not weighed; an agency has now been found' }),
      }),
    ]);
    expect(decisions[3]).toMatchObject({
      type: 'ChallengeResolved',
      actor: { id: 'approver-1', role: 'approver' },
      wentAgainstPreference: false,
    });
  });

  it('is refused to anyone the journey is hidden from, with the 404 a missing journey gets', async () => {
    await get(`/journeys/${id}/decisions`, 'otherPerson').expect(404);
    await get(`/journeys/${id}/decisions`, 'caseWorkerB').expect(404);
    await get(`/journeys/${id}/preferences`, 'otherPerson').expect(404);
    await get('/journeys/00000000-0000-4000-8000-000000000000/decisions', 'auditor').expect(404);
  });
});

describe('GET /journeys/:id/preferences', () => {
  it('gives her words, and every later decision that followed the preference or went against it', async () => {
    const response = await get(`/journeys/${id}/preferences`, 'person').expect(200);
    expect(response.body.preferences).toEqual([
      expect.objectContaining({
        revision: 1,
        topic: 'place-of-care',
        value: 'home',
        inTheirWords: HOME_WISH,
        recordedBy: { id: PERSON, role: 'person' },
        supersededBy: null,
        decisions: [
          expect.objectContaining({ revision: 4, type: 'AssessmentCompleted', followed: true, overrideReason: null }),
          expect.objectContaining({
            revision: 8,
            type: 'SupportPlanApproved',
            chosen: 'nursing-home',
            followed: false,
            overrideReason: NURSING_HOME_OVERRIDE,
          }),
        ],
      }),
    ]);
  });
});

describe('who looked', () => {
  interface Entry {
    actor: { id: string; role: string };
    route: string;
    detail: string | null;
    journeyId: string;
    at: string;
  }

  it('logs every read of the journey, with who, role, what and when; not the refused ones', async () => {
    const fresh = await recordFastTrackStory(t, auth);
    await get(`/journeys/${fresh}`, 'caseWorker').expect(200);
    await get(`/journeys/${fresh}/history`, 'auditor').expect(200);
    await get(`/journeys/${fresh}/state?revision=3`, 'advocate').expect(200);
    await get(`/journeys/${fresh}/decisions`, 'advocate').expect(200);
    await get(`/journeys/${fresh}/preferences`, 'person').expect(200);
    await get(`/journeys/${fresh}/verify`, 'auditor').expect(200);
    await get(`/journeys/${fresh}/export?format=html`, 'advocate').expect(200);
    await get(`/journeys/${fresh}/decisions`, 'otherPerson').expect(404);
    await get(`/journeys/${fresh}/verify`, 'caseWorker').expect(403);

    const response = await get(`/audit/access?journey=${fresh}`, 'auditor').expect(200);
    const entries = response.body.entries as Entry[];
    expect(entries.map((entry) => [entry.actor.id, entry.actor.role, entry.route, entry.detail])).toEqual([
      ['case-worker-1', 'case-worker', 'GET /journeys/:id', null],
      ['auditor-1', 'auditor', 'GET /journeys/:id/history', null],
      ['advocate-1', 'advocate', 'GET /journeys/:id/state', 'revision=3'],
      ['advocate-1', 'advocate', 'GET /journeys/:id/decisions', null],
      [PERSON, 'person', 'GET /journeys/:id/preferences', null],
      ['auditor-1', 'auditor', 'GET /journeys/:id/verify', null],
      ['advocate-1', 'advocate', 'GET /journeys/:id/export', 'format=html'],
    ]);
    expect(entries.every((entry) => entry.journeyId === fresh && entry.at === STORY_NOW)).toBe(true);
  });

  it('logs a caseload list as a read of each journey it shows', async () => {
    const fresh = await recordFastTrackStory(t, auth);
    const list = await get('/journeys?limit=500', 'caseWorker').expect(200);
    expect(list.body.items.map((item: { id: string }) => item.id)).toContain(fresh);
    const response = await get(`/audit/access?journey=${fresh}`, 'auditor').expect(200);
    expect((response.body.entries as Entry[]).map((entry) => [entry.actor.id, entry.route])).toEqual([['case-worker-1', 'GET /journeys']]);
  });

  it('auditors search by actor too, page by page; others may not search', async () => {
    const first = await get('/audit/access?actor=advocate-1&limit=2', 'auditor').expect(200);
    expect(first.body.entries).toHaveLength(2);
    expect(first.body.entries.every((entry: Entry) => entry.actor.id === 'advocate-1')).toBe(true);
    const second = await get(`/audit/access?actor=advocate-1&limit=2&after=${first.body.next as number}`, 'auditor').expect(200);
    expect(second.body.entries[0].id).toBeGreaterThan(first.body.next as number);
    await get('/audit/access?actor=advocate-1', 'caseWorker').expect(403);
    await get('/audit/access?actor=advocate-1', 'advocate').expect(403);
    const neither = await get('/audit/access', 'auditor').expect(400);
    expect(neither.body.details[0]).toMatchObject({ rule: 'journeyOrActor' });
  });

  it('the person and her advocate may ask who read her record; staff and strangers may not', async () => {
    const fresh = await recordFastTrackStory(t, auth);
    await get(`/journeys/${fresh}/history`, 'caseWorker').expect(200);
    const forPerson = await get(`/journeys/${fresh}/access`, 'person').expect(200);
    expect(forPerson.body.entries.map((entry: Entry) => [entry.actor.id, entry.route])).toEqual([
      ['case-worker-1', 'GET /journeys/:id/history'],
    ]);
    const forAdvocate = await get(`/journeys/${fresh}/access`, 'advocate').expect(200);
    expect(forAdvocate.body.entries).toHaveLength(1);
    await get(`/journeys/${fresh}/access`, 'caseWorker').expect(403);
    await get(`/journeys/${fresh}/access`, 'otherPerson').expect(404);
    // Asking who looked is not itself a read of the journey's data.
    const again = await get(`/journeys/${fresh}/access`, 'auditor').expect(200);
    expect(again.body.entries).toHaveLength(1);
  });

  it('the reads are not in the journey’s stream: its revision does not move', async () => {
    const before = await get(`/journeys/${id}/history`, 'auditor').expect(200);
    await get(`/journeys/${id}`, 'auditor').expect(200);
    const after = await get(`/journeys/${id}/history`, 'auditor').expect(200);
    expect(after.body.events).toHaveLength(before.body.events.length);
  });
});
