/**
 * "What changed from version N-1": a description of the difference between two versions of a
 * workflow, generated from their machines and policies (never written by hand, so it cannot drift
 * from the rules the engine applies), for people who decide whether to move journeys across:
 * managers, advocates, auditors.
 *
 * - events added or removed (by the transitions that accept them and the roles that may record them);
 * - rules (named guards) added, removed, or changed: reworded (the version's `ruleDescriptions`),
 *   or with a different check under the same name (the guard's source text differs);
 * - where rules apply: per event and step, a transition that appears, disappears, goes elsewhere,
 *   or checks other rules;
 * - policy values: roles per event, thresholds, lists, clocks.
 *
 * A rule whose check is the same but reads a changed policy value shows under the policy values.
 * Pure: `describeChanges` gives the data, `renderChanges` the Markdown served by GET /workflows.
 */
import type { AnyStateNode } from 'xstate';
import { guardNames } from './diagram';
import { ruleDescription, type WorkflowDefinition } from './runtime';
import { ROUTING_GUARDS } from './support-planning/guards';

export interface EventEntry {
  type: string;
  /** Who may record it in the version that has it. */
  roles: string[];
}

export interface RuleEntry {
  name: string;
  description: string;
  routing: boolean;
  /** Where the rule is checked, e.g. `SupportPlanApproved in sign off`. */
  checkedOn: string[];
}

export interface RuleChange {
  name: string;
  before: string;
  after: string;
  /** The wording of the rule changed. */
  reworded: boolean;
  /** The check under this name is different code. */
  checkChanged: boolean;
}

export interface TransitionChange {
  event: string;
  /** The step (dotted state path, `` for every state) the transition leaves from. */
  step: string;
  change: 'added' | 'removed' | 'changed';
  /** Where it goes (dotted path), or null when the journey stays in its step. */
  targetBefore: string | null;
  targetAfter: string | null;
  /** The step and targets in words, e.g. `sign off`, `any open step`. */
  labels: { step: string; targetBefore: string | null; targetAfter: string | null };
  rulesAdded: string[];
  rulesRemoved: string[];
}

export interface PolicyChange {
  /** Where the value sits in the policy, e.g. `rolesPerEvent.ReviewRequested`. */
  path: string;
  label: string;
  change: 'added' | 'removed' | 'changed';
  before?: string;
  after?: string;
  /** For lists: the items added and removed. */
  itemsAdded?: string[];
  itemsRemoved?: string[];
}

export interface WorkflowChanges {
  workflowId: string;
  from: number;
  to: number;
  events: { added: EventEntry[]; removed: EventEntry[] };
  rules: { added: RuleEntry[]; removed: RuleEntry[]; changed: RuleChange[] };
  transitions: TransitionChange[];
  policy: PolicyChange[];
}

// ---- the machine, as rows -----------------------------------------------------------------------

interface TransitionRow {
  key: string;
  event: string;
  step: string;
  target: string | null;
  rules: string[];
}

const ROUTING = new Set<string>(ROUTING_GUARDS);

function nodesOf(node: AnyStateNode): AnyStateNode[] {
  return [node, ...(Object.values(node.states) as AnyStateNode[]).flatMap(nodesOf)];
}

/**
 * Every transition of the machine. Candidates for the same event in the same step are told apart
 * by their routing guards (e.g. a review's outcome), so a candidate is matched across versions by
 * what it routes on, not by its position in the list.
 */
function transitionRows(definition: WorkflowDefinition): TransitionRow[] {
  const rows: TransitionRow[] = [];
  for (const node of nodesOf(definition.machine.root as AnyStateNode)) {
    const step = node.path.join('.');
    for (const [event, candidates] of node.transitions) {
      candidates.forEach((candidate, index) => {
        const names = guardNames(candidate.guard);
        const routing = names.filter((name) => ROUTING.has(name));
        const target = candidate.target?.[0] ? (candidate.target[0] as AnyStateNode).path.join('.') : null;
        const routedBy = routing.length > 0 ? routing.join('+') : `#${index}`;
        rows.push({ key: `${step}|${event}|${routedBy}`, event, step, target, rules: names.filter((name) => !ROUTING.has(name)) });
      });
    }
  }
  return rows;
}

