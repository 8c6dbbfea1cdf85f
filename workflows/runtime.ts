/**
 * Pure functions over a workflow machine, used by the service, the audit tools and the tests.
 *
 * They are built on XState's pure `initialTransition` / `transition`: the returned actions are
 * discarded (the machine has none with effects), so replaying the same facts yields the same
 * snapshot on any machine, today or in ten years.
 */
import {
  createActor,
  getNextTransitions,
  type AnyStateMachine,
  type AnyTransitionDefinition,
  type SnapshotFrom,
  type StateValue,
} from 'xstate';
import { factIssues } from './fact-checks';
import type { JourneyContext } from './support-planning/context';
import { EVENT_TYPES, isEventType, type EventType, type JourneyEvent, type Role } from './support-planning/events';
import { checkFactShape, type FactIssue, type FactSchemas } from './support-planning/facts';
import { ROUTING_GUARDS, GUARD_DESCRIPTIONS } from './support-planning/guards';
import { mayRecord, type WorkflowPolicy } from './support-planning/policy';
import type { supportPlanningV1 } from './support-planning/v1';

/** One version of one workflow: the machine and the policy values it was written with. */
export interface WorkflowDefinition {
  id: string;
  version: number;
  machine: AnyStateMachine;
  policy: WorkflowPolicy;
  /** The shape of each fact this version accepts; a type it has no schema for is not its event. */
  facts: FactSchemas;
  /** What the journey must hold before an event is offered as allowed (see makePreconditions). */
  preconditions?: Partial<Record<EventType, (context: JourneyContext) => boolean>>;
  /** This version's plain-language rule statements, where they differ from GUARD_DESCRIPTIONS (see ruleDescription). */
  ruleDescriptions?: Readonly<Record<string, string>>;
}

/** Every version of support-planning shares the v1 context and event types. */
export type JourneySnapshot = SnapshotFrom<typeof supportPlanningV1>;

export type Decision =
  | { ok: true }
  | {
      ok: false;
      /**
       * `invalid`: the fact is not what it claims to be (shape, dates, words: `issues` name each);
       * `forbidden`: the role may never record this event; `refused`: not now, in this state.
       */
      kind: 'invalid' | 'forbidden' | 'refused';
      issues?: FactIssue[];
      /** The failing guard's name, or `wrong-state` / `unknown-event`. */
      reason: string;
      /** A sentence saying what rule refused it. */
      explanation: string;
      state: string;
      allowed: EventType[];
    };

/** A rule's statement as this version words it: its own `ruleDescriptions`, else the shared GUARD_DESCRIPTIONS. */
export function ruleDescription(definition: WorkflowDefinition, name: string): string | undefined {
  return definition.ruleDescriptions?.[name] ?? GUARD_DESCRIPTIONS[name];
}

/**
 * The actor scope `machine.transition` runs in, made once per machine. XState's `transition()`
 * builds a fresh inert scope on every call, and building one creates an actor that computes the
 * machine's initial snapshot: most of the cost of a transition. Our machines only `assign`, spawn
 * nothing and emit nothing, so one inert scope (actions discarded, as `transition()` does) serves
 * every replay; the result is the same snapshot (runtime.spec.ts checks it against `transition`).
 */
/** The scope `transition` takes for any machine: XState types it through `any`, so it is named once here. */
type MachineScope = Parameters<AnyStateMachine['transition']>[2];

const inertScopes = new WeakMap<AnyStateMachine, MachineScope>();

function inertScopeOf(machine: AnyStateMachine): MachineScope {
  let scope = inertScopes.get(machine);
  if (!scope) {
    const self = createActor(machine);
    const ignore = () => undefined;
    scope = {
      self,
      system: self.system,
      id: '',
      sessionId: '',
      defer: ignore,
      logger: ignore,
      stopChild: ignore,
      emit: ignore,
      actionExecutor: ignore,
    };
    inertScopes.set(machine, scope);
  }
  return scope;
}

/**
 * The journey before its first fact. What `initialTransition` computes, in the machine's inert
 * scope (above) rather than a new one per call: every replay starts here, and building a scope
 * costs more than the snapshot (runtime.spec.ts checks the two are equal).
 */
export function initialSnapshot(definition: WorkflowDefinition): JourneySnapshot {
  return definition.machine.getInitialSnapshot(inertScopeOf(definition.machine)) as JourneySnapshot;
}

/** Apply one fact, trusting that it was decided before (replay of stored events). */
export function apply(definition: WorkflowDefinition, snapshot: JourneySnapshot, event: JourneyEvent): JourneySnapshot {
  return definition.machine.transition(snapshot, event, inertScopeOf(definition.machine)) as JourneySnapshot;
}

