/**
 * Golden histories: recorded journeys, kept as the events a store holds, replayed in every test
 * run against the current code on the workflow version they started on. A change that alters how
 * a recorded journey replays fails here: that is what pinned versions are for. If such a change
 * is intended, re-recording the expected summary is a deliberate step
 * (`scripts/record-golden.ts --accept`, see its header), never something a test does.
 *
 * Determinism lives here too: the same events replay to equal summaries however often, after a
 * JSON round trip, and one fact at a time through `decide` as the service records them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deepFreeze } from '../../workflows/deep-freeze';
import {
  WorkflowRegistry,
  apply,
  computeClocks,
  decide,
  initialSnapshot,
  replay,
  replayChecked,
  summarise,
  type ClockInstance,
  type JourneyEvent,
  type JourneySummary,
} from '../../workflows';

interface GoldenHistory {
  description: string;
  workflow: { id: string; version: number };
  events: JourneyEvent[];
  expectedSummary: JourneySummary;
  /** Every clock the journey started, as its version's policy folds them: clocks are pinned too. */
  expectedClocks: ClockInstance[];
}

const registry = new WorkflowRegistry();
const files = readdirSync(__dirname)
  .filter((name) => name.endsWith('.json'))
  .sort();
const histories = files.map((file) => ({ file, ...(JSON.parse(readFileSync(join(__dirname, file), 'utf8')) as GoldenHistory) }));

describe('golden histories', () => {
  it('are kept for the stories that matter', () => {
    expect(files).toEqual([
      'fast-track-chc-home-wish-died.json',
      'integrated-approval-challenged-by-advocate.json',
      'not-eligible-challenge-upheld.json',
      'returned-approved-reviewed-revised.json',
      'v2-chosen-agency-overridden-with-reasons.json',
      'v2-daughter-asks-for-review-plan-revised-in-live-support.json',
      'v2-joint-funding-makes-integrated.json',
      'v2-not-eligible-with-advice-closure-challenged.json',
    ]);
  });

  describe.each(histories)('$file', ({ workflow, events, expectedSummary, expectedClocks }) => {
    const definition = registry.get(workflow.id, workflow.version);

    it('is in the stored form: consecutive revisions, each fact with its actor and time', () => {
      events.forEach((event, index) => {
        expect(Object.keys(event).sort()).toEqual(['data', 'meta', 'type']);
        expect(Object.keys(event.meta).every((key) => ['actor', 'occurredAt', 'revision', 'reason'].includes(key))).toBe(true);
        expect(event.meta.revision).toBe(index);
        expect(event.meta.actor).toEqual(expect.objectContaining({ id: expect.any(String), role: expect.any(String) }));
        expect(new Date(event.meta.occurredAt).toISOString()).toBe(event.meta.occurredAt);
      });
      expect(expectedSummary.workflow).toEqual(workflow);
    });

    it('replays on its pinned version with every fact accepted, to the expected summary', () => {
      const result = replayChecked(definition, events);
      expect(result.refusal).toBeNull();
      expect(summarise(definition, result.snapshot)).toEqual(expectedSummary);
    });

    it('folds to the expected clocks on its pinned policy', () => {
      expect(expectedClocks.length).toBeGreaterThan(0);
      expect(computeClocks(definition.policy, events)).toEqual(expectedClocks);
    });

    it('replays to the same summary twice, and after a JSON round trip of its events', () => {
      const first = summarise(definition, replay(definition, events));
      const second = summarise(definition, replay(definition, events));
      const roundTripped = JSON.parse(JSON.stringify(events)) as JourneyEvent[];
      expect(second).toEqual(first);
      expect(summarise(definition, replay(definition, roundTripped))).toEqual(first);
    });

    it('replays to the same summary one fact at a time, each decided first as the service records it', () => {
      let snapshot = initialSnapshot(definition);
      for (const event of events) {
        expect(decide(definition, snapshot, event)).toEqual({ ok: true });
        snapshot = apply(definition, snapshot, event);
      }
      expect(summarise(definition, snapshot)).toEqual(summarise(definition, replay(definition, events)));
    });

    it('does not change the stored events while replaying them', () => {
      const frozen = deepFreeze(JSON.parse(JSON.stringify(events)) as JourneyEvent[]);
      expect(summarise(definition, replay(definition, frozen))).toEqual(expectedSummary);
      expect(frozen).toEqual(events);
    });
  });

  it('would catch a change: an altered record no longer matches its expected summary', () => {
    const history = histories.find((h) => h.file === 'returned-approved-reviewed-revised.json') as GoldenHistory;
    const definition = registry.get(history.workflow.id, history.workflow.version);
    const altered = history.events.map((event) =>
      event.type === 'SupportPlanApproved' && event.meta.revision === 18
        ? { ...event, data: { ...event.data, finalBudgetPence: 38_000 } }
        : event,
    );
    expect(summarise(definition, replay(definition, altered))).not.toEqual(history.expectedSummary);
  });
});
