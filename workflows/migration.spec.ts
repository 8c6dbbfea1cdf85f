/**
 * Declared migration, with a test-only version 2 (v1 plus "the final budget covers the plan",
 * and advocates may ask for a review): the dry run names the first revision and rule the new
 * version refuses, and a recorded migration makes the journey replay v1 up to it and v2 after it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  definitionAfter,
  dryRunMigration,
  factsOf,
  MigrationTargetError,
  replayJourney,
  segmentsOf,
  type StreamEvent,
  type WorkflowMigratedEvent,
} from './migration';
import { replay, statePath, type JourneySnapshot } from './runtime';
import type { JourneyEvent } from './support-planning/events';
import { actors, fact, pathTo, toEvents, type Fact } from './testing/facts';
import { ADDED_RULE, registryWithTightenedVersion, tightenedVersion } from './testing/tightened-version';

const START = { id: 'support-planning', version: 1 };
const registry = registryWithTightenedVersion();
const v1 = registry.get('support-planning', 1);

function migration(revision: number, from = 1, to = 2): WorkflowMigratedEvent {
  return {
    type: 'WorkflowMigrated',
    data: { from, to },
    meta: {
      actor: actors.approver,
      occurredAt: new Date(Date.UTC(2026, 2, 1) + revision * 3_600_000).toISOString(),
      revision,
      reason: 'Move to the current rules',
    },
  };
}

/** Facts, a migration from v1 to v2, then more facts: revisions numbered through. */
function migratedStream(before: Fact[], after: Fact[] = [], move: Partial<{ from: number; to: number }> = {}): StreamEvent[] {
  const first = toEvents(before);
  return [...first, migration(first.length, move.from, move.to), ...toEvents(after, first.length + 1)];
}

const seen = (snapshot: JourneySnapshot) => ({ value: snapshot.value, context: snapshot.context });

/** Approved for less than the plan costs (v1 accepts it with a reason; the test v2 does not). */
const approvedShort = (): Fact[] => [
  ...pathTo.signOff(),
  fact('SupportPlanApproved', { finalBudgetPence: 20_000, budgetDifferenceReason: 'Panel cut' }),
];

describe('replayJourney', () => {
  it('replays a journey with no migration exactly as its own version does, in one segment', () => {
    const events = toEvents([...pathTo.liveSupport(), fact('ReviewRequested')]);
    const result = replayJourney(registry, START, events);
    expect(result.refusal).toBeNull();
    expect(result.definition.version).toBe(1);
    expect(seen(result.snapshot)).toEqual(seen(replay(v1, events)));
    expect(result.segments).toEqual([{ version: 1, fromRevision: 0, toRevision: events.length - 1, openedBy: null }]);
  });

  it('replays v1 up to the migration and v2 after it: a later fact is decided by v2’s rules', () => {
    const advocateAsks = fact('ReviewRequested', { requestedBy: 'advocate-1' }, { by: actors.advocate });
    const events = migratedStream(pathTo.liveSupport(), [advocateAsks]);
    const result = replayJourney(registry, START, events);

    expect(result.refusal).toBeNull();
    expect(result.definition).toBe(tightenedVersion);
    expect(result.segments).toEqual([
      { version: 1, fromRevision: 0, toRevision: 7, openedBy: null },
      { version: 2, fromRevision: 8, toRevision: 9, openedBy: { revision: 8, from: 1 } },
    ]);
    expect(seen(result.snapshot)).toEqual(seen(replay(tightenedVersion, factsOf(events))));
    expect(result.snapshot.context.reviewRequest).toMatchObject({ requestedBy: 'advocate-1', revision: 9 });
  });

  it('checks the facts before the migration under v1: what only v2 allows is refused there', () => {
    const advocateAsks = fact('ReviewRequested', { requestedBy: 'advocate-1' }, { by: actors.advocate });
    const events = migratedStream([...pathTo.liveSupport(), advocateAsks]);
    const { refusal, definition } = replayJourney(registry, START, events);
    expect(definition.version).toBe(1);
    expect(refusal).toMatchObject({ revision: 8, type: 'ReviewRequested', version: 1, rule: 'actorMayRecord', atMigration: null });
  });

  it('refuses a migration whose history v2 would refuse, naming the fact, the rule and the migration', () => {
    const events = migratedStream([...approvedShort(), fact('SupportStarted')]);
    const { refusal } = replayJourney(registry, START, events);
    expect(refusal).toEqual({
      index: 6,
      revision: 6,
      type: 'SupportPlanApproved',
      version: 2,
      rule: ADDED_RULE,
      explanation: tightenedVersion.ruleDescriptions?.[ADDED_RULE],
      atMigration: 8,
    });
  });

  it.each([
    ['from a version the journey is not on', { from: 2, to: 2 }, 'migrationFromCurrentVersion'],
    ['back or to the same version', { from: 1, to: 1 }, 'migrationMovesForward'],
    ['to a version the engine does not have', { from: 1, to: 3 }, 'migrationTargetRegistered'],
  ])('refuses a recorded migration %s', (_case, move, rule) => {
    const events = migratedStream(pathTo.approved(), [fact('SupportStarted')], move);
    const { refusal, definition } = replayJourney(registry, START, events);
    expect(definition.version).toBe(1);
    expect(refusal).toMatchObject({ revision: 7, type: 'WorkflowMigrated', version: 1, rule, atMigration: null });
    expect(refusal?.explanation.length).toBeGreaterThan(20);
  });

  it.each([
    ['by a case worker', { actor: actors.caseWorker }, 'migrationByApprover'],
    ['without a reason', { reason: undefined }, 'migrationHasReason'],
    ['with a blank reason', { reason: ' \u200b\t' }, 'migrationHasReason'],
  ])('refuses a recorded migration %s (one that reached the store by another road)', (_case, meta, rule) => {
    const before = toEvents(pathTo.approved());
    const move = migration(before.length);
    const events = [...before, { ...move, meta: { ...move.meta, ...meta } }];
    const { refusal, definition } = replayJourney(registry, START, events);
    expect(definition.version).toBe(1);
    expect(refusal).toMatchObject({ revision: before.length, type: 'WorkflowMigrated', version: 1, rule, atMigration: null });
  });
});

