/**
 * Declared migration: a journey moves from the workflow version it is on to a later one only by a
 * recorded `WorkflowMigrated { from, to }` event, and only when its whole history is valid under
 * the later version's rules (the dry run says so first).
 *
 * The event is the runtime's, not a machine's: a version-1 machine never heard of it, and must not
 * have to. `replayJourney` splits a stream at its migrations into segments: the facts before a
 * migration replay under the old version; at the migration the new version's snapshot is built by
 * replaying ALL earlier facts under the new version (what the dry run proved valid), so the new
 * rules see the whole story and no state has to be mapped by hand; later facts apply under the new
 * version. Pure: no clock, no I/O, the same events always give the same journey.
 */
import { apply, decide, initialSnapshot, replayChecked, statePath, type JourneySnapshot, type WorkflowDefinition } from './runtime';
import type { EventMeta, JourneyEvent, Role } from './support-planning/events';
import { hasVisibleText } from './support-planning/facts';

export const WORKFLOW_MIGRATED = 'WorkflowMigrated';

export interface WorkflowMigratedData {
  from: number;
  to: number;
}

export interface WorkflowMigratedEvent {
  type: typeof WORKFLOW_MIGRATED;
  data: WorkflowMigratedData;
  meta: EventMeta;
}

/** What a journey's stream holds, in machine form: its facts and its migrations. */
export type StreamEvent = JourneyEvent | WorkflowMigratedEvent;

/** A workflow version, as a stream's first event records it (`metadata.workflow`). */
export interface WorkflowRef {
  id: string;
  version: number;
}

/** What migration needs of the registry (WorkflowRegistry has it): look a version up, or throw. */
export interface WorkflowLookup {
  get(id: string, version: number): WorkflowDefinition;
}

/** Who may record a migration: it decides which rules bind the journey from then on, as a sign-off does. */
export const MIGRATION_ROLES: readonly Role[] = ['approver', 'senior-approver'];

/** The rules a recorded migration itself must keep, named like guards so a refusal says which. */
export const MIGRATION_RULES = {
  migrationFromCurrentVersion: 'A migration moves the journey from the workflow version it is on (its `from`).',
  migrationMovesForward: 'A migration moves a journey to a later version of its workflow, never back or to the same one.',
  migrationTargetRegistered: 'A migration names a version of the workflow that this engine has.',
  migrationByApprover:
    'A migration is recorded by an approver or a senior approver: it decides which rules bind the journey, as a sign-off does.',
  migrationHasReason: 'A migration gives its reason, in visible words.',
} as const;

export type MigrationRule = keyof typeof MIGRATION_RULES;

export function isMigration(event: { type: string }): event is WorkflowMigratedEvent {
  return event.type === WORKFLOW_MIGRATED;
}

export function hasMigration(events: readonly { type: string }[]): boolean {
  return events.some(isMigration);
}

/** The facts of a stream, without its migrations: what every version replays. */
export function factsOf(events: readonly StreamEvent[]): JourneyEvent[] {
  return events.filter((event): event is JourneyEvent => !isMigration(event));
}

/** A run of revisions replayed under one version; every segment after the first is opened by its migration. */
export interface ReplaySegment {
  version: number;
  fromRevision: number;
  /** The last revision of the segment (its migration's own revision when nothing follows it yet). */
  toRevision: number;
  /** The migration that opened this segment; null for the version the journey started on. */
  openedBy: { revision: number; from: number } | null;
}

/** The first event the record's rules refuse, and which version's rule refused it. */
export interface ReplayRefusal {
  /** Index in the events given. */
  index: number;
  revision: number;
  type: string;
  /** The version whose rules refused it. */
  version: number;
  /** The guard (or `wrong-state`, `actorMayRecord`, a MIGRATION_RULES name) that refused it. */
  rule: string;
  explanation: string;
  /** Set when the fact was refused while rebuilding the journey under the version a migration moved to. */
  atMigration: number | null;
}

export interface JourneyReplay {
  /** The version the journey is on after its last migration (the one new facts are decided by). */
  definition: WorkflowDefinition;
  /** The journey up to the first refused event (all of it when `refusal` is null). */
  snapshot: JourneySnapshot;
  segments: ReplaySegment[];
  refusal: ReplayRefusal | null;
}

