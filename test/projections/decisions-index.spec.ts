/**
 * The decision index, over real journeys: one row per decision fact, who made it and when, whether
 * it went against a recorded preference, and whether it was challenged and how that ended.
 */
import Database from 'better-sqlite3';
import { WorkflowRegistry } from '../../workflows';
import { actors } from '../../workflows/testing/facts';
import { MemoryEventStore } from '../../src/event-store/memory-event-store';
import { type DecisionFilter, type DecisionsProjection } from '../../src/projections/decisions.projection';
import { DECISION_TYPES } from '../../workflows/support-planning/decisions';
import { ProjectionRunner } from '../../src/projections/projection-runner';
import { createProjections } from '../../src/projections/read-models.service';
import { appendWhole, histories, plannedJourneys, sealJourney, type PlannedJourney } from './journey-fixtures';

const PAGE = { limit: 500, offset: 0 };

interface Index {
  list: (filter?: DecisionFilter, page?: { limit: number; offset: number }) => ReturnType<DecisionsProjection['list']>;
  journeys: PlannedJourney[];
}

async function indexOf(journeys: PlannedJourney[]): Promise<Index> {
  const store = new MemoryEventStore();
  await appendWhole(store, journeys);
  const db = new Database(':memory:');
  const { caseload, decisions } = createProjections(new WorkflowRegistry());
  const runner = new ProjectionRunner(store, db, [caseload, decisions], { batchSize: 3 });
  await runner.start();
  await runner.stop();
  return { list: (filter = {}, page = PAGE) => decisions.list(db, filter, page), journeys };
}

/** One journey of every history: plannedJourneys cycles through them in this order. */
const HISTORY_NAMES = histories().map((history) => history.name);
const journeyOf = (index: Index, history: string) => index.journeys[HISTORY_NAMES.indexOf(history)];

