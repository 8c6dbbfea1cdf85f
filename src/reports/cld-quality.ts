/**
 * The data-quality checks the public CLD pipelines apply to each row (DHSC ASC-CLD-LA-Dashboard,
 * GetDQValues: "Failed: Blank (Mandatory)", "Failed: Invalid"), plus dates out of order. Only the
 * columns the engine fills are judged: a register column is joined later, and is listed as such
 * in the summary rather than failed here. Pure.
 */
import { CODE_LISTS } from './cld-codes';
import { CLD_COLUMNS, type CldHeader, type CldRow } from './cld-columns';

export type FindingRule = 'mandatory-blank' | 'invalid-code' | 'unverified-code' | 'dates-out-of-order' | 'not-numeric';

export interface Finding {
  severity: 'error' | 'warning';
  rule: FindingRule;
  column: CldHeader;
  eventReference: string;
  value: string;
  message: string;
}

type Condition = (row: CldRow) => boolean;

const isType =
  (type: string): Condition =>
  (row) =>
    row['Event Type'] === type;
const always: Condition = () => true;

/** Unit cost and frequency are mandatory for the long term, short term residential/nursing and carers' services not commissioned by the council. */
const costMandatory: Condition = (row) =>
  row['Event Type'] === 'Service' &&
  row['Delivery Mechanism'] !== 'CASSR commissioned support' &&
  (row['Service Type'].startsWith('Long term support') ||
    row['Service Type'].startsWith('Unpaid carer support') ||
    ['Short term residential care', 'Short term nursing care', 'Unpaid carer respite'].includes(row['Service Component']));

/** When each engine column is mandatory (GetDQValues' conditions, for service users). */
const MANDATORY: Partial<Record<CldHeader, Condition>> = {
  'LA Code': always,
  'Reporting Period Start Date': always,
  'Reporting Period End Date': always,
  'LA Person Unique Identifier': always,
  'Client Type': always,
  'Event Type': always,
  'Event Start Date': always,
  'Event End Date': (row) => row['Event Type'] !== 'Service' || row['Date of Death'] !== '',
  'Event Outcome': (row) => row['Assessment Type'] !== 'Financial assessment',
  'Request: Route of Access': isType('Request'),
  'Assessment Type': isType('Assessment'),
  'Method of Assessment': (row) => row['Event Type'] === 'Assessment' && row['Assessment Type'] !== 'Financial assessment',
  'Service Type': isType('Service'),
  'Service Component': isType('Service'),
  'Review Reason': isType('Review'),
  'Review Outcomes Achieved': (row) => row['Event Type'] === 'Review' && row['Review Reason'] === 'Planned',
  'Method of Review': isType('Review'),
  'Unit Cost': costMandatory,
  'Cost Frequency (Unit Type)': costMandatory,
};

const DATE_COLUMNS: CldHeader[] = [
  'Reporting Period Start Date',
  'Reporting Period End Date',
  'Date of Death',
  'Event Start Date',
  'Event End Date',
];
const NUMERIC_COLUMNS: CldHeader[] = ['Unit Cost', 'Planned units per week'];

function finding(row: CldRow, rule: FindingRule, column: CldHeader, message: string, severity: Finding['severity'] = 'error'): Finding {
  return { severity, rule, column, eventReference: row['Event Reference'], value: row[column], message };
}

function mandatoryBlanks(row: CldRow): Finding[] {
  return (Object.entries(MANDATORY) as Array<[CldHeader, Condition]>)
    .filter(([column, mandatory]) => mandatory(row) && row[column].trim() === '')
    .map(([column]) => finding(row, 'mandatory-blank', column, `${column} is mandatory on ${row['Event Type']} rows and is blank`));
}

function codeFindings(row: CldRow): Finding[] {
  return Object.entries(CODE_LISTS).flatMap(([name, list]) => {
    const column = name as CldHeader;
    const value = row[column];
    if (value === '' || list.values.includes(value)) return [];
    return list.verified
      ? [finding(row, 'invalid-code', column, `${column} "${value}" is not a Release 2 value`)]
      : [
          finding(
            row,
            'unverified-code',
            column,
            `${column} "${value}" is not in the list this engine could check; confirm it against the Release 2 mapping file`,
            'warning',
          ),
        ];
  });
}

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;
/** Up to 16 digits before the point and 2 after: numeric(18,2). */
const NUMERIC_18_2 = /^-?\d{1,16}(\.\d{1,2})?$/;

function formatFindings(row: CldRow): Finding[] {
  const dates = DATE_COLUMNS.filter((column) => row[column] !== '' && !ISO_DAY.test(row[column])).map((column) =>
    finding(row, 'invalid-code', column, `${column} "${row[column]}" is not a date (YYYY-MM-DD)`),
  );
  const numbers = NUMERIC_COLUMNS.filter((column) => row[column] !== '' && !NUMERIC_18_2.test(row[column])).map((column) =>
    finding(row, 'not-numeric', column, `${column} "${row[column]}" is not a number with at most two decimals`),
  );
  return [...dates, ...numbers];
}

function dateOrder(row: CldRow): Finding[] {
  const start = row['Event Start Date'];
  const end = row['Event End Date'];
  const death = row['Date of Death'];
  const findings: Finding[] = [];
  if (start !== '' && end !== '' && end < start)
    findings.push(finding(row, 'dates-out-of-order', 'Event End Date', `Event End Date ${end} is before Event Start Date ${start}`));
  if (start !== '' && start > row['Reporting Period End Date']) {
    findings.push(
      finding(
        row,
        'dates-out-of-order',
        'Event Start Date',
        `Event Start Date ${start} is after the reporting period ends (${row['Reporting Period End Date']})`,
      ),
    );
  }
  if (death !== '' && start !== '' && start > death)
    findings.push(finding(row, 'dates-out-of-order', 'Event Start Date', `Event Start Date ${start} is after the Date of Death ${death}`));
  return findings;
}

/** Every finding on one row. */
export function checkRow(row: CldRow): Finding[] {
  return [...mandatoryBlanks(row), ...codeFindings(row), ...formatFindings(row), ...dateOrder(row)];
}

/** Register columns the specification makes mandatory for service users: to be joined before submission. */
export const MANDATORY_REGISTER_COLUMNS = [
  'NHS Number',
  'Gender',
  'Ethnicity',
  'Date of Birth',
  'Primary Support Reason',
  'Postcode',
  'Accommodation Status',
  'Has Unpaid Carer',
  'Client Funding Status',
];

/** Guards the tables above against a column renamed in one place only. */
export function unknownColumns(): string[] {
  const known = new Set<string>(CLD_COLUMNS.map((entry) => entry.header));
  return [...Object.keys(MANDATORY), ...Object.keys(CODE_LISTS), ...MANDATORY_REGISTER_COLUMNS].filter((name) => !known.has(name));
}