function eventTypes(definition: WorkflowDefinition, rows: TransitionRow[]): string[] {
  return [...new Set([...rows.map((row) => row.event), ...Object.keys(definition.policy.rolesPerEvent)])];
}

function rolesOf(definition: WorkflowDefinition, type: string): string[] {
  return [...((definition.policy.rolesPerEvent as Record<string, readonly string[] | undefined>)[type] ?? [])];
}

/** `open.signOff` → `sign off`; the root → `any step`; a compound step → `any open step`. */
export function stepLabel(step: string, definition?: WorkflowDefinition): string {
  if (step === '') return 'any step';
  const words = (name: string) => name.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  const last = step.split('.').pop() as string;
  const compound = definition
    ? nodesOf(definition.machine.root as AnyStateNode).some((node) => node.path.join('.') === step && Object.keys(node.states).length > 0)
    : false;
  return compound ? `any ${words(last)} step` : words(last);
}

// ---- rules and transitions ----------------------------------------------------------------------

function guardSource(definition: WorkflowDefinition, name: string): string | undefined {
  const guards = definition.machine.implementations.guards as Record<string, unknown>;
  const guard = guards[name];
  return typeof guard === 'function' ? guard.toString() : undefined;
}

function ruleEntries(definition: WorkflowDefinition, rows: TransitionRow[], names: string[]): RuleEntry[] {
  return names.map((name) => ({
    name,
    description: ruleDescription(definition, name) ?? '',
    routing: ROUTING.has(name),
    checkedOn: rows.filter((row) => row.rules.includes(name)).map((row) => `${row.event} in ${stepLabel(row.step, definition)}`),
  }));
}

function usedRules(rows: TransitionRow[]): string[] {
  return [...new Set(rows.flatMap((row) => row.rules))];
}

function ruleChanges(before: WorkflowDefinition, after: WorkflowDefinition, names: string[]): RuleChange[] {
  return names
    .map((name) => {
      const [was, is] = [ruleDescription(before, name) ?? '', ruleDescription(after, name) ?? ''];
      return { name, before: was, after: is, reworded: was !== is, checkChanged: guardSource(before, name) !== guardSource(after, name) };
    })
    .filter((change) => change.reworded || change.checkChanged);
}

function transitionChanges(
  before: WorkflowDefinition,
  after: WorkflowDefinition,
  beforeRows: TransitionRow[],
  afterRows: TransitionRow[],
): TransitionChange[] {
  const byKey = (rows: TransitionRow[]) => new Map(rows.map((row) => [row.key, row]));
  const [was, is] = [byKey(beforeRows), byKey(afterRows)];
  const changes: TransitionChange[] = [];
  for (const key of new Set([...was.keys(), ...is.keys()])) {
    const [old, now] = [was.get(key), is.get(key)];
    const row = (now ?? old) as TransitionRow;
    const rulesAdded = (now?.rules ?? []).filter((name) => !(old?.rules ?? []).includes(name));
    const rulesRemoved = (old?.rules ?? []).filter((name) => !(now?.rules ?? []).includes(name));
    const change = !old
      ? 'added'
      : !now
        ? 'removed'
        : old.target !== now.target || rulesAdded.length + rulesRemoved.length > 0
          ? 'changed'
          : null;
    if (change) {
      const [targetBefore, targetAfter] = [old?.target ?? null, now?.target ?? null];
      const labels = {
        step: stepLabel(row.step, now ? after : before),
        targetBefore: targetBefore === null ? null : stepLabel(targetBefore, before),
        targetAfter: targetAfter === null ? null : stepLabel(targetAfter, after),
      };
      changes.push({ event: row.event, step: row.step, change, targetBefore, targetAfter, labels, rulesAdded, rulesRemoved });
    }
  }
  return changes;
}