describe('the decision index', () => {
  let index: Index;

  beforeAll(async () => {
    index = await indexOf(plannedJourneys(HISTORY_NAMES.length));
  });

  it('has one row per decision fact of every journey, in the order they were recorded', () => {
    const expected = index.journeys.flatMap((journey) =>
      journey.events
        .map((event, revision) => ({ event, revision }))
        // The fixtures are version 1 journeys: the decisions of every version, no closure (v2's rule 9 made closures one).
        .filter(({ event }) => (DECISION_TYPES as readonly string[]).includes(event.type))
        .map(({ event, revision }) => ({ journeyId: journey.journeyId, revision, type: event.type })),
    );
    const { total, items } = index.list();
    expect(total).toBe(expected.length);
    expect(items.map(({ journeyId, revision, type }) => ({ journeyId, revision, type })).sort(byJourneyAndRevision)).toEqual(
      expected.sort(byJourneyAndRevision),
    );
    const positions = items.map((item) => BigInt(item.position));
    expect(positions).toEqual([...positions].sort((a, b) => (a < b ? -1 : 1)));
  });

  it('takes actor, occurredAt and recordedAt from the stored metadata, not re-dated', () => {
    const journey = journeyOf(index, 'integrated-approval-challenged-by-advocate');
    const approval = journey.events[7];
    const row = index.list().items.find((item) => item.journeyId === journey.journeyId && item.revision === 7);
    expect(approval.type).toBe('SupportPlanApproved');
    expect(row).toMatchObject({
      type: 'SupportPlanApproved',
      actor: { id: (approval.metadata.actor as { id: string }).id, role: (approval.metadata.actor as { role: string }).role },
      occurredAt: approval.metadata.occurredAt,
      recordedAt: approval.metadata.recordedAt,
    });
    expect(row?.recordedAt).not.toBe(row?.occurredAt);
  });

  it('shows a decision that went against a preference, challenged twice, with the latest outcome', () => {
    const journey = journeyOf(index, 'overridden-and-challenged-twice');
    const rows = index.list().items.filter((item) => item.journeyId === journey.journeyId);
    expect(
      rows.map(({ revision, type, overridesPreference, overriddenTopics, challenged, challenge, actor }) => ({
        revision,
        type,
        overridesPreference,
        overriddenTopics,
        challenged,
        challenge,
        actor: actor.id,
      })),
    ).toEqual([
      {
        revision: 3,
        type: 'AssessmentCompleted',
        overridesPreference: true,
        overriddenTopics: ['place-of-care'],
        challenged: true,
        challenge: { revision: 7, count: 2, outcome: 'upheld' },
        actor: actors.caseWorker.id,
      },
      {
        revision: 6,
        type: 'ChallengeResolved',
        overridesPreference: false,
        overriddenTopics: [],
        challenged: false,
        challenge: null,
        actor: actors.otherApprover.id,
      },
      {
        revision: 8,
        type: 'ChallengeResolved',
        overridesPreference: false,
        overriddenTopics: [],
        challenged: false,
        challenge: null,
        actor: actors.otherApprover.id,
      },
    ]);
  });

  it('shows the outcome of a resolved challenge on the decision it contested', () => {
    const journey = journeyOf(index, 'integrated-approval-challenged-by-advocate');
    const approval = index.list().items.find((item) => item.journeyId === journey.journeyId && item.revision === 7);
    expect(approval).toMatchObject({ challenged: true, challenge: { revision: 9, count: 1, outcome: 'partly-upheld' } });
  });

  it('shows a challenge still open as challenged with no outcome yet', async () => {
    const story = histories().find((history) => history.name === 'overridden-and-challenged-twice');
    if (!story) throw new Error('fixture missing');
    const journeyId = '00000000-0000-4000-8000-0000000000aa';
    const upToFirstChallenge = { ...story, events: story.events.slice(0, 6) };
    const open = await indexOf([{ journeyId, history: story.name, events: sealJourney(journeyId, upToFirstChallenge) }]);
    expect(open.list().items).toEqual([
      expect.objectContaining({ revision: 3, challenged: true, challenge: { revision: 5, count: 1, outcome: null } }),
    ]);
  });

  describe('filters', () => {
    it('by type', () => {
      const { items, total } = index.list({ type: 'ChallengeResolved' });
      expect(total).toBe(4);
      expect(new Set(items.map((item) => item.type))).toEqual(new Set(['ChallengeResolved']));
    });

    it('by the actor who decided', () => {
      const { items } = index.list({ actorId: actors.otherApprover.id });
      expect(items.length).toBeGreaterThan(0);
      items.forEach((item) => expect(item.actor.id).toBe(actors.otherApprover.id));
      expect(index.list({ actorId: 'nobody' }).total).toBe(0);
    });

    it('challenged or never challenged, the two adding up to all', () => {
      const challenged = index.list({ challenged: true });
      const never = index.list({ challenged: false });
      expect(challenged.items.map((item) => item.challenged)).toEqual(challenged.items.map(() => true));
      expect(never.items.map((item) => item.challenged)).toEqual(never.items.map(() => false));
      expect(challenged.total).toBe(3);
      expect(challenged.total + never.total).toBe(index.list().total);
    });

    it('by organisation, as the caseload records it (null: journeys recorded without one)', () => {
      const organisationOf = new Map(
        index.journeys.map((journey) => [
          journey.journeyId,
          (journey.events[0].metadata.actor as { organisation?: string }).organisation ?? null,
        ]),
      );
      for (const organisation of ['council-a', 'council-b', null]) {
        const { items } = index.list({ organisation });
        expect(items.length).toBeGreaterThan(0);
        items.forEach((item) => expect(organisationOf.get(item.journeyId)).toBe(organisation));
      }
    });

    it('combined, and paged with a stable order', () => {
      const all = index.list({ challenged: false }).items;
      const pages = [0, 4, 8, 12, 16, 20].flatMap((offset) => index.list({ challenged: false }, { limit: 4, offset }).items);
      expect(pages).toEqual(all);
      expect(
        index
          .list({ type: 'AssessmentCompleted', challenged: true })
          .items.map((item) => item.journeyId)
          .sort(),
      ).toEqual(
        [journeyOf(index, 'not-eligible-challenge-upheld').journeyId, journeyOf(index, 'overridden-and-challenged-twice').journeyId].sort(),
      );
    });
  });

  it('ignores facts that are not decisions', () => {
    const journey = journeyOf(index, 'fast-track-chc-home-wish-died');
    const types = index
      .list()
      .items.filter((item) => item.journeyId === journey.journeyId)
      .map((item) => item.type);
    expect(types).toEqual(['AssessmentCompleted', 'IndicativeBudgetSet', 'SupportPlanReturned']);
  });
});

function byJourneyAndRevision(a: { journeyId: string; revision: number }, b: { journeyId: string; revision: number }): number {
  return a.journeyId.localeCompare(b.journeyId) || a.revision - b.revision;
}
