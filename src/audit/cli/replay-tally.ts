/**
 * What `npm run audit -- replay --all` reports once every journey is replayed: how many are
 * sound, which are not, and the shape of the caseload as the record itself says it is (journeys
 * by state and by funding stream, clocks missed, challenges by outcome). Built from each replay
 * rather than from a read model, so it can be set against the read models as a check on them.
 */
import { computeClocks, summarise, type ChallengeOutcome } from '../../../workflows';
import { isSound, type ChainVerdict, type ReplayVerdict, type VerifiedReplay } from '../verify/verify-journey';

export interface ReplaySummary {
  journeys: number;
  events: number;
  sound: number;
  broken: Array<{ journeyId: string; chain: ChainVerdict; replay: ReplayVerdict }>;
  /** Journeys by state path (`open.liveSupport`, `closed`...), as far as each replayed. */
  byState: Record<string, number>;
  byFundingStream: Record<string, number>;
  /** Clocks by id: `missed` has a DeadlineMissed recorded and the work still not done; `pastDue` is running past its due time with none recorded yet. */
  overdueClocks: { missed: Record<string, number>; pastDue: Record<string, number> };
  challenges: Record<ChallengeOutcome | 'open', number>;
}

function increment(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

/** Sorted by key, so two summaries of the same store print and compare the same. */
function sortedCounts(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Adds journeys one at a time (a store may not fit in memory at once); `now` decides what is past due. */
export class ReplayTally {
  private readonly summary: ReplaySummary = {
    journeys: 0,
    events: 0,
    sound: 0,
    broken: [],
    byState: {},
    byFundingStream: {},
    overdueClocks: { missed: {}, pastDue: {} },
    challenges: { open: 0, upheld: 0, 'partly-upheld': 0, 'not-upheld': 0 },
  };

  constructor(private readonly now: Date) {}

  add({ verification, definition, snapshot, applied }: VerifiedReplay): void {
    const summary = this.summary;
    summary.journeys += 1;
    summary.events += verification.events;
    if (isSound(verification)) summary.sound += 1;
    else summary.broken.push({ journeyId: verification.journeyId, chain: verification.chain, replay: verification.replay });
    if (!definition || !snapshot) {
      increment(summary.byState, '(not replayable)');
      return;
    }
    const journey = summarise(definition, snapshot);
    increment(summary.byState, journey.state);
    increment(summary.byFundingStream, journey.fundingStream ?? '(none)');
    for (const clock of computeClocks(definition.policy, applied)) {
      if (clock.status === 'missed') increment(summary.overdueClocks.missed, clock.clock);
      if (clock.status === 'running' && Date.parse(clock.dueAt) <= this.now.getTime())
        increment(summary.overdueClocks.pastDue, clock.clock);
    }
    journey.resolvedChallenges.forEach((challenge) => (summary.challenges[challenge.outcome] += 1));
    summary.challenges.open += journey.openChallenges.length;
  }

  result(): ReplaySummary {
    const { byState, byFundingStream, overdueClocks } = this.summary;
    return {
      ...this.summary,
      broken: [...this.summary.broken],
      byState: sortedCounts(byState),
      byFundingStream: sortedCounts(byFundingStream),
      overdueClocks: { missed: sortedCounts(overdueClocks.missed), pastDue: sortedCounts(overdueClocks.pastDue) },
      challenges: { ...this.summary.challenges },
    };
  }
}
