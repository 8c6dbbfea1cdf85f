/**
 * A test workflow version: v1's machine and policy with the clock values of v2 set (DOMAIN.md v2
 * rules 7 and 8). The clock behaviour is switched on by policy values alone, so these tests hold
 * for whichever version sets them; v1 itself never does.
 */
import { deepFreeze } from '../deep-freeze';
import { WorkflowRegistry, SUPPORT_PLANNING } from '../index';
import type { WorkflowDefinition } from '../runtime';
import { makePreconditions } from '../support-planning/guards';
import { policyV1, type WorkflowPolicy } from '../support-planning/policy';

export const lateEntryPolicy: WorkflowPolicy = deepFreeze({
  ...policyV1,
  version: 2,
  clockTiming: { followEffectiveDates: true, recogniseLateEntries: true, lateEntryGraceHours: 24 },
  maxBackdatingDays: 30,
});

/** Version 2 of support-planning as far as clocks go: v1's machine, the policy above. */
export function lateEntryDefinition(): WorkflowDefinition {
  const v1 = new WorkflowRegistry().get(SUPPORT_PLANNING, 1);
  return { ...v1, version: lateEntryPolicy.version, policy: lateEntryPolicy, preconditions: makePreconditions(lateEntryPolicy) };
}

/** A registry of v1 and the test version, the test version being the latest (new journeys start on it). */
export function lateEntryRegistry(): WorkflowRegistry {
  const v1 = new WorkflowRegistry().get(SUPPORT_PLANNING, 1);
  return new WorkflowRegistry([v1, lateEntryDefinition()]);
}
