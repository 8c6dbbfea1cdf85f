/**
 * Where in `$all`: the port's one bigint position and the client's (commit, prepare) pair, and which
 * events of `$all` are the engine's.
 */
import { excludeSystemEvents, Filter, Position, ReadPosition, START, streamNameFilter } from '@kurrent/kurrentdb-client';
import type { RecordedLike } from './codec';

/** -1n (the head of an empty store) and nothing both mean "from the very beginning". */
export function normaliseAfter(after: bigint | undefined): bigint | undefined {
  return after === undefined || after < 0n ? undefined : after;
}

export function toReadPosition(after: bigint | undefined): ReadPosition {
  return after === undefined ? START : { commit: after, prepare: after };
}

/** Server-side filter: the prefix when there is one, else at least no system events. */
export function filterFor(prefix: string): Filter {
  return prefix ? streamNameFilter({ prefixes: [prefix] }) : excludeSystemEvents();
}

/**
 * Checked again on this side because the filter is an optimisation the server may not apply (older
 * servers, links): system streams and system event types (`$`, e.g. a tombstone's
 * `$streamDeleted`) are never the engine's facts.
 */
export function isEngineEvent(recorded: RecordedLike, prefix: string): boolean {
  return !recorded.streamId.startsWith('$') && !recorded.type.startsWith('$') && recorded.streamId.startsWith(prefix);
}

export function rawPosition(recorded: RecordedLike): Position {
  if (!recorded.position) {
    throw new Error(
      `event ${recorded.id} of ${recorded.streamId} came without a position: ` +
        'stream reads carry positions from server 22.6 on; use a supported LTS server',
    );
  }
  return recorded.position;
}

/**
 * The port's single bigint position is the commit position. For every event written by the gRPC
 * append (the only way this engine writes, and the only one from server 24.10 on), the server reports
 * commit === prepare: the append writes self-committed records, and $all reports each one at
 * (its log position, its log position) (AllReader.cs). Only events of the legacy TCP client's
 * explicit transactions differ, and they would make one bigint ambiguous, so they are refused.
 */
export function positionOf(recorded: RecordedLike): bigint {
  const { commit, prepare } = rawPosition(recorded);
  if (commit !== prepare) {
    throw new Error(
      `event ${recorded.id} of ${recorded.streamId} sits in a legacy explicit transaction ` +
        `(commit ${commit} != prepare ${prepare}); this adapter stores only gRPC appends`,
    );
  }
  return commit;
}
