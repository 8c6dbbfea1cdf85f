/**
 * The command handler on the in-memory store: the snapshot cache is only ever a shortcut, so a
 * journey's cached snapshot always equals a full replay of its stream, including after another
 * instance wrote to it.
 */
import { journeyView, nowOf } from './journey-views';
import { summarise, WorkflowRegistry, type EventType } from '../../workflows';
import { fact } from '../../workflows/testing/facts';
import { ManualClock } from '../common/clock';
import { AccessEndedError, JourneyNotFoundError, StaleRevisionError } from '../errors';
import { ExpectedRevision, NewEvent, StoreUnavailableError, StreamConflictError } from '../event-store/event-store';
import { MemoryEventStore } from '../event-store/memory-event-store';
import { verifyChain } from '../integrity/hash-chain';
import { JourneyCache } from './journey-cache';
import { JourneysService } from './journeys.service';

const caseWorker = { id: 'case-worker-1', role: 'case-worker' as const };
const approver = { id: 'approver-1', role: 'approver' as const };
// The person the default referral is about: the service records only for actors who may see the journey.
const person = { id: fact('ReferralReceived').data.personId, role: 'person' as const };

function service(store: MemoryEventStore): JourneysService {
  // The fact builders write v1's facts (a wish about where care is given, no plan setting).
  return new JourneysService(store, new WorkflowRegistry().startingOn(1), new ManualClock(new Date('2026-01-05T10:00:00Z')));
}

function cachedSummary(journeys: JourneysService, id: string) {
  const entry = journeys['cache'].get(id);
  if (!entry) throw new Error('not cached');
  return summarise(entry.definition, entry.snapshot);
}

async function replayedSummary(journeys: JourneysService, id: string) {
  const loaded = await journeys.load(id);
  return summarise(loaded.definition, loaded.snapshot);
}

const steps: Array<[EventType, typeof caseWorker | typeof approver | typeof person]> = [
  ['AssessmentStarted', caseWorker],
  ['PreferenceRecorded', person],
  ['AssessmentCompleted', caseWorker],
  ['IndicativeBudgetSet', caseWorker],
  ['SupportPlanDrafted', caseWorker],
  ['SupportPlanSubmitted', caseWorker],
  ['SupportPlanApproved', approver],
  ['SupportStarted', caseWorker],
];

