/**
 * The journey's clocks, computed from its facts alone with the policy of its workflow version
 * (DOMAIN.md "Clocks"). Pure: the same facts give the same clocks on any machine. The scheduler
 * asks which running clocks have passed; the fact it records (`DeadlineMissed`) marks that clock
 * missed, and the journey stays escalated until the work that stops the clock is done.
 *
 * Under a policy's `clockTiming` (v2 rules 7 and 8) clocks run on each fact's effective date, a
 * miss contradicted by a later entry of work done in time becomes "met, recorded late", and the
 * scheduler leaves a grace after a backdated fact before recording a miss it would make overdue.
 */
import type { ClockPolicy, ClockTrigger, Duration, ReopenableStep, WorkflowPolicy } from './support-planning/policy';
import { fundingInForce } from './support-planning/context-v2';
import type { Deployment, FundingShare, FundingStream, JourneyEvent } from './support-planning/events';

/**
 * `met-late`: recorded missed, then a fact entered later showed the work was done by the due time
 * (rule 8). Like `stopped`, it is over and does not escalate; unlike it, the miss stays on show.
 */
export type ClockStatus = 'running' | 'missed' | 'stopped' | 'met-late';

export interface ClockInstance {
  /** The policy's clock id, e.g. `fast-track-care-in-place`. */
  clock: string;
  label: string;
  /** Unique within the journey: the clock id, or `<id>#<revision>` for a clock per challenge. */
  key: string;
  startedAt: string;
  startedAtRevision: number;
  dueAt: string;
  status: ClockStatus;
  /** Revision of the DeadlineMissed fact, once recorded. */
  missedAtRevision: number | null;
  /** When the work was done or the journey closed: the stopping fact's effective date. */
  stoppedAt: string | null;
  source: string;
  /**
   * Only on a `met-late` clock: the revision of the fact, recorded after the DeadlineMissed (at
   * `missedAtRevision`), whose effective date (`stoppedAt`) is on or before `dueAt`.
   */
  recordedLateAtRevision?: number;
}

const MS = { hours: 3_600_000, days: 86_400_000, weeks: 7 * 86_400_000 };

/** Add a duration to an ISO time in UTC; months are calendar months (clamped to month end). */
export function addDuration(startIso: string, duration: Duration): string {
  const start = new Date(startIso);
  const fixedMs = (duration.hours ?? 0) * MS.hours + (duration.days ?? 0) * MS.days + (duration.weeks ?? 0) * MS.weeks;
  const shifted = new Date(start.getTime() + fixedMs);
  if (!duration.months) return shifted.toISOString();
  const day = shifted.getUTCDate();
  shifted.setUTCDate(1);
  shifted.setUTCMonth(shifted.getUTCMonth() + duration.months);
  const lastDay = new Date(Date.UTC(shifted.getUTCFullYear(), shifted.getUTCMonth() + 1, 0)).getUTCDate();
  shifted.setUTCDate(Math.min(day, lastDay));
  return shifted.toISOString();
}

/** What the triggers need to know about the journey so far. */
interface JourneyFacts {
  /** The referral's stream; under `fundingFollowsApproval` (v2 rule 5), the funding in force. */
  fundingStream: FundingStream | null;
  /** Under `fundingFollowsApproval`: the latest plan's funding shares, which an approval naming none puts in force. */
  planFundingShares?: FundingShare[];
  deployment: Deployment | null;
  /** How many times each event type has happened. */
  seen: Record<string, number>;
  /** The step each challengeable decision (by revision) closed, and so would reopen if upheld. */
  decisionSteps: Record<string, ReopenableStep>;
  /** The step each challenge (by revision) would reopen if upheld: its decision's step. */
  challengedSteps: Record<string, ReopenableStep>;
  /** The clocks (by id) the journey's last closure stopped while they were open: an upheld challenge to it restarts them. */
  stoppedByClosure?: string[];
}

/** The clocks fold: every instance started so far, and the facts triggers depend on. JSON-safe. */
export interface ClockFold {
  instances: ClockInstance[];
  facts: JourneyFacts;
}

export function initialClockFold(): ClockFold {
  return { instances: [], facts: { fundingStream: null, deployment: null, seen: {}, decisionSteps: {}, challengedSteps: {} } };
}

function matches(policy: WorkflowPolicy, clock: ClockPolicy, trigger: ClockTrigger, event: JourneyEvent, facts: JourneyFacts): boolean {
  if (trigger.event !== event.type) return false;
  if (trigger.journey?.stoppedByClosure && !(facts.stoppedByClosure ?? []).includes(clock.id)) return false;
  if (trigger.reopens !== undefined && reopenedStep(policy, event, facts) !== trigger.reopens) return false;
  const data = event.data as unknown as Record<string, unknown>;
  if (trigger.where?.route !== undefined && data.route !== trigger.where.route) return false;
  if (trigger.where?.outcome !== undefined && data.outcome !== trigger.where.outcome) return false;
  const fundingStream = event.type === 'ReferralReceived' ? event.data.fundingStream : facts.fundingStream;
  if (trigger.journey?.fundingStream && (!fundingStream || !trigger.journey.fundingStream.includes(fundingStream))) return false;
  if (trigger.journey?.deployment && (!facts.deployment || !trigger.journey.deployment.includes(facts.deployment))) return false;
  if (trigger.journey?.firstTime && (facts.seen[event.type] ?? 0) > 0) return false;
  return true;
}