export interface ReplayResult {
  snapshot: JourneySnapshot;
  /** Index of the first event the workflow would refuse, if any (that event and later are not applied). */
  refusedAt: number | null;
  refusal: Decision | null;
}

/**
 * Replay facts from the start, checking each against the machine as it is applied.
 * A refused fact stops the replay: the record and the workflow disagree from there on.
 */
export function replayChecked(definition: WorkflowDefinition, events: readonly JourneyEvent[], from?: JourneySnapshot): ReplayResult {
  let snapshot = from ?? initialSnapshot(definition);
  for (let index = 0; index < events.length; index += 1) {
    const event = events[index];
    const next = isSound(definition, snapshot, event) ? applyIfAccepted(definition, snapshot, event) : null;
    if (next === null) return { snapshot, refusedAt: index, refusal: decide(definition, snapshot, event) };
    snapshot = next;
  }
  return { snapshot, refusedAt: null, refusal: null };
}

/**
 * The snapshot after the fact when the machine accepts it (`snapshot.can`), else null. XState's
 * `can` selects the transitions (every guard run) and `transition` selects them again: on a
 * machine where a changed snapshot proves `can` (see changeProvesCan), one transition answers
 * both, and an unchanged one is confirmed by `can` itself (the rare refusal path).
 */
function applyIfAccepted(definition: WorkflowDefinition, snapshot: JourneySnapshot, event: JourneyEvent): JourneySnapshot | null {
  if (!changeProvesCan(definition.machine)) return snapshot.can(event) ? apply(definition, snapshot, event) : null;
  const next = apply(definition, snapshot, event);
  return next !== snapshot || snapshot.can(event) ? next : null;
}

const changeProvingMachines = new WeakMap<AnyStateMachine, boolean>();

/**
 * XState's `transition` returns the very snapshot it was given when no transition is enabled and
 * no eventless one follows; `can` is true when some enabled transition has a target or actions.
 * So on a machine with no eventless (`always`) transitions and none without both target and
 * actions, a snapshot that changed proves `can`. Checked once per machine, over every state node.
 */
function changeProvesCan(machine: AnyStateMachine): boolean {
  let proves = changeProvingMachines.get(machine);
  if (proves === undefined) {
    proves = everyNode(machine.root as StateNodeShape, (node) => {
      if (node.always !== undefined && node.always.length > 0) return false;
      return [...node.transitions.values()].every((candidates) =>
        candidates.every((candidate) => candidate.target !== undefined || candidate.actions.length > 0),
      );
    });
    changeProvingMachines.set(machine, proves);
  }
  return proves;
}

/** What changeProvesCan reads of XState's state nodes. */
interface StateNodeShape {
  always?: readonly unknown[];
  transitions: Map<string, ReadonlyArray<{ target?: unknown; actions: readonly unknown[] }>>;
  states: Record<string, StateNodeShape>;
}

function everyNode(node: StateNodeShape, holds: (node: StateNodeShape) => boolean): boolean {
  return holds(node) && Object.values(node.states).every((child) => everyNode(child, holds));
}

/** The fact's shape, dates and words hold for this version (the machine's guards come after). */
function isSound(definition: WorkflowDefinition, snapshot: JourneySnapshot, event: JourneyEvent): boolean {
  return factIssues(definition.facts, definition.policy, snapshot.context, event).length === 0;
}

/**
 * The data of a fact as this version stores it (ids in their canonical form), or the broken
 * rules of its shape. The command path stores what this returns, never the raw input.
 */
export function parseFact(
  definition: WorkflowDefinition,
  type: EventType,
  data: unknown,
): { ok: true; data: unknown } | { ok: false; issues: FactIssue[] } {
  return checkFactShape(definition.facts, type, data);
}

/** The journey as the facts make it. Throws if a fact would be refused (use replayChecked to report it). */
export function replay(definition: WorkflowDefinition, events: readonly JourneyEvent[], from?: JourneySnapshot): JourneySnapshot {
  const result = replayChecked(definition, events, from);
  if (result.refusedAt !== null) {
    throw new Error(
      `event ${result.refusedAt} (${events[result.refusedAt].type}) is refused by the workflow: ${result.refusal && !result.refusal.ok ? result.refusal.reason : ''}`,
    );
  }
  return result.snapshot;
}

