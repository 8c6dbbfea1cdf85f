/**
 * `npm run report -- cld`, run in-process on a real SQLite event file seeded with the stories of
 * report-fixtures.ts. The expected rows are written out by hand from the stories: what a council
 * would submit for July to September 2026, and what it would have submitted on 30 September.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SqliteAccessLog } from '../../src/access-log/access-log';
import { CLD_COLUMNS } from '../../src/reports/cld-columns';
import { runReport } from '../../src/reports/cli/run-report';
import { capturedIo } from '../e2e/audit.helpers';
import { JOURNEYS, PEOPLE, allStories, seedStore, storyA, storyG } from './report-fixtures';

const LA = 'E06000999';
const HEADERS = CLD_COLUMNS.map((column) => column.header);

async function report(file: string, argv: string[]) {
  const captured = capturedIo({ SQLITE_FILE: file, NODE_ENV: 'test' });
  const code = await runReport(argv, captured.io);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

/** One CSV line's fields, quotes undone (RFC 4180), read independently of the writer under test. */
function fieldsOf(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let index = 0; index < line.length; index += 1) {
    const char = line[index];
    if (quoted && char === '"' && line[index + 1] === '"') {
      field += '"';
      index += 1;
    } else if (char === '"') {
      quoted = !quoted;
    } else if (char === ',' && !quoted) {
      fields.push(field);
      field = '';
    } else {
      field += char;
    }
  }
  return [...fields, field];
}

/** The CSV as rows keyed by header (no fixture value holds a line break). */
function readCsv(path: string): Array<Record<string, string>> {
  const text = readFileSync(path, 'utf8');
  expect(text.endsWith('\r\n')).toBe(true);
  const [header, ...lines] = text.split('\r\n').filter((line) => line !== '');
  expect(fieldsOf(header)).toEqual(HEADERS);
  return lines.map((line) => {
    const fields = fieldsOf(line);
    expect(fields).toHaveLength(HEADERS.length);
    return Object.fromEntries(fields.map((value, index) => [HEADERS[index], value]));
  });
}

/** A row as the return must hold it: every column named here, every other column empty. */
function expectedRow(person: string, values: Record<string, string>): Record<string, string> {
  const row = Object.fromEntries(HEADERS.map((header) => [header, '']));
  return {
    ...row,
    'LA Code': LA,
    'Reporting Period Start Date': '2026-07-01',
    'Reporting Period End Date': '2026-09-30',
    'LA Person Unique Identifier': person,
    'Client Type': 'Service user',
    ...values,
  };
}

const A = {
  request: expectedRow(PEOPLE.a, {
    'Event Type': 'Request',
    'Event Reference': `${JOURNEYS.a}/r0`,
    'Event Start Date': '2026-06-20',
    'Event End Date': '2026-07-02',
    'Event Outcome': 'Progress to assessment, review or reassessment',
    'Request: Route of Access': 'Discharge from Hospital',
  }),
  assessment: expectedRow(PEOPLE.a, {
    'Event Type': 'Assessment',
    'Event Reference': `${JOURNEYS.a}/r2`,
    'Event Start Date': '2026-07-02',
    'Event End Date': '2026-07-10',
    'Event Outcome': 'Progress to support planning or services',
    'Assessment Type': 'Long term assessment',
    'Eligible Needs Identified': 'Yes',
    'Method of Assessment': 'Face to face',
  }),
  service: expectedRow(PEOPLE.a, {
    'Event Type': 'Service',
    'Event Reference': `${JOURNEYS.a}/r6/s1`,
    'Event Start Date': '2026-08-01',
    'Event Outcome': 'Continuation of support or services',
    'Service Type': 'Long term support: Community',
    'Service Component': 'Home support or domiciliary care',
    'Delivery Mechanism': 'Direct payment',
    'Unit Cost': '24.00',
    'Cost Frequency (Unit Type)': 'Hourly',
    'Planned units per week': '10',
  }),
  review: expectedRow(PEOPLE.a, {
    'Event Type': 'Review',
    'Event Reference': `${JOURNEYS.a}/r9`,
    'Event Start Date': '2026-09-20',
    'Event End Date': '2026-09-22',
    'Event Outcome': 'Continuation of support or services',
    'Review Reason': 'Planned',
    'Review Outcomes Achieved': 'Fully achieved',
    'Method of Review': 'Telephone',
  }),
};

