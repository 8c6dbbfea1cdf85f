/**
 * An append waiting for the next group commit, as both SQL adapters (SQLite, PostgreSQL) queue it:
 * payloads serialised when the call is made, and the caller's promise settled once the batch's
 * commit (or its refusal) is known.
 */
import { storedText } from '../integrity/hash-chain';
import type { AppendResult, ExpectedRevision, NewEvent } from './event-store';

export interface EncodedEvent {
  id: string;
  type: string;
  data: string;
  metadata: string;
}

export interface PendingAppend {
  streamId: string;
  events: EncodedEvent[];
  expected: ExpectedRevision;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

/** What the batch decided for one append: written (or repeated), or refused. */
export type Outcome = { result: AppendResult } | { failure: unknown };

/** The text written is the hash chain's canonical form, so a verifier can hash it as stored. */
export function encodeEvent(event: NewEvent): EncodedEvent {
  return { id: event.id, type: event.type, ...storedText(event) };
}

export function settle(pending: PendingAppend, outcome: Outcome): void {
  if ('result' in outcome) pending.resolve(outcome.result);
  else pending.reject(outcome.failure);
}
