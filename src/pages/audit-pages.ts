/**
 * The auditor's pages in words: the verification verdict, the state of a journey at a chosen
 * revision or time, and the access log's entries. Pure functions; the controller reads.
 */
import type { AccessEntry } from '../access-log/access-log';
import type { JourneyVerification } from '../audit/verify/verify-journey';
import { InvalidInputError } from '../errors/domain-errors';
import { actorName, formatDateTime } from './plain-english';

export interface VerificationLines {
  sound: boolean;
  lines: string[];
}

export function verificationLines(verification: JourneyVerification): VerificationLines {
  const { chain, replay } = verification;
  const lines = [
    `${verification.events} ${verification.events === 1 ? 'fact was' : 'facts were'} checked, on workflow ${verification.workflow ? `${verification.workflow.id} version ${verification.workflow.version}` : '(unknown)'}.`,
    chain.intact
      ? 'The hash chain is whole: no fact has been changed, removed or put in out of order since it was recorded.'
      : `The hash chain breaks at fact ${chain.revision} (${chain.problem}): the record has been changed after it was written.`,
    replay.consistent
      ? 'Replayed through its workflow version, every fact is one the rules allowed at the time.'
      : `Replayed through its workflow version, fact ${replay.revision} (${replay.type}) is refused: ${replay.reason}.`,
    `The last fact is number ${verification.head.revision}; its hash is ${verification.head.hash ?? 'missing'}.`,
  ];
  return { sound: chain.intact && replay.consistent, lines };
}

export interface AsOfChoice {
  revision?: number;
  at?: Date;
}

/**
 * `revision=5` or `at=<ISO time>`, as the API's /state takes them. The date fields of the form
 * (at-day, at-month, at-year, at-time) are turned into `at` by `atFromDateFields` and the page
 * redirects, so the access log records the same detail (`at=...`) as an API read.
 */
export function asOfChoice(query: Record<string, unknown>): AsOfChoice | null {
  const { revision, at } = query;
  if (typeof revision === 'string' && revision !== '') {
    if (!/^\d{1,9}$/.test(revision))
      throw new InvalidInputError([{ field: 'revision', rule: 'isInt', message: 'Enter the fact number as a whole number, like 4' }]);
    return { revision: Number(revision) };
  }
  if (typeof at === 'string' && at !== '') {
    const date = new Date(at);
    if (Number.isNaN(date.getTime())) throw new InvalidInputError([{ field: 'at-day', rule: 'isDate', message: 'Enter a real date' }]);
    return { at: date };
  }
  return null;
}

/** The ISO time the date fields name (UTC), or an error message for the date input. */
export function atFromDateFields(query: Record<string, unknown>): { at: string } | { error: string } | null {
  const [day, month, year, time] = ['at-day', 'at-month', 'at-year', 'at-time'].map((name) =>
    typeof query[name] === 'string' ? (query[name] as string).trim() : '',
  );
  if (day === '' && month === '' && year === '') return null;
  if (!/^\d{1,2}$/.test(day) || !/^\d{1,2}$/.test(month) || !/^\d{4}$/.test(year))
    return { error: 'Enter a date with a day, month and year, like 2 3 2026' };
  if (time !== '' && !/^\d{1,2}:\d{2}$/.test(time)) return { error: 'Enter the time as hours and minutes, like 15:30' };
  const [hours, minutes] = time === '' ? [23, 59] : time.split(':').map(Number);
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day), hours, minutes, time === '' ? 59 : 0));
  if (date.getUTCDate() !== Number(day) || hours > 23 || minutes > 59) return { error: 'Enter a real date and time' };
  return { at: date.toISOString() };
}

export function accessLine(entry: AccessEntry): { who: string; what: string; when: string; journeyId: string } {
  return {
    who: actorName(entry.actor),
    what: entry.detail ? `${entry.route} (${entry.detail})` : entry.route,
    when: formatDateTime(entry.at),
    journeyId: entry.journeyId,
  };
}

/** The date fields showing a chosen `at` again (UTC), so the form says what is on the page. */
export function dateFieldsOf(at: unknown): Record<string, string> {
  const date = typeof at === 'string' ? new Date(at) : null;
  if (date === null || Number.isNaN(date.getTime())) return {};
  const time = `${String(date.getUTCHours()).padStart(2, '0')}:${String(date.getUTCMinutes()).padStart(2, '0')}`;
  return {
    'at-day': String(date.getUTCDate()),
    'at-month': String(date.getUTCMonth() + 1),
    'at-year': String(date.getUTCFullYear()),
    'at-time': time,
  };
}
