/**
 * A TEST-ONLY second version of support-planning, for the migration and "what changed" tests:
 * version 1's machine with one rule added where plans are approved (the final budget must cover
 * the plan, DOMAIN "Workflow version 2" rule 4), one rule reworded, and a few policy values
 * changed. Never registered in production: the real version 2 lives in support-planning/v2.ts.
 */
import { and, setup } from 'xstate';
import { deepFreeze } from '../deep-freeze';
import { guardNames } from '../diagram';
import { WorkflowRegistry } from '../index';
import type { WorkflowDefinition } from '../runtime';
import { annualPence, planTotalPence, type JourneyContext } from '../support-planning/context';
import { APPOINTMENT_BASES_V1, type JourneyEvent } from '../support-planning/events';
import { factSchemasV1 } from '../support-planning/facts';
import { GUARD_DESCRIPTIONS, makeGuards, makePreconditions } from '../support-planning/guards';
import { policyV1, type WorkflowPolicy } from '../support-planning/policy';
import { supportPlanningV1 } from '../support-planning/v1';

export const TIGHTENED_VERSION = 2;
export const ADDED_RULE = 'finalBudgetCoversPlan';

export const tightenedPolicy: WorkflowPolicy = deepFreeze({
  ...policyV1,
  version: TIGHTENED_VERSION,
  rolesPerEvent: { ...policyV1.rolesPerEvent, ReviewRequested: ['person', 'case-worker', 'advocate'] },
  seniorApproval: { ...policyV1.seniorApproval, annualThresholdPence: 40_000_00 },
  nhsDirectPaymentProhibitedCategories: [...policyV1.nhsDirectPaymentProhibitedCategories, 'lottery-tickets'],
  clocks: policyV1.clocks.map((clock) => (clock.id === 'first-review' ? { ...clock, due: { weeks: 6 } } : clock)),
});

/** Sufficiency: the final budget approved pays for the plan it approves, over a year. */
function finalBudgetCoversPlan({ context, event }: { context: JourneyContext; event: JourneyEvent }): boolean {
  if (event.type !== 'SupportPlanApproved' || context.plan === null) return true;
  const budget = annualPence(event.data.finalBudgetPence, event.data.period);
  return budget >= annualPence(planTotalPence(context.plan.supports), context.plan.period);
}

type MachineConfig = typeof supportPlanningV1.config;

/** v1's configuration with the added rule on SupportPlanApproved (the rest shared, not copied by hand). */
function tightenedConfig(): MachineConfig {
  const config = supportPlanningV1.config;
  const open = config.states!.open!;
  const signOff = open.states!.signOff!;
  const approved = signOff.on!.SupportPlanApproved as { guard: unknown };
  const guard = and([...guardNames(approved.guard), ADDED_RULE] as never);
  return {
    ...config,
    states: {
      ...config.states,
      open: {
        ...open,
        states: { ...open.states, signOff: { ...signOff, on: { ...signOff.on, SupportPlanApproved: { ...approved, guard } } } },
      },
    },
  } as MachineConfig;
}

const builder = setup({
  types: { context: {} as JourneyContext, events: {} as JourneyEvent },
  guards: { ...makeGuards(tightenedPolicy), [ADDED_RULE]: finalBudgetCoversPlan },
  actions: supportPlanningV1.implementations.actions as { record: never },
});
const machine = builder.createMachine(tightenedConfig() as Parameters<typeof builder.createMachine>[0]);

export const tightenedVersion: WorkflowDefinition = {
  id: 'support-planning',
  version: TIGHTENED_VERSION,
  machine,
  policy: tightenedPolicy,
  facts: factSchemasV1({ appointmentBases: APPOINTMENT_BASES_V1 }),
  preconditions: makePreconditions(tightenedPolicy),
  ruleDescriptions: {
    [ADDED_RULE]: 'The final budget approved covers the cost of the plan it approves, over the same period.',
    approverDidNotDraftPlan: `${GUARD_DESCRIPTIONS.approverDidNotDraftPlan} (Reworded for the test version.)`,
  },
};

/** Version 1 as the engine registers it, alone: tests must not depend on which later versions production has. */
export function registryWithVersion1(): WorkflowRegistry {
  return new WorkflowRegistry([new WorkflowRegistry().get('support-planning', 1)]);
}

/** Version 1 and this test version 2, whatever versions production registers. */
export function registryWithTightenedVersion(): WorkflowRegistry {
  const registry = registryWithVersion1();
  registry.register(tightenedVersion);
  return registry;
}
