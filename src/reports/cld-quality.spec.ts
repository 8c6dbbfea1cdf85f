/** The per-row data-quality rules, each on a row that breaks it and only it. */
import { emptyRow, type CldRow } from './cld-columns';
import { checkRow, unknownColumns, type Finding } from './cld-quality';

/** A clean long-term community service row: no finding. */
function serviceRow(overrides: Partial<CldRow> = {}): CldRow {
  return {
    ...emptyRow(),
    'LA Code': 'E06000999',
    'Reporting Period Start Date': '2026-07-01',
    'Reporting Period End Date': '2026-09-30',
    'LA Person Unique Identifier': 'person-1',
    'Client Type': 'Service user',
    'Event Type': 'Service',
    'Event Reference': 'j/r6/s1',
    'Event Start Date': '2026-08-01',
    'Event Outcome': 'Continuation of support or services',
    'Service Type': 'Long term support: Community',
    'Service Component': 'Home support or domiciliary care',
    'Delivery Mechanism': 'Direct payment',
    'Unit Cost': '24.00',
    'Cost Frequency (Unit Type)': 'Hourly',
    ...overrides,
  };
}

const summary = (findings: Finding[]) => findings.map((finding) => `${finding.severity} ${finding.rule} ${finding.column}`);

describe('CLD data-quality checks', () => {
  it('a clean row has no finding', () => {
    expect(checkRow(serviceRow())).toEqual([]);
  });

  it('unit cost is mandatory for long-term services, but not for support the council commissions', () => {
    expect(summary(checkRow(serviceRow({ 'Unit Cost': '', 'Cost Frequency (Unit Type)': '' })))).toEqual([
      'error mandatory-blank Unit Cost',
      'error mandatory-blank Cost Frequency (Unit Type)',
    ]);
    expect(
      checkRow(serviceRow({ 'Unit Cost': '', 'Cost Frequency (Unit Type)': '', 'Delivery Mechanism': 'CASSR commissioned support' })),
    ).toEqual([]);
  });

  it('a value outside a verified Release 2 list is invalid; outside an unverified one, a warning', () => {
    expect(summary(checkRow(serviceRow({ 'Delivery Mechanism': 'Direct Payment' })))).toEqual(['error invalid-code Delivery Mechanism']);
    const request = serviceRow({
      'Event Type': 'Request',
      'Request: Route of Access': 'Discharge from hospital',
      'Event End Date': '2026-08-02',
      'Service Type': '',
      'Service Component': '',
      'Delivery Mechanism': '',
      'Unit Cost': '',
      'Cost Frequency (Unit Type)': '',
    });
    expect(summary(checkRow(request))).toEqual(['warning unverified-code Request: Route of Access']);
  });

  it('dates out of order: end before start, start after the period, start after death', () => {
    expect(summary(checkRow(serviceRow({ 'Event End Date': '2026-07-31' })))).toEqual(['error dates-out-of-order Event End Date']);
    expect(summary(checkRow(serviceRow({ 'Event Start Date': '2026-10-01' })))).toEqual(['error dates-out-of-order Event Start Date']);
    expect(summary(checkRow(serviceRow({ 'Date of Death': '2026-07-15', 'Event End Date': '2026-08-01' })))).toEqual([
      'error dates-out-of-order Event Start Date',
    ]);
  });

  it('costs must be numbers with at most two decimals, and dates real days', () => {
    expect(summary(checkRow(serviceRow({ 'Unit Cost': '24.005', 'Planned units per week': 'ten' })))).toEqual([
      'error not-numeric Unit Cost',
      'error not-numeric Planned units per week',
    ]);
    expect(summary(checkRow(serviceRow({ 'Event Start Date': '01/08/2026' })))).toEqual(['error invalid-code Event Start Date']);
  });

  it('a planned review needs its outcomes achieved; an unplanned one does not', () => {
    const review = (reason: string) =>
      serviceRow({
        'Event Type': 'Review',
        'Event End Date': '2026-08-02',
        'Review Reason': reason,
        'Method of Review': 'Telephone',
        'Service Type': '',
        'Service Component': '',
        'Delivery Mechanism': '',
        'Unit Cost': '',
        'Cost Frequency (Unit Type)': '',
      });
    expect(summary(checkRow(review('Planned')))).toEqual(['error mandatory-blank Review Outcomes Achieved']);
    expect(checkRow(review('Unplanned'))).toEqual([]);
  });

  it('every column the rules name is a column of the return', () => {
    expect(unknownColumns()).toEqual([]);
  });
});