const B = {
  request: expectedRow(PEOPLE.b, {
    'Event Type': 'Request',
    'Event Reference': `${JOURNEYS.b}/r0`,
    'Event Start Date': '2026-07-05',
    'Event End Date': '2026-07-06',
    'Event Outcome': 'Progress to assessment, review or reassessment',
  }),
  assessment: expectedRow(PEOPLE.b, {
    'Event Type': 'Assessment',
    'Event Reference': `${JOURNEYS.b}/r2`,
    'Event Start Date': '2026-07-06',
    'Event End Date': '2026-07-08',
    'Event Outcome': 'NFA: Information and advice or signposting',
    'Assessment Type': 'Long term assessment',
    'Eligible Needs Identified': 'No',
  }),
};

// D's plan has been in force since May: a service row in the quarter, though it began before it.
const D = {
  service: expectedRow(PEOPLE.d, {
    'Event Type': 'Service',
    'Event Reference': `${JOURNEYS.d}/r6/s1`,
    'Event Start Date': '2026-05-15',
    'Event Outcome': 'Continuation of support or services',
    'Service Type': 'Long term support: Community',
    'Delivery Mechanism': 'CASSR managed personal budget',
    'Unit Cost': '240.00',
    'Cost Frequency (Unit Type)': 'Weekly',
  }),
};

/** The return's reads in the access log beside the event file: each journey it included, none it left out. */
async function expectReadsLogged(file: string, journeys: string[]): Promise<void> {
  const log = new SqliteAccessLog(join(dirname(file), 'access-log.db'));
  try {
    const { entries } = await log.list({ limit: 100 });
    expect(entries.map((entry) => entry.journeyId)).toEqual(journeys);
    expect(entries.every((entry) => entry.actor.id === 'cli:shell-auditor' && entry.route === 'CLI report cld')).toBe(true);
  } finally {
    await log.close();
  }
}

