/**
 * Path coverage of support-planning v1 with `xstate/graph`: every state node of the machine is
 * reached, and every transition (each guarded alternative counted on its own) is taken, by at
 * least one generated path, and every generated path replays as a real journey.
 *
 * How the graph is made finite: the machine's context grows with every fact (revisions, times),
 * so no two snapshots are ever equal. The traversal therefore identifies a snapshot by its state
 * and the few things about its context that decide which sample facts its guards accept (is there
 * a plan, an advocate, which kinds of decision exist and which is under challenge).
 * That abstraction is finite, so the traversal ends.
 *
 * How the events line up: `events` is a function of the snapshot, so each sample fact carries the
 * next revision, a time derived from it, actors that satisfy the guards (an approver who did not
 * draft the plan, a resolver who did not make the contested decision), and the plan versions,
 * decision revisions and challenge revisions of the snapshot it is offered to.
 *
 * How it fails: the set of state node ids reached by the paths is compared with the set of all
 * state node ids of the machine (walking `machine.root`), and likewise for transitions. A state
 * nothing can reach, or a transition no fact can take, is left over and fails the test; the last
 * test proves it by adding an unreachable state to a copy of the machine.
 */
import { createMachine, initialTransition, type AnyStateNode, type AnyTransitionDefinition } from 'xstate';
import { getAdjacencyMap, type AdjacencyMap, type StatePath } from 'xstate/graph';
import { guardNames } from '../diagram';
import { WorkflowRegistry } from '../index';
import { replayChecked, statePath, type JourneySnapshot } from '../runtime';
import { actors, fact, toEvents, type Fact } from '../testing/facts';
import { REVIEW_OUTCOMES, type JourneyEvent } from './events';
import { supportPlanningV1 } from './v1';

const v1 = new WorkflowRegistry().get('support-planning', 1);
type Machine = typeof supportPlanningV1;
type Path = StatePath<JourneySnapshot, JourneyEvent>;

/** The latest decision of each type, by revision: the ones the sample challenges name. */
function latestDecisions(snapshot: JourneySnapshot): number[] {
  const latest = new Map<string, number>();
  for (const [revision, decision] of Object.entries(snapshot.context.decisions)) {
    latest.set(decision.type, Math.max(Number(revision), latest.get(decision.type) ?? -1));
  }
  return [...latest.values()].sort((a, b) => a - b);
}

/** Sample facts for every event of the vocabulary, fitted to the snapshot they are offered to. */
function sampleEvents(snapshot: JourneySnapshot): JourneyEvent[] {
  const { context } = snapshot;
  const planVersion = context.plan?.version ?? 1;
  const submittedVersion = context.submitted?.planVersion ?? planVersion;
  const openChallenges = Object.keys(context.openChallenges).map(Number);
  const facts: Fact[] = [
    fact('ReferralReceived'),
    fact('AssessmentStarted'),
    fact('AssessmentCompleted'),
    fact('AssessmentCompleted', { eligible: false, eligibleOutcomes: [], reasons: 'Needs do not meet reg. 2' }),
    fact('IndicativeBudgetSet'),
    fact('SupportPlanDrafted'),
    fact('SupportPlanSubmitted', { planVersion }),
    fact('SupportPlanReturned', { planVersion: submittedVersion }),
    // Drafted by case-worker-1, approved by approver-1; the default budget equals the indicative one.
    fact('SupportPlanApproved', { planVersion: submittedVersion }),
    fact('SupportStarted'),
    fact('ReviewRequested'),
    fact('ReviewStarted'),
    ...REVIEW_OUTCOMES.map((outcome) => fact('ReviewCompleted', { outcome })),
    fact('PreferenceRecorded'),
    fact('AdvocateAppointed'),
    fact('AdvocateWithdrawn'),
    // One challenge at a time (which keeps the graph small): to each kind of decision the journey
    // has made, or naming revision 0 (refused) when there is none or one is already open.
    ...(openChallenges.length === 0 && latestDecisions(snapshot).length > 0 ? latestDecisions(snapshot) : [0]).map((decisionRevision) =>
      fact('DecisionChallenged', { decisionRevision }),
    ),
    // The open challenge upheld or not, by a senior approver who made none of the decisions.
    // (Partly upheld takes the same transitions as upheld: v1.guards.spec.ts shows it.)
    ...(openChallenges.length > 0 ? openChallenges : [0]).flatMap((challengeRevision) =>
      (['upheld', 'not-upheld'] as const).map((outcome) =>
        fact('ChallengeResolved', { challengeRevision, outcome }, { by: actors.seniorApprover }),
      ),
    ),
    fact('DeadlineMissed', { clock: 'assessment-completed' }),
    // The one clock that can run after closure: a challenge's (refused while none is open).
    fact('DeadlineMissed', { clock: 'challenge-answered' }),
    fact('JourneyClosed'),
  ];
  return toEvents(facts, context.lastRevision + 1);
}