// ---- policy values ------------------------------------------------------------------------------

type Json = unknown;

function isRecord(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Key order does not matter to what a value says. */
function canonical(value: Json): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isRecord(value))
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'undefined';
}

const UNITS = ['months', 'weeks', 'days', 'hours'];

/** A policy value as a sentence fragment: money in pounds, durations in words, lists with commas. */
function valueText(key: string, value: Json): string {
  if (typeof value === 'number' && /Pence$/.test(key)) {
    return `£${(value / 100).toLocaleString('en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  }
  if (isRecord(value) && Object.keys(value).length > 0 && Object.keys(value).every((unit) => UNITS.includes(unit))) {
    return Object.entries(value)
      .map(([unit, amount]) => `${String(amount)} ${amount === 1 ? unit.replace(/s$/, '') : unit}`)
      .join(' ');
  }
  if (isRecord(value) && typeof value.event === 'string') {
    const { event, ...conditions } = value;
    return Object.keys(conditions).length === 0 ? event : `${event} when ${canonical(conditions)}`;
  }
  if (Array.isArray(value)) return value.length === 0 ? '(none)' : value.map((item) => valueText(key, item)).join(', ');
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  return canonical(value);
}

const POLICY_LABELS: Record<string, string> = {
  'seniorApproval.annualThresholdPence': 'Budget a year above which the senior approver signs off',
  'seniorApproval.role': 'Role of the senior approver',
  minimumEligibleOutcomes: 'Eligible outcomes needed (of the ten in reg. 2)',
  outcomeBasedEligibility: 'Funding streams whose eligibility rests on the reg. 2 outcomes',
  nhsDirectPaymentProhibitedCategories: 'What an NHS-funded direct payment may not buy',
  reopeningOutcomes: 'Challenge outcomes that reopen the contested step',
};

const CLOCK_FIELDS: Record<string, string> = {
  due: 'due after',
  startsOn: 'starts on',
  stopsOn: 'stops on',
  label: 'name',
  source: 'source',
  perChallenge: 'one per challenge',
};

function words(key: string): string {
  return key.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

function policyLabel(path: string[], clockLabel: (id: string) => string): string {
  const [head, second, third] = path;
  if (head === 'rolesPerEvent' && second) return `Who may record ${second}`;
  if (head === 'challengeableDecisions' && second) return `Step an upheld challenge to ${second} reopens`;
  if (head === 'clocks' && second)
    return third ? `Clock “${clockLabel(second)}”: ${CLOCK_FIELDS[third] ?? words(third)}` : `Clock “${clockLabel(second)}”`;
  return POLICY_LABELS[path.join('.')] ?? path.map(words).join(': ');
}

/** Lists of objects with an id (the clocks) are compared item by item; other lists as sets. */
function hasIds(list: Json[]): list is Array<Record<string, Json> & { id: string }> {
  return list.length > 0 && list.every((item) => isRecord(item) && typeof item.id === 'string');
}

interface PolicyDiffContext {
  out: PolicyChange[];
  label: (path: string[]) => string;
}

function diffPolicyValue(path: string[], before: Json, after: Json, context: PolicyDiffContext): void {
  if (canonical(before) === canonical(after)) return;
  const key = path[path.length - 1] ?? '';
  const entry = (change: PolicyChange['change'], extra: Partial<PolicyChange> = {}): void => {
    context.out.push({ path: path.join('.'), label: context.label(path), change, ...extra });
  };
  if (before === undefined) return entry('added', { after: valueText(key, after) });
  if (after === undefined) return entry('removed', { before: valueText(key, before) });
  if (Array.isArray(before) && Array.isArray(after) && (hasIds(before) || hasIds(after))) {
    const ids = [...new Set([...(before as Json[]), ...(after as Json[])].map((item) => (item as { id: string }).id))];
    const find = (list: Json[], id: string) => list.find((item) => (item as { id: string }).id === id);
    ids.forEach((id) => diffPolicyValue([...path, id], find(before, id), find(after, id), context));
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const [was, is] = [before.map(canonical), after.map(canonical)];
    return entry('changed', {
      before: valueText(key, before),
      after: valueText(key, after),
      itemsAdded: after.filter((_, index) => !was.includes(is[index])).map((item) => valueText(key, item)),
      itemsRemoved: before.filter((_, index) => !is.includes(was[index])).map((item) => valueText(key, item)),
    });
  }
  const isDuration = (value: Json) => valueText(key, value) !== canonical(value);
  if (isRecord(before) && isRecord(after) && !(isDuration(before) && isDuration(after))) {
    for (const child of new Set([...Object.keys(before), ...Object.keys(after)]))
      diffPolicyValue([...path, child], before[child], after[child], context);
    return;
  }
  entry('changed', { before: valueText(key, before), after: valueText(key, after) });
}

/** Every policy value that differs, except the version number itself. */
function policyChanges(before: WorkflowDefinition, after: WorkflowDefinition): PolicyChange[] {
  const clocks = [...before.policy.clocks, ...after.policy.clocks];
  const clockLabel = (id: string) => [...clocks].reverse().find((clock) => clock.id === id)?.label ?? id;
  const context: PolicyDiffContext = { out: [], label: (path) => policyLabel(path, clockLabel) };
  const [was, is] = [before.policy as unknown as Record<string, Json>, after.policy as unknown as Record<string, Json>];
  for (const key of new Set([...Object.keys(was), ...Object.keys(is)])) {
    if (key !== 'version') diffPolicyValue([key], was[key], is[key], context);
  }
  return context.out;
}

// ---- the whole difference -----------------------------------------------------------------------

export function describeChanges(before: WorkflowDefinition, after: WorkflowDefinition): WorkflowChanges {
  const [beforeRows, afterRows] = [transitionRows(before), transitionRows(after)];
  const [beforeEvents, afterEvents] = [eventTypes(before, beforeRows), eventTypes(after, afterRows)];
  const [beforeRules, afterRules] = [usedRules(beforeRows), usedRules(afterRows)];
  return {
    workflowId: after.id,
    from: before.version,
    to: after.version,
    events: {
      added: afterEvents.filter((type) => !beforeEvents.includes(type)).map((type) => ({ type, roles: rolesOf(after, type) })),
      removed: beforeEvents.filter((type) => !afterEvents.includes(type)).map((type) => ({ type, roles: rolesOf(before, type) })),
    },
    rules: {
      added: ruleEntries(
        after,
        afterRows,
        afterRules.filter((name) => !beforeRules.includes(name)),
      ),
      removed: ruleEntries(
        before,
        beforeRows,
        beforeRules.filter((name) => !afterRules.includes(name)),
      ),
      changed: ruleChanges(
        before,
        after,
        afterRules.filter((name) => beforeRules.includes(name)),
      ),
    },
    transitions: transitionChanges(before, after, beforeRows, afterRows),
    policy: policyChanges(before, after),
  };
}

/** The change page of a version: from the version before it in `definitions`, or null for the first. */
export function changesFromPrevious(definitions: readonly WorkflowDefinition[], definition: WorkflowDefinition): WorkflowChanges | null {
  const earlier = definitions.filter((candidate) => candidate.id === definition.id && candidate.version < definition.version);
  if (earlier.length === 0) return null;
  const previous = earlier.reduce((a, b) => (b.version > a.version ? b : a));
  return describeChanges(previous, definition);
}

// ---- the page -----------------------------------------------------------------------------------

function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function list(items: string[], none: string): string[] {
  return items.length > 0 ? items : [`_${none}_`];
}

function transitionLine(change: TransitionChange): string {
  const where = `**${change.event}** in ${change.labels.step}`;
  const goesTo = (target: string | null) => (target === null ? 'the journey stays in its step' : `goes to ${target}`);
  if (change.change === 'added') return `- ${where}: now accepted (${goesTo(change.labels.targetAfter)}).`;
  if (change.change === 'removed') return `- ${where}: no longer accepted.`;
  const parts = [
    change.rulesAdded.length > 0 ? `now also checks ${change.rulesAdded.map((name) => `\`${name}\``).join(', ')}` : null,
    change.rulesRemoved.length > 0 ? `no longer checks ${change.rulesRemoved.map((name) => `\`${name}\``).join(', ')}` : null,
    change.targetBefore !== change.targetAfter
      ? `${goesTo(change.labels.targetAfter)} (before: ${goesTo(change.labels.targetBefore)})`
      : null,
  ].filter((part) => part !== null);
  return `- ${where}: ${parts.join('; ')}.`;
}

function policyLine(change: PolicyChange): string {
  if (change.change === 'added') return `- ${change.label}: new, ${change.after}.`;
  if (change.change === 'removed') return `- ${change.label}: no longer set (was ${change.before}).`;
  const items = [
    change.itemsAdded?.length ? `added ${change.itemsAdded.join(', ')}` : null,
    change.itemsRemoved?.length ? `removed ${change.itemsRemoved.join(', ')}` : null,
  ].filter((part) => part !== null);
  return items.length > 0
    ? `- ${change.label}: ${items.join('; ')} (now: ${change.after}).`
    : `- ${change.label}: ${change.before} → ${change.after}.`;
}

function ruleLine(rule: RuleEntry): string {
  const where = rule.checkedOn.length > 0 ? ` Checked on: ${rule.checkedOn.join('; ')}.` : '';
  return `- **\`${rule.name}\`**${rule.routing ? ' (routing)' : ''}: ${rule.description || '(no description)'}${where}`;
}

function changedRuleLine(change: RuleChange): string {
  const wording = change.reworded ? ` Was: “${change.before}” Now: “${change.after}”` : ` ${change.after}`;
  const check = change.checkChanged ? ' The check itself is different in this version.' : '';
  return `- **\`${change.name}\`**:${wording}${check}`;
}

/** The change page as Markdown: short sentences, one change a line, readable without the code. */
export function renderChanges(changes: WorkflowChanges): string {
  const { events, rules, transitions, policy } = changes;
  return [
    `# What changed in \`${changes.workflowId}\` version ${changes.to} (from version ${changes.from})`,
    '',
    'Generated from the two versions’ machines and policies; do not edit by hand. Journeys started on',
    `version ${changes.from} stay on it unless moved by a recorded migration that a dry run has passed.`,
    '',
    '## In short',
    '',
    `- Events: ${count(events.added.length, 'new', 'new')}, ${count(events.removed.length, 'removed', 'removed')}.`,
    `- Rules: ${count(rules.added.length, 'new', 'new')}, ${count(rules.changed.length, 'changed', 'changed')}, ${count(rules.removed.length, 'removed', 'removed')}.`,
    `- Where rules apply: ${count(transitions.length, 'change')}.`,
    `- Policy values: ${count(policy.length, 'change')}.`,
    '',
    '## New events',
    '',
    ...list(
      events.added.map((event) => `- **${event.type}**: may be recorded by ${event.roles.join(', ') || 'no one yet'}.`),
      'No new events.',
    ),
    '',
    '## Events removed',
    '',
    ...list(
      events.removed.map((event) => `- **${event.type}** is no longer part of the workflow.`),
      'No events removed.',
    ),
    '',
    '## New rules',
    '',
    ...list(rules.added.map(ruleLine), 'No new rules.'),
    '',
    '## Changed rules',
    '',
    ...list(rules.changed.map(changedRuleLine), 'No rule changed.'),
    '',
    '## Rules no longer applied',
    '',
    ...list(rules.removed.map(ruleLine), 'No rule removed.'),
    '',
    '## Where rules apply, per event and step',
    '',
    ...list(transitions.map(transitionLine), 'The same events are accepted in the same steps, with the same rules.'),
    '',
    '## Policy values',
    '',
    ...list(policy.map(policyLine), 'No policy value changed.'),
    '',
  ].join('\n');
}