/** The step an upheld challenge's resolution reopens, as the workflow's routing guards decide it. */
function reopenedStep(policy: WorkflowPolicy, event: JourneyEvent, facts: JourneyFacts): ReopenableStep | null {
  if (event.type !== 'ChallengeResolved' || !(policy.reopeningOutcomes as string[]).includes(event.data.outcome)) return null;
  return facts.challengedSteps[String(event.data.challengeRevision)] ?? null;
}

function closesJourney(event: JourneyEvent): boolean {
  return event.type === 'JourneyClosed' || (event.type === 'ReviewCompleted' && event.data.outcome === 'end-support');
}

function keyOf(policy: ClockPolicy, event: JourneyEvent): string {
  return policy.perChallenge ? `${policy.id}#${event.meta.revision}` : policy.id;
}

/** The instance a stopping event stops: for a clock per challenge, the challenge it resolves. */
function stoppedKey(policy: ClockPolicy, event: JourneyEvent): string {
  if (policy.perChallenge && event.type === 'ChallengeResolved') return `${policy.id}#${event.data.challengeRevision}`;
  return policy.id;
}

/**
 * When the fact happened, as the clocks read it. v1 reads `occurredAt` throughout; under
 * `clockTiming.followEffectiveDates` (rule 7) support starts on its own `startDate`, however late
 * it is typed in.
 */
export function effectiveAt(policy: WorkflowPolicy, event: JourneyEvent): string {
  if (policy.clockTiming?.followEffectiveDates && event.type === 'SupportStarted')
    return instantOf(event.data.startDate) ?? event.meta.occurredAt;
  return event.meta.occurredAt;
}

