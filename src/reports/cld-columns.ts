/**
 * The columns of a CLD submission file, in order, with the header text the specification uses
 * (Release 2, May 2025 update; the same headers the public local-authority pipelines read), and
 * where each comes from. `register` columns are about the person, not the journey: the engine
 * holds none of them (no personal data beyond the person's id), so they are left empty for the
 * council to join from its person register, never invented. `not-held` columns are facts of the
 * event that the engine does not record (yet); `not-applicable` ones belong to carers' rows.
 */

export type ColumnSource = 'engine' | 'register' | 'not-held' | 'not-applicable';

export interface CldColumn {
  header: string;
  source: ColumnSource;
}

const column = (header: string, source: ColumnSource): CldColumn => ({ header, source });

export const CLD_COLUMNS = [
  column('LA Code', 'engine'),
  column('Reporting Period Start Date', 'engine'),
  column('Reporting Period End Date', 'engine'),
  column('NHS Number', 'register'),
  column('LA Person Unique Identifier', 'engine'),
  column('First Name', 'register'),
  column('Last Name', 'register'),
  column('GP Practice Name', 'register'),
  column('GP Practice Code', 'register'),
  column('Gender', 'register'),
  column('Ethnicity', 'register'),
  column('Date of Birth', 'register'),
  column('Date of Death', 'engine'),
  column('Client Type', 'engine'),
  column('Primary Support Reason', 'register'),
  column('Postcode', 'register'),
  column('Accommodation Status', 'register'),
  column('Employment Status', 'register'),
  column('Has Unpaid Carer', 'register'),
  column('Autism Spectrum Disorder (ASD)', 'register'),
  column('Visual Impairment', 'register'),
  column('Hearing Impairment', 'register'),
  column('Dementia', 'register'),
  column('Client Funding Status', 'register'),
  column('Event Type', 'engine'),
  column('Event Reference', 'engine'),
  column('Event Start Date', 'engine'),
  column('Event End Date', 'engine'),
  column('Event Description', 'not-held'),
  column('Event Outcome', 'engine'),
  column('Request: Route of Access', 'engine'),
  column('Assessment Type', 'engine'),
  column('Eligible Needs Identified', 'engine'),
  column('Method of Assessment', 'engine'),
  column('Total Hrs Caring per week', 'not-applicable'),
  column('No. of adults being cared for', 'not-applicable'),
  column('Adult 1 Linked Person_ID', 'not-applicable'),
  column('Adult 2 Linked Person_ID', 'not-applicable'),
  column('Adult 3 Linked Person_ID', 'not-applicable'),
  column('Service Type', 'engine'),
  column('Service Component', 'engine'),
  column('Delivery Mechanism', 'engine'),
  column('Provider CQC Location Name', 'not-held'),
  column('Provider CQC Location ID', 'not-held'),
  column('Review Reason', 'engine'),
  column('Review Outcomes Achieved', 'engine'),
  column('Method of Review', 'engine'),
  column('Unit Cost', 'engine'),
  column('Cost Frequency (Unit Type)', 'engine'),
  column('Planned units per week', 'engine'),
] as const;

export type CldHeader = (typeof CLD_COLUMNS)[number]['header'];

/** One row of the return: every column present, empty where the record says nothing. */
export type CldRow = Record<CldHeader, string>;

export function emptyRow(): CldRow {
  return Object.fromEntries(CLD_COLUMNS.map(({ header }) => [header, ''])) as CldRow;
}

export function headersFrom(source: ColumnSource): string[] {
  return CLD_COLUMNS.filter((entry) => entry.source === source).map((entry) => entry.header);
}