/** The version the journey is on after its migrations, without replaying anything. */
export function definitionAfter(registry: WorkflowLookup, start: WorkflowRef, events: readonly StreamEvent[]): WorkflowDefinition {
  const migrations = events.filter(isMigration);
  const last = migrations[migrations.length - 1];
  return registry.get(start.id, last ? last.data.to : start.version);
}

/** The stream split at its migrations: which revisions each version replays. */
export function segmentsOf(start: WorkflowRef, events: readonly StreamEvent[]): ReplaySegment[] {
  if (events.length === 0) return [];
  const segments: ReplaySegment[] = [
    { version: start.version, fromRevision: events[0].meta.revision, toRevision: events[0].meta.revision, openedBy: null },
  ];
  for (const event of events) {
    const current = segments[segments.length - 1];
    if (isMigration(event)) {
      segments.push({
        version: event.data.to,
        fromRevision: event.meta.revision,
        toRevision: event.meta.revision,
        openedBy: { revision: event.meta.revision, from: event.data.from },
      });
    } else {
      current.toRevision = event.meta.revision;
    }
  }
  return segments;
}

function refusalOf(
  definition: WorkflowDefinition,
  snapshot: JourneySnapshot,
  event: JourneyEvent,
  index: number,
  atMigration: number | null,
): ReplayRefusal {
  const decision = decide(definition, snapshot, event);
  // `replayChecked` stopped on it, so `decide` refuses it too; a machine that disagrees with itself is still a refusal.
  const rule = decision.ok ? 'no-matching-route' : decision.reason;
  return {
    index,
    revision: event.meta.revision,
    type: event.type,
    version: definition.version,
    rule,
    // The version's own wording of its rule, where it has one; else decide's sentence (which names roles and states).
    explanation: definition.ruleDescriptions?.[rule] ?? (decision.ok ? rule : decision.explanation),
    atMigration,
  };
}

function migrationRefusal(event: WorkflowMigratedEvent, index: number, version: number, rule: MigrationRule): ReplayRefusal {
  return { index, revision: event.meta.revision, type: event.type, version, rule, explanation: MIGRATION_RULES[rule], atMigration: null };
}

/**
 * Who recorded the migration and why: checked again on every replay, so a migration that reached
 * the store by another road (a copy, a hand edit) without an approver or a reason is refused.
 */
function migrationRecordProblem(event: WorkflowMigratedEvent): MigrationRule | null {
  if (!MIGRATION_ROLES.includes(event.meta.actor.role)) return 'migrationByApprover';
  if (event.meta.reason === undefined || !hasVisibleText(event.meta.reason)) return 'migrationHasReason';
  return null;
}

/** The rule a move from `current` breaks, if any (from the version the journey is on, to one that exists and is later). */
function migrationMoveProblem(
  registry: WorkflowLookup,
  current: WorkflowDefinition,
  move: { from: number; to: number },
): MigrationRule | null {
  if (move.from !== current.version) return 'migrationFromCurrentVersion';
  return migrationTargetProblem(registry, current, move.to);
}

/** The rule a move from `current` to version `to` breaks, if any (the target must exist and be later). */
function migrationTargetProblem(registry: WorkflowLookup, current: WorkflowDefinition, to: number): MigrationRule | null {
  if (!Number.isInteger(to) || to <= current.version) return 'migrationMovesForward';
  try {
    registry.get(current.id, to);
    return null;
  } catch {
    return 'migrationTargetRegistered';
  }
}

/**
 * The journey as its stream makes it, migrations included, checking every event against the rules
 * in force when it was recorded. A refused event stops the replay: the record and the rules
 * disagree from there on, and the refusal names the revision, the version and the rule.
 */
