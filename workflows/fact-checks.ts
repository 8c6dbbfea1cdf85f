/**
 * What every fact must be before any rule of the journey looks at it, whatever road it came by:
 * the shape its version's schema gives it, dates that can be true, and words where words are
 * owed. Pure: "now" is the fact's own `recordedAt`, passed in with it.
 */
import type { JourneyContext } from './support-planning/context';
import type { JourneyEvent } from './support-planning/events';
import { checkFactShape, hasVisibleText, isCalendarDate, type FactIssue, type FactSchemas } from './support-planning/facts';
import type { WorkflowPolicy } from './support-planning/policy';

/** How far ahead of the engine's clock a fact may be dated (the callers' clocks drift). */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;
const DAY_MS = 86_400_000;

/** Every broken rule of the fact's shape, dates and words; empty when it is sound. */
export function factIssues(schemas: FactSchemas, policy: WorkflowPolicy, context: JourneyContext, event: JourneyEvent): FactIssue[] {
  const shape = checkFactShape(schemas, event.type, event.data);
  if (!shape.ok) return shape.issues;
  return [...reasonIssues(event), ...dateIssues(policy, context, event)];
}

/** A reason, when given, is words. */
function reasonIssues(event: JourneyEvent): FactIssue[] {
  if (event.meta.reason === undefined || hasVisibleText(event.meta.reason)) return [];
  return [{ field: 'reason', rule: 'hasVisibleText', message: 'reason must contain visible characters, not only spaces' }];
}

/** The dates a fact claims: when it happened, and when what it records took effect. */
function datesOf(event: JourneyEvent): Array<{ field: string; value: string }> {
  const dates = [{ field: 'occurredAt', value: event.meta.occurredAt }];
  if (event.type === 'SupportStarted') dates.push({ field: 'data.startDate', value: event.data.startDate });
  return dates;
}

/**
 * A calendar day (`2026-03-01`) spans the whole day: it is "before" a moment only if the day
 * ended before it, and "after" only if the day began after it. `start` is `Date.parse(value)`.
 */
function span(value: string, start: number): { from: number; to: number } {
  return isCalendarDate(value) ? { from: start, to: start + DAY_MS - 1 } : { from: start, to: start };
}

function dateIssues(policy: WorkflowPolicy, context: JourneyContext, event: JourneyEvent): FactIssue[] {
  const referredAt = context.referredAt === null ? null : referralTime(context.referredAt);
  const recordedAt = event.meta.recordedAt === undefined ? null : Date.parse(event.meta.recordedAt);
  return datesOf(event).flatMap(({ field, value }) => {
    // A fact is mostly recorded as it happens: the same text, parsed once.
    const { from, to } = span(value, value === event.meta.recordedAt && recordedAt !== null ? recordedAt : Date.parse(value));
    const issues: FactIssue[] = [];
    if (referredAt !== null && to < referredAt) {
      issues.push({
        field,
        rule: 'notBeforeReferral',
        message: `${field} must not be before the journey's referral (${context.referredAt})`,
      });
    }
    if (recordedAt !== null && from - recordedAt > MAX_CLOCK_SKEW_MS) {
      issues.push({ field, rule: 'notInFuture', message: `${field} must not be in the future` });
    }
    if (recordedAt !== null && isBackdatedTooFar(policy, recordedAt - to) && !hasVisibleText(event.meta.reason)) {
      issues.push({
        field: 'reason',
        rule: 'backdatingNeedsReason',
        message: `${field} is more than ${policy.maxBackdatingDays} days before it was recorded: give a reason`,
      });
    }
    return issues;
  });
}

/** The last referral time parsed: every fact of a journey is checked against the same one (replay, verify). */
let lastReferral = { text: '', time: Number.NaN };

function referralTime(text: string): number {
  if (text !== lastReferral.text) lastReferral = { text, time: Date.parse(text) };
  return lastReferral.time;
}

function isBackdatedTooFar(policy: WorkflowPolicy, ageMs: number): boolean {
  return policy.maxBackdatingDays !== undefined && ageMs > policy.maxBackdatingDays * DAY_MS;
}
