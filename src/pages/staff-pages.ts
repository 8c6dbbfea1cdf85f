/**
 * The case worker's lists, as the pages show them: the caseload with its filters and the overdue
 * board, most urgent first. Pure functions over the read models' rows.
 */
import { FUNDING_STREAMS, ROUTES, type Role } from '../../workflows';
import { InvalidInputError } from '../errors/domain-errors';
import type { CaseloadRow } from '../projections/caseload.projection';
import type { OpenClockRow } from '../projections/deadlines.projection';
import { formatDate, formatDateTime, fundingName, stepName } from './plain-english';

export const STATUSES = ['open', 'not-eligible', 'closed'] as const;

export interface CaseloadFilters {
  status?: string;
  fundingStream?: string;
  route?: string;
}

const FILTERS: Record<keyof CaseloadFilters, readonly string[]> = { status: STATUSES, fundingStream: FUNDING_STREAMS, route: ROUTES };

/** The filters from the query string: empty means any; anything else must be one of the values offered. */
export function caseloadFilters(query: Record<string, unknown>): CaseloadFilters {
  const filters: CaseloadFilters = {};
  for (const name of Object.keys(FILTERS) as Array<keyof CaseloadFilters>) {
    const value = query[name];
    if (value === undefined || value === '') continue;
    if (typeof value !== 'string' || !FILTERS[name].includes(value)) {
      throw new InvalidInputError([{ field: name, rule: 'isIn', message: `${name} must be one of ${FILTERS[name].join(', ')}` }]);
    }
    filters[name] = value;
  }
  return filters;
}

export interface CaseloadLine {
  /** The journey's id: the access log's list interceptor logs one read for each `items[].id`. */
  id: string;
  step: string;
  funding: string;
  route: string;
  referred: string;
  lastActivity: string;
}

export function caseloadLine(row: CaseloadRow): CaseloadLine {
  return {
    id: row.id,
    step: stepName(row.step),
    funding: fundingName(row.fundingStream),
    route: row.route === 'fast-track' ? 'Fast track' : 'Standard',
    referred: row.referredAt ? formatDate(row.referredAt) : '',
    lastActivity: row.lastOccurredAt ? formatDate(row.lastOccurredAt) : '',
  };
}

export interface OverdueLine {
  journeyId: string;
  clock: string;
  due: string;
  late: boolean;
  howLate: string;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** "3 days late", "due in 5 hours": whole units, rounded towards the reader's advantage (up when late). */
export function overdueLine(row: OpenClockRow & { lateByMs: number }): OverdueLine {
  const late = row.status === 'missed' || row.lateByMs > 0;
  const ms = Math.abs(row.lateByMs);
  const amount = ms >= DAY ? plural(Math.ceil(ms / DAY), 'day') : plural(Math.max(1, Math.ceil(ms / HOUR)), 'hour');
  return {
    journeyId: row.journeyId,
    clock: row.label,
    due: formatDateTime(row.dueAt),
    late,
    howLate: late ? `${amount} late` : `due in ${amount}`,
  };
}

function plural(count: number, unit: string): string {
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}

/** The options of a filter, for the GOV.UK select: "Any" first. */
export function filterOptions(
  name: keyof CaseloadFilters,
  selected: string | undefined,
): Array<{ value: string; text: string; selected: boolean }> {
  const names: Record<string, string> = {
    open: 'Open',
    'not-eligible': 'Not eligible',
    closed: 'Closed',
    standard: 'Standard',
    'fast-track': 'Fast track',
  };
  const text = (value: string): string => (name === 'fundingStream' ? fundingName(value) : (names[value] ?? value));
  return [
    { value: '', text: 'Any', selected: selected === undefined },
    ...FILTERS[name].map((value) => ({ value, text: text(value), selected: value === selected })),
  ];
}

export const STAFF_ROLES: readonly Role[] = ['case-worker', 'approver', 'senior-approver'];