/** What makes two snapshots the same vertex of the graph (see the header). */
function vertexOf(snapshot: JourneySnapshot): string {
  const { context } = snapshot;
  const typeOf = (revision: number | string) => context.decisions[String(revision)]?.type ?? 'none';
  return JSON.stringify({
    state: statePath(snapshot.value),
    plan: context.plan !== null,
    advocate: Object.keys(context.advocates).length > 0,
    decisions: [...new Set(Object.values(context.decisions).map((decision) => decision.type))].sort(),
    challenged: Object.values(context.openChallenges)
      .map((open) => typeOf(open.decisionRevision))
      .sort(),
  });
}

/** Every state node under (and including) the root, by walking the machine definition. */
function allStateNodes(node: AnyStateNode): AnyStateNode[] {
  return [node, ...Object.values(node.states).flatMap((child) => allStateNodes(child as AnyStateNode))];
}

/** Every transition definition of every state node: each guarded alternative on its own. */
function allTransitions(machine: Machine): AnyTransitionDefinition[] {
  return allStateNodes(machine.root as AnyStateNode).flatMap((node) => [...node.transitions.values()].flat());
}

const describeTransition = (t: AnyTransitionDefinition) =>
  `${t.source.id} --${t.eventType}--> ${t.target?.map((target) => target.id).join(',') ?? '(stays)'} [${guardNames(t.guard).join(', ')}]`;

interface Exploration {
  /** Distinct vertices of the graph (snapshots told apart by `vertexOf`). */
  vertices: number;
  paths: Path[];
  reachedStateIds: Set<string>;
  takenTransitions: Set<AnyTransitionDefinition>;
}

type Edges = AdjacencyMap<JourneySnapshot, JourneyEvent>[string & { __tag: 'state' }]['transitions'];
const edgesOf = (transitions: Edges) => Object.values(transitions) as Array<{ event: JourneyEvent; state: JourneySnapshot }>;

/**
 * The generated paths, from xstate/graph's adjacency map of the machine: a path to every vertex,
 * and each of those extended by every edge leaving it that takes a transition (so every edge of
 * the graph is the last step of some path).
 *
 * The paths follow the exact snapshots of the traversal: the map's snapshot for a vertex is the
 * one its first-found edge produced (the same object), and its edges were computed from that
 * snapshot. Following those parent links keeps every sample fact's revisions, plan versions and
 * challenge revisions consistent with the path it sits on, so each path is a real journey.
 */
function explore(machine: Machine): Exploration {
  const adjacency = getAdjacencyMap(machine, { events: sampleEvents, serializeState: vertexOf, limit: 500_000 });
  const parent = new Map<JourneySnapshot, { from: JourneySnapshot; event: JourneyEvent }>();
  for (const { state: from, transitions } of Object.values(adjacency)) {
    for (const { event, state: to } of edgesOf(transitions)) {
      if (to !== from && !parent.has(to)) parent.set(to, { from, event });
    }
  }
  const pathTo = (snapshot: JourneySnapshot): Path => {
    const steps: Path['steps'] = [];
    for (let at = snapshot, link = parent.get(at); link; at = link.from, link = parent.get(at)) {
      steps.unshift({ event: link.event, state: at });
    }
    return { state: snapshot, steps, weight: steps.length };
  };

  const paths: Path[] = [];
  const reachedStateIds = new Set<string>();
  const takenTransitions = new Set<AnyTransitionDefinition>();
  for (const { state: from, transitions } of Object.values(adjacency)) {
    const head = pathTo(from);
    paths.push(head);
    for (const { event, state: to } of edgesOf(transitions)) {
      if (machine.getTransitionData(from, event).length === 0) continue; // refused: no transition taken
      paths.push({ state: to, steps: [...head.steps, { event, state: to }], weight: head.weight + 1 });
    }
  }
  for (const path of paths) {
    let before = initialTransition(machine)[0];
    before._nodes.forEach((node) => reachedStateIds.add(node.id));
    for (const step of path.steps) {
      machine.getTransitionData(before, step.event).forEach((t) => takenTransitions.add(t));
      step.state._nodes.forEach((node) => reachedStateIds.add(node.id));
      before = step.state;
    }
  }
  return { vertices: Object.keys(adjacency).length, paths, reachedStateIds, takenTransitions };
}