describe('npm run report -- cld', () => {
  let file: string;
  let out: string;

  beforeAll(async () => {
    file = await seedStore(allStories());
    out = join(dirname(file), 'q2', 'cld.csv');
  });

  const quarter = (extra: string[] = []) => ['cld', '--from', '2026-07-01', '--to', '2026-09-30', '--out', out, '--la-code', LA, ...extra];

  it('writes one row per request, assessment, service and review of the council-funded journeys, and fails on the data-quality errors', async () => {
    const run = await report(file, quarter());

    expect(readCsv(out)).toEqual([A.request, A.assessment, A.service, A.review, B.request, B.assessment, D.service]);
    // C, E and F are NHS CHC with no council share: personal health budgets, not the council's return.
    expect(run.code).toBe(1);
    const summary = readFileSync(join(dirname(out), 'cld.summary.txt'), 'utf8');
    expect(run.stdout).toBe(summary.trimEnd());
    expect(summary).toContain('rows: 7 (Request 2, Assessment 2, Service 2, Review 1) from 3 journeys');
    expect(summary).toContain('data quality: 3 errors, 0 warnings');
    expect(summary).toContain(`ERROR ${JOURNEYS.b}/r0: Request: Route of Access is mandatory on Request rows and is blank`);
    expect(summary).toContain(`ERROR ${JOURNEYS.b}/r2: Method of Assessment is mandatory on Assessment rows and is blank`);
    expect(summary).toContain(`ERROR ${JOURNEYS.d}/r6/s1: Service Component is mandatory on Service rows and is blank`);
    await expectReadsLogged(file, [JOURNEYS.a, JOURNEYS.b, JOURNEYS.d]);
    expect(summary).toContain(
      'to be joined from the person register (left empty, never invented): NHS Number, First Name, Last Name, GP Practice Name, GP Practice Code, Gender, Ethnicity, Date of Birth, Primary Support Reason, Postcode, Accommodation Status, Employment Status, Has Unpaid Carer, Autism Spectrum Disorder (ASD), Visual Impairment, Hearing Impairment, Dementia, Client Funding Status',
    );
  });

  it('--as-recorded-by reproduces the return as the record stood that day: facts typed in later are left out, row by row', async () => {
    const run = await report(file, quarter(['--as-recorded-by', '2026-09-30']));

    // A's review (recorded 2 October) and B's assessment (recorded 5 October) were not yet known.
    expect(readCsv(out)).toEqual([A.request, A.assessment, A.service, B.request, D.service]);
    expect(run.stdout).toContain('as recorded by 2026-09-30T23:59:59.999Z (3 facts recorded later left out)');
    expect(run.stdout).toContain('data quality: 2 errors, 0 warnings');
    expect(run.code).toBe(1);
  });

  it('exits 0 on a return with no data-quality errors, and logs each journey it read in the access log', async () => {
    const clean = await seedStore([storyA()]);
    const cleanOut = join(dirname(clean), 'cld.csv');
    const run = await report(clean, [
      'cld',
      '--from',
      '2026-07-01',
      '--to',
      '2026-09-30',
      '--out',
      cleanOut,
      '--la-code',
      LA,
      '--as',
      'returns-officer',
    ]);

    expect(run.code).toBe(0);
    expect(readCsv(cleanOut)).toEqual([A.request, A.assessment, A.service, A.review]);
    expect(run.stdout).toContain('data quality: 0 errors, 0 warnings');
    const log = new SqliteAccessLog(join(dirname(clean), 'access-log.db'));
    try {
      const { entries } = await log.list({ limit: 10 });
      expect(entries.map(({ actor, route, detail, journeyId }) => ({ actor, route, detail, journeyId }))).toEqual([
        {
          actor: { id: 'cli:returns-officer', role: 'auditor' },
          route: 'CLI report cld',
          detail: 'from=2026-07-01;to=2026-09-30',
          journeyId: JOURNEYS.a,
        },
      ]);
    } finally {
      await log.close();
    }
  });

  it('leaves out and names a journey whose record the workflow refuses, rather than report facts it never accepted', async () => {
    const broken = await seedStore([storyA(), storyG()]);
    const run = await report(broken, [
      'cld',
      '--from',
      '2026-07-01',
      '--to',
      '2026-09-30',
      '--out',
      join(dirname(broken), 'cld.csv'),
      '--la-code',
      LA,
    ]);

    expect(readCsv(join(dirname(broken), 'cld.csv'))).toEqual([A.request, A.assessment, A.service, A.review]);
    expect(run.stdout).toContain(`EXCLUDED journey ${storyG().journeyId}: revision 1 (SupportStarted) is refused by the workflow`);
    expect(run.code).toBe(1);
  });

  it('refuses bad arguments with exit 2, naming the option and the rule, and writes nothing', async () => {
    const badDay = await report(file, ['cld', '--from', '2026-02-30', '--to', '2026-09-30', '--out', join(dirname(file), 'never.csv')]);
    expect(badDay.code).toBe(2);
    expect(badDay.stderr).toContain('--from must be a date YYYY-MM-DD (got 2026-02-30)');
    const reversed = await report(file, ['cld', '--from', '2026-09-30', '--to', '2026-07-01', '--out', join(dirname(file), 'never.csv')]);
    expect(reversed.stderr).toContain('--to 2026-07-01 is before --from 2026-09-30');
    const noFile = await report(join(dirname(file), 'missing.db'), ['phb', '--at', '2026-09-30']);
    expect(noFile.stderr).toContain('no event store at');
    expect(existsSync(join(dirname(file), 'never.csv'))).toBe(false);
  });
});