/** A bare date (`2026-03-01`) is that day's 00:00 UTC (as `Date` reads it); a date-time is normalised to UTC. */
function instantOf(dateOrTime: string): string | null {
  const ms = Date.parse(dateOrTime);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

function stopped(instance: ClockInstance, at: string): ClockInstance {
  return { ...instance, status: 'stopped', stoppedAt: at };
}

/** Rule 8: a missed clock whose work, entered now, was in fact done by the due time. */
function isLateEntry(policy: WorkflowPolicy, instance: ClockInstance, doneAt: string): boolean {
  return (
    policy.clockTiming?.recogniseLateEntries === true && instance.status === 'missed' && Date.parse(doneAt) <= Date.parse(instance.dueAt)
  );
}

function metLate(instance: ClockInstance, doneAt: string, revision: number): ClockInstance {
  return { ...instance, status: 'met-late', stoppedAt: doneAt, recordedLateAtRevision: revision };
}

function startedBy(clock: ClockPolicy, event: JourneyEvent, at: string): ClockInstance {
  return {
    clock: clock.id,
    label: clock.label,
    key: keyOf(clock, event),
    startedAt: at,
    startedAtRevision: event.meta.revision,
    dueAt: addDuration(at, clock.due),
    status: 'running',
    missedAtRevision: null,
    stoppedAt: null,
    source: clock.source,
  };
}

/**
 * Fold one fact into the clocks: closure stops every clock; a stopping fact stops its clock (or,
 * for a missed clock whose work it shows done in time, makes it met-late); a DeadlineMissed
 * marks its clock missed; a starting fact starts (or restarts) its clock.
 */
export function evolveClocks(policy: WorkflowPolicy, fold: ClockFold, event: JourneyEvent): ClockFold {
  const at = effectiveAt(policy, event);
  const closing = closesJourney(event);
  const stopKeys = new Set(
    policy.clocks
      .filter((clock) => clock.stopsOn.some((trigger) => matches(policy, clock, trigger, event, fold.facts)))
      .map((clock) => stoppedKey(clock, event)),
  );
  const starting = closing
    ? []
    : policy.clocks.filter((clock) => clock.startsOn.some((trigger) => matches(policy, clock, trigger, event, fold.facts)));
  const restartKeys = new Set(starting.map((clock) => keyOf(clock, event)));
  const outlivesClosure = new Set(policy.clocks.filter((clock) => clock.runsAfterClosure).map((clock) => clock.id));
  const closedOnNow = closing ? openClocks(fold.instances).filter((instance) => !outlivesClosure.has(instance.clock)) : [];

  const instances = fold.instances.map((instance) => {
    if (instance.status === 'stopped' || instance.status === 'met-late') return instance;
    if (stopKeys.has(instance.key) && isLateEntry(policy, instance, at)) return metLate(instance, at, event.meta.revision);
    const closedOn = closing && !outlivesClosure.has(instance.clock);
    if (closedOn || stopKeys.has(instance.key) || restartKeys.has(instance.key)) return stopped(instance, at);
    if (event.type === 'DeadlineMissed' && instance.clock === event.data.clock && instance.dueAt === event.data.dueAt) {
      return { ...instance, status: 'missed' as const, missedAtRevision: event.meta.revision };
    }
    return instance;
  });
  const facts = rememberFacts(policy, fold.facts, event);
  const remembered = closing ? { ...facts, stoppedByClosure: closedOnNow.map((instance) => instance.clock) } : facts;
  return { instances: [...instances, ...starting.map((clock) => startedBy(clock, event, at))], facts: remembered };
}

/** The funding the clocks read: the referral's, or (v2 rule 5) the funding an approval's shares put in force. */
function fundingAfter(
  policy: WorkflowPolicy,
  facts: JourneyFacts,
  event: JourneyEvent,
): Pick<JourneyFacts, 'fundingStream' | 'planFundingShares'> {
  if (event.type === 'ReferralReceived') return { ...facts, fundingStream: event.data.fundingStream };
  if (!policy.fundingFollowsApproval) return facts;
  if (event.type === 'SupportPlanDrafted') return { ...facts, planFundingShares: event.data.fundingShares ?? [] };
  if (event.type === 'SupportPlanApproved')
    return { ...facts, fundingStream: fundingInForce(event.data.fundingShares ?? facts.planFundingShares ?? [], facts.fundingStream) };
  return facts;
}

function rememberFacts(policy: WorkflowPolicy, facts: JourneyFacts, event: JourneyEvent): JourneyFacts {
  return {
    ...facts,
    ...fundingAfter(policy, facts, event),
    deployment: event.type === 'SupportPlanDrafted' ? event.data.deployment : facts.deployment,
    seen: { ...facts.seen, [event.type]: (facts.seen[event.type] ?? 0) + 1 },
    decisionSteps: withDecision(policy, facts, event),
    challengedSteps:
      event.type === 'DecisionChallenged' ? withChallenge(facts, event.meta.revision, event.data.decisionRevision) : facts.challengedSteps,
  };
}

function withDecision(policy: WorkflowPolicy, facts: JourneyFacts, event: JourneyEvent): Record<string, ReopenableStep> {
  const step = policy.challengeableDecisions[event.type];
  return step ? { ...facts.decisionSteps, [String(event.meta.revision)]: step } : facts.decisionSteps;
}

/** A challenge remembers the step of the decision it names (the machine accepted it, so the decision exists). */
function withChallenge(facts: JourneyFacts, challengeRevision: number, decisionRevision: number): Record<string, ReopenableStep> {
  const step = facts.decisionSteps[String(decisionRevision)];
  return step ? { ...facts.challengedSteps, [String(challengeRevision)]: step } : facts.challengedSteps;
}

/** Every clock the journey has started, in start order, with its current status. */
export function computeClocks(policy: WorkflowPolicy, events: readonly JourneyEvent[]): ClockInstance[] {
  return events.reduce((fold, event) => evolveClocks(policy, fold, event), initialClockFold()).instances;
}

/** Clocks still running or missed (not stopped, nor met late). */
export function openClocks(clocks: readonly ClockInstance[]): ClockInstance[] {
  return clocks.filter((clock) => clock.status === 'running' || clock.status === 'missed');
}

/** Clocks recorded missed and then shown met in time by a later entry (rule 8). */
export function lateEntries(clocks: readonly ClockInstance[]): ClockInstance[] {
  return clocks.filter((clock) => clock.status === 'met-late');
}

/** Running clocks whose due time has passed at `now` and that no DeadlineMissed records yet. */
export function clocksToMark(clocks: readonly ClockInstance[], now: Date): ClockInstance[] {
  return clocks.filter((clock) => clock.status === 'running' && Date.parse(clock.dueAt) <= now.getTime());
}

/**
 * When the scheduler may record this clock missed: when it falls due, unless the policy gives a
 * late-entry grace and the clock was already overdue when its starting fact was recorded
 * (`startRecordedAt`, the fact's `recordedAt`): then that many hours after the recording, so the
 * work already done can be entered first. Without the recording time (a pure replay), its due time.
 */
export function markableAt(policy: WorkflowPolicy, clock: ClockInstance, startRecordedAt: string | undefined): string {
  const graceHours = policy.clockTiming?.lateEntryGraceHours ?? 0;
  if (graceHours <= 0 || startRecordedAt === undefined || Date.parse(clock.dueAt) > Date.parse(startRecordedAt)) return clock.dueAt;
  return addDuration(startRecordedAt, { hours: graceHours });
}

/** A journey is escalated while any missed clock has not been stopped by the work being done. */
export function isEscalated(clocks: readonly ClockInstance[]): boolean {
  return clocks.some((clock) => clock.status === 'missed');
}

/** Milliseconds past due at `now` (negative: time left). */
export function lateBy(clock: ClockInstance, now: Date): number {
  return now.getTime() - Date.parse(clock.dueAt);
}
