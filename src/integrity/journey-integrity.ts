/**
 * Whether a journey's hash chain still verifies, told on every read of the journey: a record
 * changed behind the engine's back is shown as such (`integrity` in the body, `X-Journey-Integrity`
 * in the headers), never served as if nothing happened.
 *
 * Checked when the journey is read, over the store port. The head found whole (revision and hash)
 * is kept per journey, so a later read re-checks that head's row and then only the facts after it:
 * a read of a long journey costs its new tail, not its whole length. A row changed before a cached
 * head (and after it was verified) is found by `GET /journeys/:id/verify` and the audit CLI, which
 * always check the whole stream, and here once the head leaves the cache or the process restarts.
 */
import { Injectable } from '@nestjs/common';
import { readJourney } from '../audit/verify/journey-read';
import { LruCache } from '../common/lru-cache';
import { EventStore, type StoredEvent } from '../event-store/event-store';
import { streamIdOf } from '../journeys/journey-records';
import { hashEvent, integrityOf, verifyChainFrom, type ChainHead } from './hash-chain';

export type IntegrityVerdict = { sound: true } | { sound: false; firstBadRevision: number };

export const INTEGRITY_HEADER = 'X-Journey-Integrity';

/** Journeys whose verified head is remembered (a few dozen bytes each). */
const VERIFIED_HEADS = 50_000;

type Known = { sound: true; head: ChainHead } | { sound: false; firstBadRevision: number };

@Injectable()
export class JourneyIntegrity {
  private readonly known = new LruCache<Known>(VERIFIED_HEADS);
  /** Every journey this instance has found broken since it started (few: kept apart from the LRU, so none is forgotten). */
  private readonly broken = new Set<string>();

  constructor(private readonly store: EventStore) {}

  /** The verdict on the journey's chain as stored now. An empty stream is sound (there is nothing to break). */
  async check(journeyId: string): Promise<IntegrityVerdict> {
    const known = this.known.get(journeyId);
    // A break stays a break: appends after it cannot mend the chain before them.
    if (known?.sound === false) return known;
    const head = known?.sound ? await this.stillHolds(journeyId, known.head) : null;
    const read = await readJourney(this.store, streamIdOf(journeyId), { fromRevision: head === null ? 0 : head.revision + 1 });
    const verdict = this.judge(
      read.kind === 'events' ? read.events : read.readable,
      head,
      read.kind === 'unreadable' ? read.revision : null,
    );
    this.remember(journeyId, verdict);
    return verdict.sound ? { sound: true } : verdict;
  }

  /** The cached head, if its row still reads and carries the hash it had; null to check from the start. */
  private async stillHolds(journeyId: string, head: ChainHead): Promise<ChainHead | null> {
    const [stored] = await this.store
      .readStream(streamIdOf(journeyId), { fromRevision: head.revision, toRevision: head.revision })
      .catch((error: unknown) => {
        if (error instanceof SyntaxError) return [];
        throw error;
      });
    return stored !== undefined && holdsHash(stored, head.hash) ? head : null;
  }

  private judge(events: readonly StoredEvent[], head: ChainHead | null, unreadableAt: number | null): Known {
    const chainBreak = verifyChainFrom(events, head);
    if (chainBreak !== null) return { sound: false, firstBadRevision: chainBreak.revision };
    if (unreadableAt !== null) return { sound: false, firstBadRevision: unreadableAt };
    const last = events[events.length - 1];
    if (last === undefined) return { sound: true, head: head ?? { revision: -1, hash: '' } };
    return { sound: true, head: { revision: last.revision, hash: integrityOf(last.metadata)!.hash } };
  }

  /** How many journeys this instance has found broken since it started: the live signal an operations team alerts on. */
  brokenJourneysFound(): number {
    return this.broken.size;
  }

  private remember(journeyId: string, verdict: Known): void {
    if (!verdict.sound) this.broken.add(journeyId);
    // A journey not yet written has no head worth keeping.
    if (verdict.sound && verdict.head.revision < 0) return;
    this.known.set(journeyId, verdict);
  }
}

/** The row's stored hash is the cached one and still recomputes from the row itself. */
function holdsHash(event: StoredEvent, hash: string): boolean {
  const integrity = integrityOf(event.metadata);
  return integrity !== null && integrity.hash === hash && hashEvent(event, integrity.previousHash) === hash;
}

/** The header value: `sound`, or `broken; first-bad-revision=9`. */
export function integrityHeaderValue(verdict: IntegrityVerdict): string {
  return verdict.sound ? 'sound' : `broken; first-bad-revision=${verdict.firstBadRevision}`;
}
