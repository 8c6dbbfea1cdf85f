import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AnyStateNode } from 'xstate';
import { renderWorkflowDoc } from './diagram';
import { WorkflowRegistry } from './index';
import { EVENT_TYPES } from './support-planning/events';
import { GUARD_DESCRIPTIONS } from './support-planning/guards';

const v1 = new WorkflowRegistry().get('support-planning', 1);
const doc = renderWorkflowDoc(v1);

function stateNames(node: AnyStateNode): string[] {
  return Object.values(node.states).flatMap((child) => [child.key, ...stateNames(child as AnyStateNode)]);
}

describe('the generated rules document', () => {
  it.each(new WorkflowRegistry().list())(
    'v$version is the one committed beside the machine (run `npm run workflow:diagram` after a change)',
    (definition) => {
      const committed = readFileSync(join(__dirname, 'support-planning', `v${definition.version}.md`), 'utf8');
      expect(committed).toBe(renderWorkflowDoc(definition));
    },
  );

  it('words every rule of v2, including its own', () => {
    const v2 = new WorkflowRegistry().get('support-planning', 2);
    const v2doc = renderWorkflowDoc(v2);
    for (const rule of ['planFollowsWishesOrSaysWhy', 'finalBudgetCoversPlan', 'challengeNamesDecisionInForce', 'notEligibleGivesAdvice']) {
      expect(v2doc).toMatch(new RegExp(`\\| \`${rule}\` \\| rule \\| [A-Z]`));
    }
    expect(v2doc).toContain('AccessRequested');
  });

  it('names every state, every event of the vocabulary and every guard', () => {
    const names = stateNames(v1.machine.root as AnyStateNode);
    expect(names).toEqual(expect.arrayContaining(['referral', 'assessment', 'notEligible', 'signOff', 'liveSupport', 'review', 'closed']));
    names.forEach((name) => expect(doc).toContain(name));
    EVENT_TYPES.filter((type) => v1.policy.rolesPerEvent[type]).forEach((type) => expect(doc).toContain(type));
    Object.keys(GUARD_DESCRIPTIONS).forEach((guard) => expect(doc).toContain(`\`${guard}\``));
  });

  it('lists every clock of the policy with its due time', () => {
    v1.policy.clocks.forEach((clock) => expect(doc).toContain(`\`${clock.id}\``));
    expect(doc).toContain('| Fast-track care in place (`fast-track-care-in-place`) | 48 hours |');
  });
});