export function replayJourney(registry: WorkflowLookup, start: WorkflowRef, events: readonly StreamEvent[]): JourneyReplay {
  let definition = registry.get(start.id, start.version);
  let snapshot = initialSnapshot(definition);
  const facts: JourneyEvent[] = [];
  const segments = segmentsOf(start, events);
  const stop = (refusal: ReplayRefusal): JourneyReplay => ({ definition, snapshot, segments, refusal });

  for (let index = 0; index < events.length; index += 1) {
    const event = events[index];
    if (!isMigration(event)) {
      // The same check as every replay: the fact's shape, dates and words, then the machine's rules.
      // replayChecked has applied the fact once checked: its snapshot is the next one.
      const checked = replayChecked(definition, [event], snapshot);
      if (checked.refusedAt !== null) return stop(refusalOf(definition, snapshot, event, index, null));
      snapshot = checked.snapshot;
      facts.push(event);
      continue;
    }
    const problem = migrationRecordProblem(event) ?? migrationMoveProblem(registry, definition, event.data);
    if (problem) return stop(migrationRefusal(event, index, definition.version, problem));
    const target = registry.get(start.id, event.data.to);
    const rebuilt = replayChecked(target, facts);
    if (rebuilt.refusedAt !== null) {
      const refused = facts[rebuilt.refusedAt];
      return stop(refusalOf(target, rebuilt.snapshot, refused, events.indexOf(refused), event.meta.revision));
    }
    definition = target;
    snapshot = rebuilt.snapshot;
  }
  return { definition, snapshot, segments, refusal: null };
}

/**
 * The state after each event of a stream, each on the rules in force for it: before a migration on
 * the old version; at a migration, the journey as the new version rebuilds it. For histories, where
 * a migrated journey must not be shown as if it had been on the new version from the start.
 */
export function statesAfterEach(registry: WorkflowLookup, start: WorkflowRef, events: readonly StreamEvent[]): string[] {
  let definition = registry.get(start.id, start.version);
  let snapshot = initialSnapshot(definition);
  const facts: JourneyEvent[] = [];
  return events.map((event) => {
    if (isMigration(event)) {
      definition = registry.get(start.id, event.data.to);
      snapshot = replayChecked(definition, facts).snapshot;
    } else {
      snapshot = apply(definition, snapshot, event);
      facts.push(event);
    }
    return statePath(snapshot.value);
  });
}

/** Asked to migrate to a version that is not later than the journey's, or that the engine does not have. */
export class MigrationTargetError extends Error {
  readonly code = 'WORKFLOW.MIGRATION_TARGET';
  constructor(
    readonly rule: MigrationRule,
    readonly from: number,
    readonly to: number,
  ) {
    super(`cannot migrate from v${from} to v${to}: ${MIGRATION_RULES[rule]}`);
    this.name = 'MigrationTargetError';
  }
}

export type DryRun =
  | {
      valid: true;
      from: number;
      to: number;
      /** The journey rebuilt under the target version: what replay gives right after the migration is recorded. */
      snapshot: JourneySnapshot;
    }
  | {
      valid: false;
      from: number;
      to: number;
      /** The first revision the target version refuses, its event type, and the rule that refuses it. */
      revision: number;
      type: string;
      rule: string;
      explanation: string;
      /** The journey's step under the target version when it refused (a dotted state path). */
      state: string;
    };

/**
 * Would this journey's whole history be valid under version `toVersion`? Replays every fact (not
 * the earlier migrations) under the target's rules and names the first revision and rule refused.
 * Throws MigrationTargetError when the target is not a later registered version of the journey's workflow.
 */
export function dryRunMigration(registry: WorkflowLookup, start: WorkflowRef, events: readonly StreamEvent[], toVersion: number): DryRun {
  const current = definitionAfter(registry, start, events);
  const problem = migrationTargetProblem(registry, current, toVersion);
  if (problem) throw new MigrationTargetError(problem, current.version, toVersion);
  const target = registry.get(start.id, toVersion);
  const facts = factsOf(events);
  const result = replayChecked(target, facts);
  const base = { from: current.version, to: toVersion };
  if (result.refusedAt === null) return { valid: true, ...base, snapshot: result.snapshot };
  const refusal = refusalOf(target, result.snapshot, facts[result.refusedAt], result.refusedAt, null);
  return {
    valid: false,
    ...base,
    revision: refusal.revision,
    type: refusal.type,
    rule: refusal.rule,
    explanation: refusal.explanation,
    state: statePath(result.snapshot.value),
  };
}
