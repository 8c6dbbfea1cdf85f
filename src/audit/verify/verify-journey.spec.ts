import { WorkflowRegistry } from '../../../workflows';
import { actors, fact, pathTo } from '../../../workflows/testing/facts';
import type { StoredEvent } from '../../event-store/event-store';
import { hashEvent, integrityOf } from '../../integrity/hash-chain';
import { sealFacts } from '../testing/seal-facts';
import { isSound, verifyAndReplay, verifyJourney } from './verify-journey';

const JOURNEY = '6f1c2b8e-0d7a-4c1e-9d3e-5b0a1f2e3d4c';
const registry = new WorkflowRegistry();
const approved = () => sealFacts(JOURNEY, pathTo.approved());

/** The event with its data changed and nothing else: what an edit of the row by hand does. */
function withData(event: StoredEvent, data: Record<string, unknown>): StoredEvent {
  return { ...event, data: { ...event.data, ...data } };
}

/** Every hash from `from` on recomputed, as someone covering their tracks would. */
function resealedFrom(events: StoredEvent[], from: number): StoredEvent[] {
  const out = events.slice(0, from);
  for (const event of events.slice(from)) {
    const previousHash = integrityOf(out[out.length - 1]?.metadata ?? {})?.hash ?? '0'.repeat(64);
    const hash = hashEvent(event, previousHash);
    out.push({ ...event, metadata: { ...event.metadata, integrity: { previousHash, hash } } });
  }
  return out;
}

describe('verifyJourney', () => {
  it('a journey as the engine wrote it is whole and replays', () => {
    const events = approved();
    const verification = verifyJourney(events, registry);
    expect(verification).toEqual({
      journeyId: JOURNEY,
      streamId: `journey-${JOURNEY}`,
      events: 7,
      workflow: { id: 'support-planning', version: 1 },
      chain: { intact: true },
      replay: { consistent: true },
      head: { revision: 6, hash: integrityOf(events[6].metadata)?.hash },
    });
    expect(isSound(verification)).toBe(true);
  });

  it('names the revision whose data was changed', () => {
    const events = approved();
    events[3] = withData(events[3], { amountPence: 99_999 });
    expect(verifyJourney(events, registry).chain).toEqual({ intact: false, revision: 3, problem: 'hash-mismatch' });
  });

  it('names a removed event as a gap at its revision', () => {
    const events = approved();
    events.splice(4, 1);
    expect(verifyJourney(events, registry).chain).toEqual({ intact: false, revision: 4, problem: 'revision-gap' });
  });

  it('a change whose hashes were recomputed still breaks the replay, at the first fact the rules refuse', () => {
    const events = approved();
    // The approval now says the plan's own drafter approved it: separation of duties is broken.
    const forged = { ...events[6], metadata: { ...events[6].metadata, actor: { ...actors.caseWorker, role: 'approver' } } };
    const resealed = resealedFrom([...events.slice(0, 6), forged], 6);
    const verification = verifyJourney(resealed, registry);
    expect(verification.chain).toEqual({ intact: true });
    expect(verification.replay).toEqual({ consistent: false, revision: 6, type: 'SupportPlanApproved', reason: 'approverDidNotDraftPlan' });
    expect(isSound(verification)).toBe(false);
  });

  it('data whose shape is broken is named like a refusal, by the rule of its shape', () => {
    const events = approved();
    const broken = resealedFrom([...events.slice(0, 4), withData(events[4], { supports: 'not a list' }), ...events.slice(5)], 4);
    // The workflow checks every fact's shape before its rules: the draft itself is named.
    expect(verifyJourney(broken, registry).replay).toEqual({
      consistent: false,
      revision: 4,
      type: 'SupportPlanDrafted',
      reason: 'isArray',
    });
  });

  it('replays on the version the journey started on, and says so when that version is unknown', () => {
    const events = sealFacts(JOURNEY, [fact('ReferralReceived')], { workflow: { id: 'support-planning', version: 9 } });
    expect(verifyJourney(events, registry).replay).toEqual({
      consistent: false,
      revision: 0,
      type: 'ReferralReceived',
      reason: 'unknown-workflow support-planning v9',
    });
  });

  it('gives back the replayed snapshot for summaries', () => {
    const replayed = verifyAndReplay(approved(), registry);
    expect(replayed.snapshot?.value).toEqual({ open: 'approved' });
    expect(replayed.applied).toHaveLength(7);
  });
});
