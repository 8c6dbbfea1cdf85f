/**
 * The forms a person or their advocate fills in, read into the facts the API records. Each
 * parser returns the fact's data, or the errors to show in the GOV.UK error summary, with the
 * field they belong to (its id on the page) and what to do, in plain English. What the workflow
 * itself refuses (the machine's guards) comes back from JourneysService.record and is turned into
 * the same kind of message by `refusalMessages`: the guard's plain statement (GUARD_DESCRIPTIONS),
 * or the step the journey is at when the fact does not belong there.
 */
import type { DecisionChallengedData, PreferenceRecordedData, ReviewRequestedData } from '../../workflows';
import type { Actor } from '../auth/actor';
import { ForbiddenActionError, InvalidInputError, TransitionRefusedError } from '../errors/domain-errors';
import { stepName } from './plain-english';

export interface FormError {
  /** The id of the field on the page (the error summary links to it). */
  field: string;
  text: string;
}

/** The values as typed are kept either way: a form shown again (refused by the engine) shows them back. */
export type Parsed<T> = ({ ok: true; data: T } | { ok: false; errors: FormError[] }) & { values: Record<string, string> };

/** The limits the API's validation sets (SHORT and LONG in the event DTOs). */
const SHORT = 200;
const LONG = 5000;

export const PREFERENCE_TOPICS: ReadonlyArray<{ value: string; text: string }> = [
  { value: 'place-of-care', text: 'Where I get my care' },
  { value: 'place-of-death', text: 'Where I want to be at the end of my life' },
  { value: 'provider', text: 'Who provides my care' },
  { value: 'deployment', text: 'How my budget is managed' },
  { value: 'other', text: 'Something else' },
];

type Body = Record<string, unknown>;

function text(body: Body, name: string): string {
  const value = body[name];
  return typeof value === 'string' ? value.trim() : '';
}

function required(errors: FormError[], field: string, value: string, missing: string, max: number, tooLong: string): void {
  if (value === '') errors.push({ field, text: missing });
  else if (value.length > max) errors.push({ field, text: tooLong });
}

export function parsePreference(body: Body): Parsed<PreferenceRecordedData> {
  const values = { topic: text(body, 'topic'), value: text(body, 'value'), inTheirWords: text(body, 'inTheirWords') };
  const errors: FormError[] = [];
  if (!PREFERENCE_TOPICS.some((topic) => topic.value === values.topic))
    errors.push({ field: 'topic', text: 'Select what your preference is about' });
  required(
    errors,
    'value',
    values.value,
    'Enter what you want, in a few words',
    SHORT,
    `What you want must be ${SHORT} characters or fewer`,
  );
  required(
    errors,
    'inTheirWords',
    values.inTheirWords,
    'Enter what you want in your own words',
    LONG,
    `Your words must be ${LONG} characters or fewer`,
  );
  return errors.length > 0 ? { ok: false, errors, values } : { ok: true, data: values, values };
}

export function parseReviewRequest(body: Body, actor: Actor): Parsed<ReviewRequestedData> {
  const values = { why: text(body, 'why') };
  const errors: FormError[] = [];
  required(errors, 'why', values.why, 'Enter why you want a review', LONG, `Why you want a review must be ${LONG} characters or fewer`);
  return errors.length > 0 ? { ok: false, errors, values } : { ok: true, data: { requestedBy: actor.id, why: values.why }, values };
}

export function parseChallenge(body: Body, actor: Actor, choices: readonly string[]): Parsed<DecisionChallengedData> {
  const values = { decision: text(body, 'decision'), grounds: text(body, 'grounds') };
  const errors: FormError[] = [];
  if (!choices.includes(values.decision)) errors.push({ field: 'decision', text: 'Select the decision you want to challenge' });
  required(
    errors,
    'grounds',
    values.grounds,
    'Enter why you think the decision is wrong',
    LONG,
    `Your reasons must be ${LONG} characters or fewer`,
  );
  if (errors.length > 0) return { ok: false, errors, values };
  return { ok: true, data: { decisionRevision: Number(values.decision), grounds: values.grounds, raisedBy: actor.id }, values };
}

/**
 * What the engine refused, as messages for the error summary; null for anything else (which is
 * not the form's to explain: a missing journey is a 404 page, a fault a 500 page).
 */
export function refusalMessages(error: unknown, firstField: string): FormError[] | null {
  if (error instanceof TransitionRefusedError) {
    // The reason is `<guardName>: <plain statement>`: the statement is for people.
    const [rule] = error.reason.split(':', 1);
    if (rule === 'wrong-state' || rule === 'no-matching-route') {
      const step = stepName(error.state.split('.').pop() ?? error.state);
      return [{ field: firstField, text: `This cannot be recorded at this step of the journey (${step}).` }];
    }
    const why = error.reason.slice(rule.length + 1).trim();
    return [{ field: firstField, text: `This cannot be recorded now. ${why.charAt(0).toUpperCase()}${why.slice(1)}` }];
  }
  if (error instanceof ForbiddenActionError) return [{ field: firstField, text: 'Your role cannot record this on the journey' }];
  if (error instanceof InvalidInputError) {
    return error.details.map((detail) => ({ field: firstField, text: `Check your answer: ${detail.message}` }));
  }
  return null;
}
