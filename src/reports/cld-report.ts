/**
 * The CLD return from the journeys: rows, their quality findings, and a summary a council can act
 * on (what to join from the person register, what the record does not hold, which journeys were
 * left out and why). Pure; the CLI reads the store and writes the files.
 */
import { CLD_COLUMNS, headersFrom, type CldRow } from './cld-columns';
import { checkRow, MANDATORY_REGISTER_COLUMNS, type Finding } from './cld-quality';
import { cldRowsOf, type CldContext } from './cld-rows';
import type { JourneyTimeline } from './journey-timeline';
import type { ExcludedJourney, ReportJourneys } from './report-journeys';

export interface CldReport {
  rows: CldRow[];
  findings: Finding[];
  /** Journeys with at least one row: the ones the return reads. */
  includedJourneys: string[];
  excluded: ExcludedJourney[];
  factsRecordedLater: number;
}

/** CLD is the council's return: an NHS CHC journey belongs in it only where the council pays a share. */
function isCouncilFunded(timeline: JourneyTimeline): boolean {
  if (timeline.fundingStream !== 'nhs-chc') return true;
  return timeline.services.some((service) => service.fundingShares.some((share) => share.funder === 'council'));
}

export function buildCldReport(journeys: ReportJourneys, context: CldContext): CldReport {
  const rows: CldRow[] = [];
  const includedJourneys: string[] = [];
  for (const timeline of journeys.timelines) {
    if (!isCouncilFunded(timeline)) continue;
    const journeyRows = cldRowsOf(timeline, context);
    if (journeyRows.length === 0) continue;
    rows.push(...journeyRows);
    includedJourneys.push(timeline.journeyId);
  }
  return {
    rows,
    findings: rows.flatMap(checkRow),
    includedJourneys,
    excluded: journeys.excluded,
    factsRecordedLater: journeys.factsRecordedLater,
  };
}

export function errorsOf(report: CldReport): Finding[] {
  return report.findings.filter((finding) => finding.severity === 'error');
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  items.forEach((item) => counts.set(key(item), (counts.get(key(item)) ?? 0) + 1));
  return counts;
}

/**
 * The summary written beside the return; `maxFindings` caps the findings listed one by one (the
 * printed copy of a large return), the counts above them always cover every finding.
 */
export function describeCldReport(
  report: CldReport,
  context: CldContext & { asRecordedBy: string | null },
  maxFindings = Number.POSITIVE_INFINITY,
): string[] {
  const byType = countBy(report.rows, (row) => row['Event Type']);
  const errors = errorsOf(report);
  const warnings = report.findings.length - errors.length;
  const byRule = countBy(report.findings, (finding) => `${finding.severity} ${finding.rule}: ${finding.column}`);
  return [
    `CLD return (Release 2) for ${context.laCode || '(no LA code)'}, ${context.period.from} to ${context.period.to}` +
      (context.asRecordedBy ? `, as recorded by ${context.asRecordedBy} (${report.factsRecordedLater} facts recorded later left out)` : ''),
    `rows: ${report.rows.length} (${['Request', 'Assessment', 'Service', 'Review'].map((type) => `${type} ${byType.get(type) ?? 0}`).join(', ')}) from ${report.includedJourneys.length} journeys`,
    `data quality: ${errors.length} errors, ${warnings} warnings`,
    ...[...byRule].sort(([a], [b]) => a.localeCompare(b)).map(([rule, count]) => `  ${count} x ${rule}`),
    ...report.findings
      .slice(0, maxFindings)
      .map((finding) => `  ${finding.severity.toUpperCase()} ${finding.eventReference}: ${finding.message}`),
    ...(report.findings.length > maxFindings
      ? [`  ... and ${report.findings.length - maxFindings} more findings in the summary file`]
      : []),
    `to be joined from the person register (left empty, never invented): ${headersFrom('register').join(', ')}`,
    `  of which mandatory for service users: ${MANDATORY_REGISTER_COLUMNS.join(', ')}`,
    `not recorded by the engine: ${headersFrom('not-held').join(', ')}`,
    `carers' columns, not applicable to these rows: ${headersFrom('not-applicable').join(', ')}`,
    ...(report.excluded.length === 0 ? [] : [`journeys left out: ${report.excluded.length}`]),
    ...report.excluded.map((journey) => `  EXCLUDED journey ${journey.journeyId}: ${journey.reason}`),
  ];
}

export const CLD_HEADERS = CLD_COLUMNS.map((entry) => entry.header);
