/**
 * `apply` and `initialSnapshot` run in one inert scope made once per machine, rather than
 * XState's `transition()` and `initialTransition()`, which make a new one per call. They must give
 * the very same snapshots. `replayChecked` transitions once where it used to ask `can` first: it
 * must give the very same verdicts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initialTransition, transition } from 'xstate';
import { WorkflowRegistry } from './index';
import { factIssues } from './fact-checks';
import { apply, initialSnapshot, replayChecked, type JourneySnapshot, type WorkflowDefinition } from './runtime';
import type { JourneyEvent } from './support-planning/events';
import { fact, pathTo, toEvents } from './testing/facts';

const v1 = new WorkflowRegistry().get('support-planning', 1);
const GOLDEN = join(__dirname, '..', 'test', 'golden');

const seen = (snapshot: JourneySnapshot) => ({ value: snapshot.value, status: snapshot.status, context: snapshot.context });

function goldenJourneys(): JourneyEvent[][] {
  return readdirSync(GOLDEN)
    .filter((name) => name.endsWith('.json'))
    .map((name) => (JSON.parse(readFileSync(join(GOLDEN, name), 'utf8')) as { events: JourneyEvent[] }).events);
}

describe('apply', () => {
  const journeys: Array<[string, JourneyEvent[]]> = [
    [
      'a review that revises the plan, then closure',
      toEvents([...pathTo.review(), fact('ReviewCompleted', { outcome: 'revise-plan' }), fact('JourneyClosed')]),
    ],
    [
      'a challenge to not eligible, upheld',
      toEvents([
        ...pathTo.notEligible(),
        fact('DecisionChallenged', { decisionRevision: 2 }),
        fact('ChallengeResolved', { challengeRevision: 3, outcome: 'upheld' }),
      ]),
    ],
    ...goldenJourneys().map((events, n): [string, JourneyEvent[]] => [`golden history ${n + 1}`, events]),
  ];

  it.each(journeys)('gives the snapshot XState’s transition() gives, fact by fact: %s', (_name, events) => {
    expect(events.length).toBeGreaterThan(2);
    let ours = initialSnapshot(v1);
    let theirs = initialTransition(v1.machine)[0] as JourneySnapshot;
    expect(seen(ours)).toEqual(seen(theirs));
    for (const event of events) {
      ours = apply(v1, ours, event);
      theirs = transition(v1.machine, theirs, event)[0] as JourneySnapshot;
      expect(seen(ours)).toEqual(seen(theirs));
    }
    expect(ours.value).not.toEqual(initialSnapshot(v1).value);
  });
});

describe('initialSnapshot', () => {
  const registry = new WorkflowRegistry();

  it.each(registry.list().map((definition) => [`${definition.id} v${definition.version}`, definition] as const))(
    'is the snapshot XState’s initialTransition() gives, a fresh one each time: %s',
    (_name, definition) => {
      const first = initialSnapshot(definition);
      expect(seen(first)).toEqual(seen(initialTransition(definition.machine)[0] as JourneySnapshot));
      expect(initialSnapshot(definition)).not.toBe(first);
      expect(initialSnapshot(definition).context).not.toBe(first.context);
    },
  );
});

describe('replayChecked', () => {
  const registry = new WorkflowRegistry();

  /** The replay as it was written first: the fact's checks, then XState's `can`, then the transition. */
  function replayByCan(definition: WorkflowDefinition, events: readonly JourneyEvent[]) {
    let snapshot = initialSnapshot(definition);
    for (let index = 0; index < events.length; index += 1) {
      const event = events[index];
      const sound = factIssues(definition.facts, definition.policy, snapshot.context, event).length === 0;
      if (!sound || !snapshot.can(event)) return { snapshot, refusedAt: index };
      snapshot = apply(definition, snapshot, event);
    }
    return { snapshot, refusedAt: null };
  }

  /** Each journey as recorded, and with each fact after the first left out or given twice: records most facts refuse. */
  function variants(events: JourneyEvent[]): JourneyEvent[][] {
    const changed = events.slice(1).flatMap((_event, offset) => {
      const at = offset + 1;
      return [
        [...events.slice(0, at), ...events.slice(at + 1)],
        [...events.slice(0, at + 1), ...events.slice(at)],
      ];
    });
    return [events, ...changed];
  }

  it.each(registry.list().map((definition) => [`${definition.id} v${definition.version}`, definition] as const))(
    'gives the verdict and snapshot that checking with can() first gives, on every golden history and its variants: %s',
    (_name, definition) => {
      let refusals = 0;
      for (const events of goldenJourneys().flatMap(variants)) {
        const ours = replayChecked(definition, events);
        const reference = replayByCan(definition, events);
        expect(ours.refusedAt).toBe(reference.refusedAt);
        expect(seen(ours.snapshot)).toEqual(seen(reference.snapshot));
        if (ours.refusedAt !== null) refusals += 1;
      }
      expect(refusals).toBeGreaterThan(10);
    },
  );
});
