/**
 * What the client was told was recorded, held against what the file holds after a fault. Shared
 * by the fault tests: whatever the fault, the file must hold every acknowledged event exactly
 * once, nothing that was refused, and be whole (integrity check, hash chains, replay).
 */
import type { Response } from 'supertest';
import { auditStore } from '../soak/store-audit';

export interface Acknowledged {
  journeyId: string;
  eventId: string;
  revision: number;
}

export class AcknowledgedLedger {
  readonly entries: Acknowledged[] = [];

  /** Notes a 201; any other answer is returned for the test to judge. */
  note(response: Response): Response {
    if (response.status === 201) {
      const body = response.body as { id: string; eventId: string; revision: number };
      this.entries.push({ journeyId: body.id, eventId: body.eventId, revision: body.revision });
    }
    return response;
  }

  lastRevisionOf(journeyId: string): number {
    return Math.max(...this.entries.filter((entry) => entry.journeyId === journeyId).map((entry) => entry.revision));
  }
}

/** An account of the file against the ledger: every list empty and integrity `ok` means sound. */
export function accountFor(file: string, ledger: AcknowledgedLedger) {
  const audit = auditStore(file);
  const stored = [...audit.streams.values()].flat();
  const storedIds = new Map(stored.map((event) => [event.id, event]));
  return {
    integrity: audit.integrity,
    halfWritten: audit.halfWritten,
    chainBreaks: audit.chainBreaks,
    replayRefusals: audit.replayRefusals,
    lost: ledger.entries.filter((entry) => storedIds.get(entry.eventId)?.revision !== entry.revision),
    unacknowledged: stored
      .filter((event) => !ledger.entries.some((entry) => entry.eventId === event.id))
      .map((event) => `${event.streamId}@${event.revision}`),
    stored: stored.length,
  };
}

/** The account of a sound store holding exactly `count` acknowledged events. */
export function soundStoreOf(count: number) {
  return { integrity: 'ok', halfWritten: [], chainBreaks: [], replayRefusals: [], lost: [], unacknowledged: [], stored: count };
}
