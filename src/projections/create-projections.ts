import type { WorkflowRegistry } from '../../workflows';
import { CaseloadProjection } from './caseload.projection';
import { DeadlinesProjection } from './deadlines.projection';
import { DecisionsProjection } from './decisions.projection';

/** The service's read models. The caseload comes first: the others filter by its organisation column. */
export function createProjections(registry: WorkflowRegistry) {
  return {
    caseload: new CaseloadProjection(registry),
    deadlines: new DeadlinesProjection(registry),
    decisions: new DecisionsProjection(registry),
  };
}
