import { WorkflowRegistry } from '../../workflows';
import { stepGraph, workflowRules, workflowSvg } from './workflow-diagram';

const v1 = new WorkflowRegistry().get('support-planning', 1);

describe('the workflow as a picture', () => {
  it('draws the steps of the machine and where each leads', () => {
    const graph = stepGraph(v1);
    expect(graph.start).toBe('awaitingReferral');
    expect(graph.steps).toEqual(
      expect.arrayContaining(['referral', 'assessment', 'notEligible', 'signOff', 'approved', 'liveSupport', 'review', 'closed']),
    );
    expect(graph.edges).toEqual(
      expect.arrayContaining([
        { from: 'assessment', to: 'notEligible' },
        { from: 'signOff', to: 'approved' },
        { from: 'approved', to: 'liveSupport' },
      ]),
    );
  });

  it('highlights the current step and names it in the title', () => {
    const svg = workflowSvg(v1, 'signOff');
    expect(svg).toContain(
      '<title id="workflow-diagram-title">The steps of support-planning version 1. This journey is at: Waiting for sign-off</title>',
    );
    expect(svg.match(/app-step--current/g)).toHaveLength(1);
    expect(svg).toContain('>Waiting for sign-off (now)</text>');
    expect(workflowSvg(v1, null)).not.toContain('app-step--current');
  });

  it('states the rules in words, without the routing guards', () => {
    const { rules, whoRecords, clocks } = workflowRules(v1);
    expect(rules).toContain('Separation of duties: the approver is not the actor who drafted the plan.');
    expect(rules.some((rule) => rule.startsWith('Routing:'))).toBe(false);
    expect(whoRecords).toContainEqual({ what: 'Challenge a decision', who: 'the person, advocate' });
    expect(clocks).toContain('First review: due 8 weeks after it starts (Care and Support Statutory Guidance para. 13.32).');
  });
});