const factsOf = (path: Path): JourneyEvent[] => path.steps.map((step) => step.event);

describe('path coverage of support-planning v1 (xstate/graph)', () => {
  const machine = v1.machine as Machine;
  const { vertices, paths, reachedStateIds, takenTransitions } = explore(machine);

  it('explores a graph of a few hundred vertices and generates thousands of paths from it', () => {
    expect(vertices).toBeGreaterThan(100);
    expect(paths.length).toBeGreaterThan(vertices);
  });

  it('reaches every state node of the machine', () => {
    const all = allStateNodes(machine.root as AnyStateNode).map((node) => node.id);
    expect(all).toEqual(
      expect.arrayContaining([
        'support-planning',
        'support-planning.awaitingReferral',
        'support-planning.open',
        'support-planning.open.notEligible',
        'support-planning.open.review',
        'support-planning.closed',
      ]),
    );
    expect(all.filter((id) => !reachedStateIds.has(id))).toEqual([]);
  });

  it('takes every transition, counting each guarded alternative', () => {
    const all = allTransitions(machine);
    expect(all.length).toBe(28);
    expect(all.filter((t) => !takenTransitions.has(t)).map(describeTransition)).toEqual([]);
  });

  it('generates only paths that replay as journeys the runtime accepts, fact by fact', () => {
    for (const path of paths) {
      const events = factsOf(path);
      const result = replayChecked(v1, events);
      expect({ events: events.map((event) => event.type), refusedAt: result.refusedAt }).toEqual({
        events: events.map((event) => event.type),
        refusedAt: null,
      });
      expect(statePath(result.snapshot.value)).toBe(statePath(path.state.value));
    }
  });

  it('leaves a closed journey only by an upheld challenge', () => {
    let reopenings = 0;
    for (const path of paths) {
      path.steps.forEach((step, index) => {
        const before = index === 0 ? 'awaitingReferral' : statePath(path.steps[index - 1].state.value);
        if (before === 'closed' && statePath(step.state.value) !== 'closed') {
          reopenings += 1;
          expect({ event: step.event.type, outcome: (step.event.data as { outcome?: string }).outcome }).toEqual({
            event: 'ChallengeResolved',
            outcome: expect.stringMatching(/^(upheld|partly-upheld)$/),
          });
        }
      });
    }
    expect(reopenings).toBeGreaterThan(0);
  });

  it('would fail if a state were unreachable: a copy of the machine with an orphan state is caught', () => {
    const withOrphan = createMachine(
      {
        ...machine.config,
        states: {
          ...machine.config.states,
          orphan: { on: { JourneyClosed: { guard: 'actorMayRecord', target: 'closed', actions: 'record' } } },
        },
      },
      machine.implementations,
    ) as unknown as Machine;
    const exploration = explore(withOrphan);
    const unreached = allStateNodes(withOrphan.root as AnyStateNode)
      .map((node) => node.id)
      .filter((id) => !exploration.reachedStateIds.has(id));
    const untaken = allTransitions(withOrphan)
      .filter((t) => !exploration.takenTransitions.has(t))
      .map(describeTransition);
    expect(unreached).toEqual(['support-planning.orphan']);
    expect(untaken).toEqual(['support-planning.orphan --JourneyClosed--> support-planning.closed [actorMayRecord]']);
  });
});
