/**
 * The rules of a workflow version as a document people can read: a Mermaid state diagram drawn
 * from the machine definition itself, the guards with their plain-language statements, who may
 * record each event, and the clocks. Pure (no fs): `npm run workflow:diagram` writes it to
 * `workflows/<id>/v<N>.md`, and `GET /workflows/:id/:version` serves the same text.
 */
import type { AnyStateNode } from 'xstate';
import { ruleDescription, type WorkflowDefinition } from './runtime';
import { EVENT_TYPES } from './support-planning/events';
import { ROUTING_GUARDS } from './support-planning/guards';
import type { ClockTrigger, Duration } from './support-planning/policy';

/** Named guards of a transition, flattened through `and([...])`. */
export function guardNames(guard: unknown): string[] {
  if (!guard) return [];
  if (typeof guard === 'string') return [guard];
  if (typeof guard === 'function' && Array.isArray((guard as unknown as { guards?: unknown[] }).guards)) {
    return (guard as unknown as { guards: unknown[] }).guards.flatMap(guardNames);
  }
  if (typeof guard === 'object' && guard !== null && 'type' in guard) return [String((guard as { type: string }).type)];
  return ['inline'];
}

/** Mermaid ids cannot contain dots: `support-planning.open.signOff` → `open_signOff`. */
function nodeId(node: AnyStateNode): string {
  return node.path.length === 0 ? 'root' : node.path.join('_');
}

function childNodes(node: AnyStateNode): AnyStateNode[] {
  return Object.values(node.states) as AnyStateNode[];
}

function transitionLabel(eventType: string, guard: unknown): string {
  const rules = guardNames(guard).filter((name) => name !== 'actorMayRecord');
  return rules.length > 0 ? `${eventType} [${rules.join(', ')}]` : eventType;
}

function isAtomic(node: AnyStateNode): boolean {
  return childNodes(node).length === 0;
}

/** The step a transition enters: the target itself, or its initial step when it is compound. */
function entered(target: AnyStateNode): AnyStateNode {
  const initial = target.initial?.target?.[0] as AnyStateNode | undefined;
  return isAtomic(target) || !initial ? target : entered(initial);
}

/**
 * A flat diagram of the steps: Mermaid cannot draw transitions between states of different
 * composite states, so steps are drawn flat and the transitions of compound states (the side
 * activities and challenges) are listed in a table instead.
 */
function diagramLines(root: AnyStateNode): string[] {
  const steps = allNodes(root).filter((node) => node.path.length > 0 && isAtomic(node));
  const lines = [`  [*] --> ${nodeId(entered(root))}`];
  for (const step of steps) {
    for (const [eventType, transitions] of step.transitions) {
      for (const transition of transitions) {
        const target = transition.target?.[0] ? entered(transition.target[0] as AnyStateNode) : step;
        lines.push(`  ${nodeId(step)} --> ${nodeId(target)} : ${transitionLabel(eventType, transition.guard)}`);
      }
    }
  }
  return lines;
}

/** Transitions of compound states apply in every step below them; listed rather than drawn. */
function compoundTransitionRows(root: AnyStateNode): string[] {
  const rows: string[] = [];
  for (const node of allNodes(root).filter((candidate) => !isAtomic(candidate))) {
    const scope = node.path.length === 0 ? 'every state' : `every \`${node.path.join('.')}\` step`;
    for (const [eventType, transitions] of node.transitions) {
      for (const transition of transitions) {
        const target = transition.target?.[0] ? `\`${(transition.target[0] as AnyStateNode).path.join('.')}\`` : '(stays)';
        rows.push(`| ${eventType} | ${scope} | ${guardNames(transition.guard).join(', ')} | ${target} |`);
      }
    }
  }
  return rows;
}

function allNodes(node: AnyStateNode): AnyStateNode[] {
  return [node, ...childNodes(node).flatMap(allNodes)];
}

function usedGuards(root: AnyStateNode): string[] {
  const names = new Set<string>();
  for (const node of allNodes(root)) {
    for (const [, transitions] of node.transitions) {
      for (const transition of transitions) guardNames(transition.guard).forEach((name) => names.add(name));
    }
  }
  return [...names];
}

function durationText(due: Duration): string {
  return Object.entries(due)
    .map(([unit, amount]) => `${amount} ${amount === 1 ? unit.replace(/s$/, '') : unit}`)
    .join(' ');
}