describe('JourneysService snapshot cache', () => {
  it('agrees with a full replay after every command', async () => {
    const journeys = service(new MemoryEventStore());
    const { id } = await journeys.open(caseWorker, { data: fact('ReferralReceived').data });
    for (const [type, actor] of steps) {
      const result = await journeys.record(id, actor, { type, data: fact(type).data });
      expect(cachedSummary(journeys, id)).toEqual(await replayedSummary(journeys, id));
      expect(result.state).toBe((await replayedSummary(journeys, id)).state);
    }
    expect((await replayedSummary(journeys, id)).state).toBe('open.liveSupport');
  });

  it('answers a read from the cached snapshot and clocks with what a full replay gives', async () => {
    const store = new MemoryEventStore();
    const journeys = service(store);
    const other = service(store);
    const { id } = await journeys.open(caseWorker, { data: fact('ReferralReceived').data });
    const at = new Date('2026-03-01T00:00:00Z');
    for (const [index, [type, actor]] of steps.entries()) {
      // Every other fact written by another instance: the cached read must fold the tail it missed.
      await (index % 2 === 0 ? journeys : other).record(id, actor, { type, data: fact(type).data });
      const cached = journeyView(await journeys.now(id, caseWorker), 'case-worker', at);
      const replayed = journeyView(nowOf(await journeys.load(id)), 'case-worker', at);
      expect(cached).toEqual(replayed);
    }
  });

  it('folds in what another instance wrote since it cached the journey', async () => {
    const store = new MemoryEventStore();
    const a = service(store);
    const b = service(store);
    const { id } = await a.open(caseWorker, { data: fact('ReferralReceived').data });
    await a.record(id, caseWorker, { type: 'AssessmentStarted', data: fact('AssessmentStarted').data });
    await b.record(id, caseWorker, { type: 'AssessmentCompleted', data: fact('AssessmentCompleted').data });
    await b.record(id, caseWorker, { type: 'IndicativeBudgetSet', data: fact('IndicativeBudgetSet').data });

    const result = await a.record(id, caseWorker, { type: 'SupportPlanDrafted', data: fact('SupportPlanDrafted').data });
    expect(result).toMatchObject({ revision: 4, state: 'open.supportPlanning' });
    expect(cachedSummary(a, id)).toEqual(await replayedSummary(a, id));
    const events = await store.readStream(`journey-${id}`);
    expect(events.map((event) => event.revision)).toEqual([0, 1, 2, 3, 4]);
  });

  it('recognises an Idempotency-Key recorded by another instance', async () => {
    const store = new MemoryEventStore();
    const a = service(store);
    const b = service(store);
    const { id } = await a.open(caseWorker, { data: fact('ReferralReceived').data });
    const input = { type: 'PreferenceRecorded' as const, data: fact('PreferenceRecorded').data };
    const first = await a.record(id, person, input, { idempotencyKey: 'k-1' });
    const again = await b.record(id, person, input, { idempotencyKey: 'k-1' });
    const third = await a.record(id, person, input, { idempotencyKey: 'k-1' });
    expect([again.repeated, third.repeated]).toEqual([true, true]);
    expect(new Set([first.eventId, again.eventId, third.eventId]).size).toBe(1);
    expect(await store.readStream(`journey-${id}`)).toHaveLength(2);
  });

  it('answers a keyed command that lost the race to another instance as a repeat, and keeps the chain whole', async () => {
    const store = new MemoryEventStore();
    const a = service(store);
    const b = service(store);
    const { id } = await a.open(caseWorker, { data: fact('ReferralReceived').data });
    await b.record(id, caseWorker, { type: 'AssessmentStarted', data: fact('AssessmentStarted').data });
    const input = { type: 'PreferenceRecorded' as const, data: fact('PreferenceRecorded').data };

    // Both instances read revision 1, then both append the key's event at revision 2.
    const [first, second] = await Promise.all([
      a.record(id, person, input, { idempotencyKey: 'same-key' }),
      b.record(id, person, input, { idempotencyKey: 'same-key' }),
    ]);
    expect([first.repeated, second.repeated].sort()).toEqual([false, true]);
    expect(second.eventId).toBe(first.eventId);

    await a.record(id, caseWorker, { type: 'AssessmentCompleted', data: fact('AssessmentCompleted').data });
    await b.record(id, caseWorker, { type: 'IndicativeBudgetSet', data: fact('IndicativeBudgetSet').data });
    const events = await store.readStream(`journey-${id}`);
    expect(events.map((event) => event.type)).toEqual([
      'ReferralReceived',
      'AssessmentStarted',
      'PreferenceRecorded',
      'AssessmentCompleted',
      'IndicativeBudgetSet',
    ]);
    expect(verifyChain(events)).toBeNull();
  });

  it('records only for actors who may see the journey, judged on the cached snapshot', async () => {
    const store = new MemoryEventStore();
    const journeys = service(store);
    const { id } = await journeys.open(caseWorker, { data: fact('ReferralReceived').data });
    const advocate = { id: 'advocate-1', role: 'advocate' as const };
    const preference = { type: 'PreferenceRecorded' as const, data: fact('PreferenceRecorded').data };
    const appointment = (type: 'AdvocateAppointed' | 'AdvocateWithdrawn') => ({
      type,
      data: { ...fact(type).data, advocateId: advocate.id },
    });

    await expect(journeys.record(id, advocate, preference)).rejects.toBeInstanceOf(JourneyNotFoundError);
    await expect(journeys.record(id, { id: 'someone-else', role: 'person' }, preference)).rejects.toBeInstanceOf(JourneyNotFoundError);
    await expect(journeys.record(id, { ...caseWorker, organisation: 'council-b' }, preference)).rejects.toBeInstanceOf(
      JourneyNotFoundError,
    );
    await journeys.record(id, caseWorker, appointment('AdvocateAppointed'));
    await expect(journeys.record(id, advocate, preference)).resolves.toMatchObject({ revision: 2 });
    await journeys.record(id, caseWorker, appointment('AdvocateWithdrawn'));
    await expect(journeys.record(id, advocate, preference)).rejects.toBeInstanceOf(AccessEndedError);
    expect(await store.readStream(`journey-${id}`)).toHaveLength(4);
  });
});

