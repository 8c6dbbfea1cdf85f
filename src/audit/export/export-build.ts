/**
 * Building a journey's export, the same on the request thread and on the export worker: the
 * journey audited (read, verified, replayed), who it belongs to (for the access check the caller
 * makes), and the document, as JSON or standalone HTML.
 */
import type { JourneyRelations } from '../../access';
import { journeyExport, type AuditedJourney } from '../audited-journeys';
import { renderExportHtml } from './export-html';
import type { ExportFormat } from '../http/export-query.dto';
import type { JourneyExport } from './journey-export';

export interface BuiltExport {
  relations: JourneyRelations;
  body: JourneyExport | string;
}

export function exportFor(journey: AuditedJourney, format: ExportFormat, exportedAt: Date): BuiltExport {
  const document = journeyExport(journey, exportedAt);
  return { relations: journey.relations, body: format === 'json' ? document : renderExportHtml(document) };
}