/** A clock's starting trigger in the table: the event, the step an upheld challenge reopens, and its conditions. */
function triggerText(trigger: ClockTrigger): string {
  const reopens = trigger.reopens ? ` reopening ${trigger.reopens}` : '';
  return (
    trigger.event +
    reopens +
    (trigger.where ? ` ${JSON.stringify(trigger.where)}` : '') +
    (trigger.journey ? ` ${JSON.stringify(trigger.journey)}` : '')
  );
}

export function renderWorkflowDoc(definition: WorkflowDefinition): string {
  const root = definition.machine.root as AnyStateNode;
  const { policy } = definition;
  const routing = new Set<string>(ROUTING_GUARDS);
  const guards = usedGuards(root);
  return [
    `# Workflow \`${definition.id}\` version ${definition.version}`,
    '',
    'Generated from the machine and its policy by `npm run workflow:diagram`; do not edit by hand.',
    'Every transition is also guarded by `actorMayRecord` (the role table below).',
    '',
    '## States and transitions',
    '',
    '```mermaid',
    'stateDiagram-v2',
    ...diagramLines(root),
    '```',
    '',
    '## Side activities and challenges',
    '',
    'Accepted in every step of their scope without changing the step, except closure and an upheld',
    'challenge, which re-enters the step its contested decision closed.',
    '',
    '| event | scope | guards | goes to |',
    '|---|---|---|---|',
    ...compoundTransitionRows(root),
    '',
    '## Rules (guards)',
    '',
    '| guard | kind | rule |',
    '|---|---|---|',
    ...guards.map((name) => `| \`${name}\` | ${routing.has(name) ? 'routing' : 'rule'} | ${ruleDescription(definition, name) ?? ''} |`),
    '',
    '## Who may record each event',
    '',
    '| event | roles |',
    '|---|---|',
    ...EVENT_TYPES.filter((type) => policy.rolesPerEvent[type]).map(
      (type) => `| ${type} | ${(policy.rolesPerEvent[type] ?? []).join(', ')} |`,
    ),
    '',
    '## Policy values',
    '',
    `- Senior approval: a final budget above ${policy.seniorApproval.annualThresholdPence} pence a year needs role \`${policy.seniorApproval.role}\`.`,
    `- Social care eligibility: at least ${policy.minimumEligibleOutcomes} of the ten outcomes (${policy.outcomeBasedEligibility.join(', ')}).`,
    `- An NHS-funded direct payment may not buy: ${policy.nhsDirectPaymentProhibitedCategories.join(', ')}.`,
    `- Challenge outcomes that reopen the step: ${policy.reopeningOutcomes.join(', ')}.`,
    ...versionTwoPolicyLines(policy),
    '',
    '## Clocks',
    '',
    '| clock | due | starts on | stops on | source |',
    '|---|---|---|---|---|',
    ...policy.clocks.map(
      (clock) =>
        `| ${clock.label} (\`${clock.id}\`) | ${durationText(clock.due)} | ${clock.startsOn.map(triggerText).join('; ')} | ${clock.stopsOn
          .map((trigger) => trigger.event)
          .join(', ')}${clock.runsAfterClosure ? ' (runs on after closure)' : ', or closure'} | ${clock.source} |`,
    ),
    '',
  ].join('\n');
}

/** The policy values only later versions set (v1 has none of them, so its document is unchanged). */
function versionTwoPolicyLines(policy: WorkflowDefinition['policy']): string[] {
  const lines: string[] = [];
  if (policy.supportCategories) lines.push(`- Support categories (a closed list): ${policy.supportCategories.join(', ')}.`);
  if (policy.maxBackdatingDays !== undefined)
    lines.push(`- A fact dated more than ${policy.maxBackdatingDays} days before it is recorded needs a reason.`);
  if (policy.clockTiming) {
    const { followEffectiveDates, recogniseLateEntries, lateEntryGraceHours } = policy.clockTiming;
    if (followEffectiveDates)
      lines.push('- Clocks start and stop on the effective date of their fact (a support’s start date), not on when it was typed in.');
    if (recogniseLateEntries)
      lines.push(
        '- A missed clock whose work is later shown, by its effective date, to have been done in time is "met, recorded late" and no longer escalates.',
      );
    lines.push(
      `- The scheduler waits ${lateEntryGraceHours} hours after a backdated start is recorded before recording a miss it already shows.`,
    );
  }
  return lines;
}
