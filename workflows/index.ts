/**
 * The registry of workflow versions. A journey's first event records the workflow id and version
 * it started on, and replay always looks that pair up here: a new version never changes how an
 * old journey replays.
 */
import type { WorkflowDefinition } from './runtime';
import { makePreconditions } from './support-planning/guards';
import { factSchemasV1, factSchemasV2 } from './support-planning/facts';
import { APPOINTMENT_BASES_V1, APPOINTMENT_BASES_V2 } from './support-planning/events';
import { policyV1 } from './support-planning/policy';
import { supportPlanningV1 } from './support-planning/v1';
import { GUARD_DESCRIPTIONS_V2, makePreconditionsV2 } from './support-planning/guards-v2';
import { policyV2 } from './support-planning/policy-v2';
import { supportPlanningV2 } from './support-planning/v2';

export class UnknownWorkflowError extends Error {
  readonly code = 'WORKFLOW.UNKNOWN';
  constructor(
    readonly workflowId: string,
    readonly version?: number,
  ) {
    super(version === undefined ? `unknown workflow ${workflowId}` : `unknown workflow ${workflowId} v${version}`);
    this.name = 'UnknownWorkflowError';
  }
}

export const SUPPORT_PLANNING = 'support-planning';

const definitions: WorkflowDefinition[] = [
  {
    id: SUPPORT_PLANNING,
    version: 1,
    machine: supportPlanningV1,
    policy: policyV1,
    facts: factSchemasV1({ appointmentBases: APPOINTMENT_BASES_V1 }),
    preconditions: makePreconditions(policyV1),
  },
  {
    id: SUPPORT_PLANNING,
    version: 2,
    machine: supportPlanningV2,
    policy: policyV2,
    facts: factSchemasV2({ appointmentBases: APPOINTMENT_BASES_V2, supportCategories: policyV2.supportCategories ?? [] }),
    preconditions: makePreconditionsV2(policyV2),
    ruleDescriptions: GUARD_DESCRIPTIONS_V2,
  },
];

export class WorkflowRegistry {
  private readonly byKey = new Map<string, WorkflowDefinition>();
  private startVersion: number | undefined;

  constructor(initial: readonly WorkflowDefinition[] = definitions) {
    initial.forEach((definition) => this.register(definition));
  }

  /** Add a version. Refuses to replace one: a registered version is fixed for its journeys. */
  register(definition: WorkflowDefinition): void {
    const key = `${definition.id}@${definition.version}`;
    if (this.byKey.has(key)) throw new Error(`workflow ${key} is already registered`);
    this.byKey.set(key, definition);
  }

  get(id: string, version: number): WorkflowDefinition {
    const definition = this.byKey.get(`${id}@${version}`);
    if (!definition) throw new UnknownWorkflowError(id, version);
    return definition;
  }

  /**
   * The deployment's choice of the version new journeys of support-planning start on
   * (WORKFLOW_VERSION); without one, the latest. Journeys already open keep theirs.
   */
  startingOn(version: number | undefined): this {
    if (version !== undefined) this.startVersion = this.get(SUPPORT_PLANNING, version).version;
    return this;
  }

  /** The version new journeys start on: the deployment's choice, or the latest registered. */
  current(id: string): WorkflowDefinition {
    return id === SUPPORT_PLANNING && this.startVersion !== undefined ? this.get(id, this.startVersion) : this.latest(id);
  }

  /** The latest version registered. */
  latest(id: string): WorkflowDefinition {
    const versions = this.list().filter((definition) => definition.id === id);
    if (versions.length === 0) throw new UnknownWorkflowError(id);
    return versions.reduce((a, b) => (b.version > a.version ? b : a));
  }

  list(): WorkflowDefinition[] {
    return [...this.byKey.values()].sort((a, b) => a.id.localeCompare(b.id) || a.version - b.version);
  }
}

export * from './runtime';
export * from './migration';
export * from './changes';
export * from './summary';
export * from './support-planning/events';
export type { JourneyContext } from './support-planning/context';
export type { WorkflowPolicy, ClockPolicy, Duration } from './support-planning/policy';
export { mayRecord } from './support-planning/policy';
export * from './clocks';
export * from './fact-checks';
export { hasVisibleText, isCalendarDate, isTimestamp, normaliseCode, type FactIssue } from './support-planning/facts';