/**
 * A store that refuses the next appends to journeys as if another process had just written
 * (or with the error given), and counts every append it is asked for.
 */
class RacedStore extends MemoryEventStore {
  appendsToJourney = 0;
  private refusals = 0;
  private refusal: (streamId: string, expected: ExpectedRevision) => Error = (streamId, expected) =>
    new StreamConflictError(streamId, expected, typeof expected === 'number' ? expected + 1 : 0);

  refuseNext(count: number, refusal?: (streamId: string, expected: ExpectedRevision) => Error): void {
    this.refusals = count;
    this.appendsToJourney = 0;
    if (refusal) this.refusal = refusal;
  }

  override async appendToStream(streamId: string, events: NewEvent[], expected: ExpectedRevision) {
    this.appendsToJourney += 1;
    if (this.refusals > 0) {
      this.refusals -= 1;
      throw this.refusal(streamId, expected);
    }
    return super.appendToStream(streamId, events, expected);
  }
}

describe('JourneysService after losing a race to another process', () => {
  const assessment = { type: 'AssessmentStarted' as const, data: fact('AssessmentStarted').data };

  async function opened() {
    const store = new RacedStore();
    const journeys = service(store);
    const { id } = await journeys.open(caseWorker, { data: fact('ReferralReceived').data });
    return { store, journeys, id };
  }

  it('reads and decides again, and records the fact once', async () => {
    const { store, journeys, id } = await opened();
    store.refuseNext(3);

    await expect(journeys.record(id, caseWorker, assessment)).resolves.toMatchObject({ revision: 1 });
    expect(store.appendsToJourney).toBe(4);
    expect((await store.readStream(`journey-${id}`)).map((event) => event.type)).toEqual(['ReferralReceived', 'AssessmentStarted']);
  });

  it('gives up after 30 tries with StaleRevisionError (412)', async () => {
    const { store, journeys, id } = await opened();
    store.refuseNext(Number.POSITIVE_INFINITY);

    await expect(journeys.record(id, caseWorker, assessment)).rejects.toBeInstanceOf(StaleRevisionError);
    expect(store.appendsToJourney).toBe(30);
    expect(await store.readStream(`journey-${id}`)).toHaveLength(1);
  });

  it('never retries a command sent with If-Match: the caller decided on that revision', async () => {
    const { store, journeys, id } = await opened();
    store.refuseNext(1);

    const error = await journeys.record(id, caseWorker, assessment, { ifMatch: 0 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StaleRevisionError);
    expect(error).toMatchObject({ expectedRevision: 0, actualRevision: 1 });
    expect(store.appendsToJourney).toBe(1);
  });

  it('never retries a failure that is not a lost race', async () => {
    const { store, journeys, id } = await opened();
    store.refuseNext(1, () => new StoreUnavailableError('disk full'));

    await expect(journeys.record(id, caseWorker, assessment)).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(store.appendsToJourney).toBe(1);
  });
});

describe('JourneyCache', () => {
  it('keeps at most its capacity, evicting the least recently used', () => {
    const cache = new JourneyCache(2);
    const entry = {} as Parameters<JourneyCache['set']>[1];
    cache.set('a', entry);
    cache.set('b', entry);
    cache.get('a');
    cache.set('c', entry);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(entry);
    expect(cache.get('c')).toBe(entry);
    expect(cache.size).toBe(2);
  });
});
