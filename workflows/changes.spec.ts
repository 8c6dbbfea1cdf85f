/**
 * The "what changed" page between two versions, on v1 and a test-only v2 (one rule added where
 * plans are approved, one reworded, four policy values changed): every difference is found, and
 * nothing that did not change is reported.
 */
import { changesFromPrevious, describeChanges, renderChanges } from './changes';
import type { WorkflowDefinition } from './runtime';
import { makeGuards } from './support-planning/guards';
import { policyV1, type WorkflowPolicy } from './support-planning/policy';
import { supportPlanningV1 } from './support-planning/v1';
import { ADDED_RULE, registryWithTightenedVersion, registryWithVersion1, tightenedVersion } from './testing/tightened-version';

const v1 = registryWithVersion1().get('support-planning', 1);

describe('describeChanges from v1 to the test v2', () => {
  const changes = describeChanges(v1, tightenedVersion);

  it('finds the added rule, where it is checked, in the version’s own words', () => {
    expect(changes.rules.added).toEqual([
      {
        name: ADDED_RULE,
        description: tightenedVersion.ruleDescriptions?.[ADDED_RULE],
        routing: false,
        checkedOn: ['SupportPlanApproved in sign off'],
      },
    ]);
    expect(changes.rules.removed).toEqual([]);
  });

  it('reports the reworded rule, and that its check is the same', () => {
    expect(changes.rules.changed).toEqual([
      expect.objectContaining({ name: 'approverDidNotDraftPlan', reworded: true, checkChanged: false }),
    ]);
  });

  it('finds the one transition that checks more, and no other', () => {
    expect(changes.transitions).toEqual([
      {
        event: 'SupportPlanApproved',
        step: 'open.signOff',
        change: 'changed',
        targetBefore: 'open.approved',
        targetAfter: 'open.approved',
        labels: { step: 'sign off', targetBefore: 'approved', targetAfter: 'approved' },
        rulesAdded: [ADDED_RULE],
        rulesRemoved: [],
      },
    ]);
    expect(changes.events).toEqual({ added: [], removed: [] });
  });

  it('finds the policy values that changed, in words and pounds', () => {
    expect(changes.policy).toEqual([
      {
        path: 'rolesPerEvent.ReviewRequested',
        label: 'Who may record ReviewRequested',
        change: 'changed',
        before: 'person, case-worker',
        after: 'person, case-worker, advocate',
        itemsAdded: ['advocate'],
        itemsRemoved: [],
      },
      {
        path: 'seniorApproval.annualThresholdPence',
        label: 'Budget a year above which the senior approver signs off',
        change: 'changed',
        before: '£50,000.00',
        after: '£40,000.00',
      },
      expect.objectContaining({ path: 'nhsDirectPaymentProhibitedCategories', itemsAdded: ['lottery-tickets'], itemsRemoved: [] }),
      { path: 'clocks.first-review.due', label: 'Clock “First review”: due after', change: 'changed', before: '8 weeks', after: '6 weeks' },
    ]);
  });

  it('reads the other way round as the rule removed', () => {
    const back = describeChanges(tightenedVersion, v1);
    expect(back.rules.removed.map((rule) => rule.name)).toEqual([ADDED_RULE]);
    expect(back.transitions).toEqual([
      expect.objectContaining({ event: 'SupportPlanApproved', rulesAdded: [], rulesRemoved: [ADDED_RULE] }),
    ]);
  });
});

describe('describeChanges finds', () => {
  it('nothing between a version and itself', () => {
    const same = describeChanges(v1, v1);
    expect(same).toEqual({
      workflowId: 'support-planning',
      from: 1,
      to: 1,
      events: { added: [], removed: [] },
      rules: { added: [], removed: [], changed: [] },
      transitions: [],
      policy: [],
    });
  });

  it('a rule whose check changed under the same name and wording', () => {
    const lenient: WorkflowDefinition = {
      ...v1,
      version: 2,
      machine: supportPlanningV1.provide({ guards: { ...makeGuards(policyV1), planHasOutcomeAndSupport: () => true } }),
    };
    expect(describeChanges(v1, lenient).rules.changed).toEqual([
      expect.objectContaining({ name: 'planHasOutcomeAndSupport', reworded: false, checkChanged: true }),
    ]);
  });

  it('an event the policy adds, with who may record it, and a whole clock added', () => {
    const policy = {
      ...policyV1,
      version: 2,
      rolesPerEvent: { ...policyV1.rolesPerEvent, AccessRequested: ['person', 'advocate'] },
      clocks: [
        ...policyV1.clocks,
        {
          id: 'access-answered',
          label: 'Access request answered',
          due: { months: 1 },
          startsOn: [],
          stopsOn: [],
          source: 'UK GDPR Art. 12(3)',
        },
      ],
    } as unknown as WorkflowPolicy;
    const changes = describeChanges(v1, { ...v1, version: 2, policy });
    expect(changes.events.added).toEqual([{ type: 'AccessRequested', roles: ['person', 'advocate'] }]);
    expect(changes.policy).toEqual([
      expect.objectContaining({ path: 'rolesPerEvent.AccessRequested', change: 'added', after: 'person, advocate' }),
      expect.objectContaining({ path: 'clocks.access-answered', label: 'Clock “Access request answered”', change: 'added' }),
    ]);
  });
});

describe('renderChanges', () => {
  const page = renderChanges(describeChanges(v1, tightenedVersion));

  it('says each change in a sentence a non-engineer can read', () => {
    expect(page).toContain('# What changed in `support-planning` version 2 (from version 1)');
    expect(page).toContain('- Rules: 1 new, 1 changed, 0 removed.');
    expect(page).toContain('- **SupportPlanApproved** in sign off: now also checks `finalBudgetCoversPlan`.');
    expect(page).toContain('- Who may record ReviewRequested: added advocate (now: person, case-worker, advocate).');
    expect(page).toContain('- Budget a year above which the senior approver signs off: £50,000.00 → £40,000.00.');
    expect(page).toContain('- Clock “First review”: due after: 8 weeks → 6 weeks.');
    expect(page).toContain('- Events: 0 new, 0 removed.');
    expect(page).toContain('_No new events._');
  });
});

describe('changesFromPrevious', () => {
  it('gives every version but the first its change page', () => {
    const registry = registryWithTightenedVersion();
    const [first, second] = registry.list();
    expect(changesFromPrevious(registry.list(), first)).toBeNull();
    expect(changesFromPrevious(registry.list(), second)).toMatchObject({ from: 1, to: 2 });
  });
});