describe('definitionAfter and segmentsOf', () => {
  it('name the version after the last migration without replaying', () => {
    const events = migratedStream(pathTo.approved(), [fact('SupportStarted')]);
    expect(definitionAfter(registry, START, events)).toBe(tightenedVersion);
    expect(definitionAfter(registry, START, factsOf(events))).toBe(v1);
  });

  it('give a migration recorded last a segment of its own', () => {
    expect(segmentsOf(START, migratedStream(pathTo.approved())).map((s) => [s.version, s.fromRevision, s.toRevision])).toEqual([
      [1, 0, 6],
      [2, 7, 7],
    ]);
  });
});

describe('dryRunMigration', () => {
  it('passes a history v2 accepts, with the snapshot replay gives right after the migration', () => {
    const events = toEvents([...pathTo.liveSupport(), fact('ReviewStarted')]);
    const dryRun = dryRunMigration(registry, START, events, 2);
    expect(dryRun).toMatchObject({ valid: true, from: 1, to: 2 });
    const after = replayJourney(registry, START, [...events, migration(events.length)]);
    expect(dryRun.valid && seen(dryRun.snapshot)).toEqual(seen(after.snapshot));
    expect(statePath(after.snapshot.value)).toBe('open.review');
  });

  it('names the first revision and rule v2 refuses, and the step it stood in', () => {
    const events = toEvents([...approvedShort(), fact('SupportStarted')]);
    expect(replayJourney(registry, START, events).refusal).toBeNull();
    expect(dryRunMigration(registry, START, events, 2)).toEqual({
      valid: false,
      from: 1,
      to: 2,
      revision: 6,
      type: 'SupportPlanApproved',
      rule: ADDED_RULE,
      explanation: 'The final budget approved covers the cost of the plan it approves, over the same period.',
      state: 'open.signOff',
    });
  });

  it('refuses a target that is not a later registered version', () => {
    const events = toEvents(pathTo.approved());
    expect(() => dryRunMigration(registry, START, events, 1)).toThrow(MigrationTargetError);
    expect(() => dryRunMigration(registry, START, events, 3)).toThrow(expect.objectContaining({ rule: 'migrationTargetRegistered' }));
    const migrated = migratedStream(pathTo.approved());
    expect(() => dryRunMigration(registry, START, migrated, 2)).toThrow(
      expect.objectContaining({ rule: 'migrationMovesForward', from: 2 }),
    );
  });
});

/** Every golden history: what the dry run passes, replay accepts once migrated; what it refuses, replay refuses alike. */
describe('the dry run and replay agree on the golden histories', () => {
  const golden = join(__dirname, '..', 'test', 'golden');
  const histories = readdirSync(golden)
    .filter((name) => name.endsWith('.json'))
    .map((name) => ({
      name,
      ...(JSON.parse(readFileSync(join(golden, name), 'utf8')) as { events: JourneyEvent[]; workflow: { version: number } }),
    }))
    // The histories recorded on v1, which the test versions here migrate from.
    .filter((history) => history.workflow.version === 1)
    .map(({ name, events }): [string, JourneyEvent[]] => [name, events]);

  it.each(histories)('%s', (_name, events) => {
    expect(events.length).toBeGreaterThan(3);
    const dryRun = dryRunMigration(registry, START, events, 2);
    const migrated = replayJourney(registry, START, [...events, migration(events.length)]);
    if (dryRun.valid) {
      expect(migrated.refusal).toBeNull();
      expect(migrated.definition.version).toBe(2);
    } else {
      expect(migrated.refusal).toMatchObject({ revision: dryRun.revision, rule: dryRun.rule, version: 2, atMigration: events.length });
    }
  });

  it('include one that v2 refuses, so both branches are exercised', () => {
    const verdicts = histories.map(([, events]) => dryRunMigration(registry, START, events, 2).valid);
    expect(verdicts).toContain(true);
    expect(verdicts).toContain(false);
  });
});
