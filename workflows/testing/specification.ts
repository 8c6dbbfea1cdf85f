/**
 * Given / when / then for journeys: given these facts, when this fact, then it is allowed (and the
 * journey is in this state) or refused (by this rule). Every workflow test reads as the process it
 * checks.
 */
import { decide, replay, statePath, type Decision, type JourneySnapshot, type WorkflowDefinition } from '../runtime';
import { toEvents, type Fact } from './facts';

export interface Outcome {
  decision: Decision;
  /** The journey after the fact, when it was allowed. */
  after: JourneySnapshot | null;
  before: JourneySnapshot;
}

export function specification(definition: WorkflowDefinition) {
  return {
    given(...history: Fact[]) {
      const events = toEvents(history);
      const before = replay(definition, events);
      return {
        /** The journey as the given facts leave it. */
        snapshot: before,
        when(next: Fact) {
          const [event] = toEvents([next], events.length, events.at(-1)?.meta.occurredAt);
          const decision = decide(definition, before, event);
          const after = decision.ok ? replay(definition, [event], before) : null;
          return then({ decision, after, before });
        },
      };
    },
  };
}

function then(outcome: Outcome) {
  return {
    outcome,
    /** The fact is allowed and leaves the journey in `state` (a dotted path, e.g. `open.signOff`). */
    thenAllowed(state?: string): JourneySnapshot {
      if (!outcome.decision.ok) {
        throw new Error(
          `expected the fact to be allowed, but it was refused: ${outcome.decision.reason} (${outcome.decision.explanation})`,
        );
      }
      const after = outcome.after as JourneySnapshot;
      if (state !== undefined) expect(statePath(after.value)).toBe(state);
      return after;
    },
    /** The fact is refused by the named rule (a guard name, `wrong-state` or `actorMayRecord`). */
    thenRefused(reason: string): Extract<Decision, { ok: false }> {
      if (outcome.decision.ok) throw new Error(`expected the fact to be refused by ${reason}, but it was allowed`);
      expect(outcome.decision.reason).toBe(reason);
      return outcome.decision;
    },
  };
}
