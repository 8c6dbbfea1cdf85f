/**
 * A workflow version as a picture: its steps (the machine's atomic states) as boxes in layers,
 * by how many steps they are from the start, and its transitions as arrows, drawn as SVG on the
 * server (no script), with the journey's current step highlighted. Read from the machine
 * definition itself, so the picture cannot drift from the rules. Pure.
 */
import type { AnyStateNode } from 'xstate';
import { ruleDescription, type WorkflowDefinition } from '../../workflows';
import { ROUTING_GUARDS } from '../../workflows/support-planning/guards';
import { guardNames } from '../../workflows/diagram';
import { NEXT_STEP_NAMES, roleName, stepName } from './plain-english';
import type { EventType } from '../../workflows';

const BOX = { width: 270, height: 46, gapX: 28, gapY: 56, margin: 20 };

interface Edge {
  from: string;
  to: string;
}

function children(node: AnyStateNode): AnyStateNode[] {
  return Object.values(node.states) as AnyStateNode[];
}

function descendants(node: AnyStateNode): AnyStateNode[] {
  return [node, ...children(node).flatMap(descendants)];
}

/** The step a transition lands in: its target, or the target's first step when it has steps inside. */
function landing(target: AnyStateNode): AnyStateNode {
  const first = target.initial?.target?.[0] as AnyStateNode | undefined;
  return children(target).length === 0 || !first ? target : landing(first);
}

/**
 * Steps and the arrows between them. Only each step's own transitions are drawn: those of the
 * states around them (closing the journey, an upheld challenge reopening a step) apply at every
 * step and would hide the path; the page says so in words instead.
 */
export function stepGraph(definition: WorkflowDefinition): { start: string; steps: string[]; edges: Edge[] } {
  const root = definition.machine.root as AnyStateNode;
  const steps = descendants(root).filter((node) => node.path.length > 0 && children(node).length === 0);
  const edges = new Map<string, Edge>();
  for (const step of steps) {
    for (const [, transitions] of step.transitions) {
      for (const transition of transitions) {
        const target = transition.target?.[0] as AnyStateNode | undefined;
        const to = target ? landing(target).key : step.key;
        if (to !== step.key) edges.set(`${step.key}>${to}`, { from: step.key, to });
      }
    }
  }
  return { start: landing(root).key, steps: steps.map((step) => step.key), edges: [...edges.values()] };
}

/** Each step's layer: its distance in arrows from the start (steps never reached go last). */
function layers(graph: ReturnType<typeof stepGraph>): string[][] {
  const depth = new Map<string, number>([[graph.start, 0]]);
  const queue = [graph.start];
  while (queue.length > 0) {
    const step = queue.shift() as string;
    for (const edge of graph.edges.filter((candidate) => candidate.from === step && !depth.has(candidate.to))) {
      depth.set(edge.to, (depth.get(step) ?? 0) + 1);
      queue.push(edge.to);
    }
  }
  const last = Math.max(...depth.values()) + 1;
  const rows: string[][] = [];
  for (const step of graph.steps) (rows[depth.get(step) ?? last] ??= []).push(step);
  return rows.filter((row) => row !== undefined);
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The SVG, with `current` (a step's key) filled and labelled "you are here". */
export function workflowSvg(definition: WorkflowDefinition, current: string | null): string {
  const graph = stepGraph(definition);
  const rows = layers(graph);
  const widest = Math.max(...rows.map((row) => row.length));
  const width = BOX.margin * 2 + widest * BOX.width + (widest - 1) * BOX.gapX;
  const height = BOX.margin * 2 + rows.length * BOX.height + (rows.length - 1) * BOX.gapY;
  const at = new Map<string, { x: number; y: number }>();
  rows.forEach((row, r) => {
    const rowWidth = row.length * BOX.width + (row.length - 1) * BOX.gapX;
    row.forEach((step, i) =>
      at.set(step, { x: (width - rowWidth) / 2 + i * (BOX.width + BOX.gapX), y: BOX.margin + r * (BOX.height + BOX.gapY) }),
    );
  });
  const arrows = graph.edges.map(({ from, to }) => {
    const a = at.get(from) as { x: number; y: number };
    const b = at.get(to) as { x: number; y: number };
    const forward = b.y > a.y;
    const [x1, y1] = [a.x + BOX.width / 2, forward ? a.y + BOX.height : a.y];
    const [x2, y2] = [b.x + BOX.width / 2, forward ? b.y : b.y + BOX.height];
    const dash = forward ? '' : ' stroke-dasharray="5 4"';
    return `<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="#505a5f" stroke-width="1.5"${dash} marker-end="url(#arrow)"/>`;
  });
  const boxes = graph.steps.map((step) => {
    const { x, y } = at.get(step) as { x: number; y: number };
    const here = step === current;
    const label = escapeXml(stepName(step)) + (here ? ' (now)' : '');
    return (
      `<g class="${here ? 'app-step app-step--current' : 'app-step'}"><rect x="${x}" y="${y}" width="${BOX.width}" height="${BOX.height}" rx="4" ` +
      `fill="${here ? '#1d70b8' : '#ffffff'}" stroke="${here ? '#0b0c0c' : '#505a5f'}" stroke-width="${here ? 3 : 1.5}"/>` +
      `<text x="${x + BOX.width / 2}" y="${y + BOX.height / 2 + 5}" text-anchor="middle" font-family="Arial, sans-serif" font-size="14" ` +
      `font-weight="${here ? 'bold' : 'normal'}" fill="${here ? '#ffffff' : '#0b0c0c'}">${label}</text></g>`
    );
  });
  const title = `The steps of ${definition.id} version ${definition.version}${current ? `. This journey is at: ${stepName(current)}` : ''}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="workflow-diagram-title" viewBox="0 0 ${width} ${height}" width="100%" style="max-width:${width}px">`,
    `<title id="workflow-diagram-title">${escapeXml(title)}</title>`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#505a5f"/></marker></defs>',
    ...arrows,
    ...boxes,
    '</svg>',
  ].join('\n');
}

export interface WorkflowRules {
  rules: string[];
  whoRecords: Array<{ what: string; who: string }>;
  clocks: string[];
}

/** The version's rules in words: its guards (not the routing ones), who may record what, its clocks. */
export function workflowRules(definition: WorkflowDefinition): WorkflowRules {
  const routing = new Set<string>(ROUTING_GUARDS);
  const used = new Set<string>();
  for (const node of descendants(definition.machine.root as AnyStateNode)) {
    for (const [, transitions] of node.transitions)
      for (const transition of transitions) guardNames(transition.guard).forEach((name) => used.add(name));
  }
  const { policy } = definition;
  return {
    rules: [...used]
      .filter((name) => !routing.has(name) && ruleDescription(definition, name))
      .map((name) => ruleDescription(definition, name) as string),
    whoRecords: (Object.keys(policy.rolesPerEvent) as EventType[]).map((type) => ({
      what: NEXT_STEP_NAMES[type],
      who: (policy.rolesPerEvent[type] ?? []).map(roleName).join(', '),
    })),
    clocks: policy.clocks.map(
      (clock) =>
        `${clock.label}: due ${Object.entries(clock.due)
          .map(([unit, n]) => `${n} ${n === 1 ? unit.replace(/s$/, '') : unit}`)
          .join(' ')} after it starts (${clock.source}).`,
    ),
  };
}