/** A snapshot parsed from JSON has no machine behind it; this gives it one so `can` means something. */
export function rehydrate(definition: WorkflowDefinition, persisted: { value: StateValue; context: JourneyContext }): JourneySnapshot {
  return definition.machine.resolveState(persisted) as JourneySnapshot;
}

export function statePath(value: StateValue): string {
  if (typeof value === 'string') return value;
  return Object.entries(value)
    .map(([key, child]) => (child && (typeof child === 'string' || Object.keys(child).length > 0) ? `${key}.${statePath(child)}` : key))
    .join(',');
}

/** Named guards of a transition, flattened through `and([...])`, with their params. */
function guardsOf(guard: unknown): Array<{ name: string; params?: unknown }> {
  if (!guard) return [];
  if (typeof guard === 'string') return [{ name: guard }];
  if (typeof guard === 'function' && Array.isArray((guard as { guards?: unknown[] }).guards)) {
    return (guard as unknown as { guards: unknown[] }).guards.flatMap(guardsOf);
  }
  if (typeof guard === 'object' && 'type' in guard) {
    const { type, params } = guard as { type: string; params?: unknown };
    return [{ name: type, params }];
  }
  return [{ name: 'inline guard' }];
}

type GuardImplementation = (args: { context: JourneyContext; event: JourneyEvent }, params?: unknown) => boolean;

/** The first rule (not routing) guard of the transition that refuses this event. */
function failingRule(
  definition: WorkflowDefinition,
  snapshot: JourneySnapshot,
  candidate: AnyTransitionDefinition,
  event: JourneyEvent,
): string | null {
  const implementations = definition.machine.implementations.guards as Record<string, GuardImplementation>;
  for (const { name, params } of guardsOf(candidate.guard)) {
    if ((ROUTING_GUARDS as readonly string[]).includes(name)) continue;
    const check = implementations[name];
    if (check && !check({ context: snapshot.context, event }, params)) return name;
  }
  return null;
}

function transitionsFor(snapshot: JourneySnapshot, type: string): AnyTransitionDefinition[] {
  return getNextTransitions(snapshot).filter((candidate) => candidate.eventType === type);
}

/**
 * Event types that have a transition from the current state, whose preconditions the journey
 * meets, and that the role may record. Whether a particular fact is accepted still depends on its
 * data: that is `decide`'s answer.
 */
export function allowedEvents(definition: WorkflowDefinition, snapshot: JourneySnapshot, role?: Role): EventType[] {
  if (snapshot.status !== 'active') return [];
  const offered = new Set(getNextTransitions(snapshot).map(({ eventType }: { eventType: string }) => eventType));
  return EVENT_TYPES.filter((type) => offered.has(type))
    .filter((type) => definition.preconditions?.[type]?.(snapshot.context) ?? true)
    .filter((type) => role === undefined || mayRecord(definition.policy, type, role));
}

/**
 * Ask the machine whether this fact may be recorded now. A refusal names the rule: the role
 * (`actorMayRecord`, reported as `forbidden`), the state (`wrong-state`), or the first failing guard.
 */
export function decide(definition: WorkflowDefinition, snapshot: JourneySnapshot, event: JourneyEvent): Decision {
  const state = statePath(snapshot.value);
  const refuse = (kind: 'invalid' | 'forbidden' | 'refused', reason: string, explanation: string): Decision => ({
    ok: false,
    kind,
    reason,
    explanation,
    state,
    allowed: allowedEvents(definition, snapshot, event.meta.actor.role),
  });
  if (!isEventType(event.type) || !definition.facts[event.type]) {
    return refuse('refused', 'unknown-event', `${String(event.type)} is not an event of ${definition.id} v${definition.version}`);
  }
  if (!mayRecord(definition.policy, event.type, event.meta.actor.role)) {
    return refuse('forbidden', 'actorMayRecord', `role ${event.meta.actor.role} may not record ${event.type}`);
  }
  const issues = factIssues(definition.facts, definition.policy, snapshot.context, event);
  if (issues.length > 0) return { ...refuse('invalid', issues[0].rule, issues[0].message), issues } as Decision;
  if (snapshot.can(event)) return { ok: true };
  const candidates = transitionsFor(snapshot, event.type);
  if (candidates.length === 0) {
    return refuse('refused', 'wrong-state', `${event.type} is not allowed in state ${state}`);
  }
  const reason = candidates.map((candidate) => failingRule(definition, snapshot, candidate, event)).find((name) => name !== null);
  if (!reason) {
    return refuse('refused', 'no-matching-route', `no transition of ${state} accepts this ${event.type}`);
  }
  return refuse('refused', reason, ruleDescription(definition, reason) ?? reason);
}
