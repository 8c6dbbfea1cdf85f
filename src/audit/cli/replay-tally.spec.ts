import { WorkflowRegistry } from '../../../workflows';
import { fact, pathTo } from '../../../workflows/testing/facts';
import { formatDuration, progressLine, ProgressReporter } from './progress';
import { ReplayTally } from './replay-tally';
import { sealFacts } from '../testing/seal-facts';
import { verifyAndReplay } from '../verify/verify-journey';

const registry = new WorkflowRegistry();
const id = (n: number) => `${String(n).padStart(8, '0')}-0000-4000-8000-000000000000`;

describe('ReplayTally', () => {
  it('counts journeys by state and funding stream, clocks missed and past due, challenges by outcome, and names the broken', () => {
    const journeys = [
      sealFacts(id(1), pathTo.liveSupport()),
      sealFacts(id(2), [
        fact('ReferralReceived', { fundingStream: 'nhs-chc', route: 'fast-track' }),
        fact('DeadlineMissed', { clock: 'fast-track-care-in-place', dueAt: '2026-01-07T09:00:00.000Z' }),
      ]),
      sealFacts(id(3), [
        ...pathTo.notEligible(),
        fact('DecisionChallenged', { decisionRevision: 2 }),
        fact('ChallengeResolved', { challengeRevision: 3, outcome: 'not-upheld' }),
        fact('DecisionChallenged', { decisionRevision: 2 }),
      ]),
      sealFacts(id(4), pathTo.signOff()).map((event) => (event.revision === 1 ? { ...event, data: { assessor: 'someone else' } } : event)),
    ];
    // Long after every journey above: the clocks still running are all past due.
    const tally = new ReplayTally(new Date('2027-01-01T00:00:00Z'));
    journeys.forEach((events) => tally.add(verifyAndReplay(events, registry)));
    const summary = tally.result();
    expect(summary).toMatchObject({
      journeys: 4,
      events: 8 + 2 + 6 + 6,
      sound: 3,
      byState: { 'open.liveSupport': 1, 'open.notEligible': 1, 'open.referral': 1, 'open.signOff': 1 },
      byFundingStream: { 'nhs-chc': 1, 'social-care': 3 },
      challenges: { open: 1, upheld: 0, 'partly-upheld': 0, 'not-upheld': 1 },
    });
    expect(summary.broken).toEqual([
      { journeyId: id(4), chain: { intact: false, revision: 1, problem: 'hash-mismatch' }, replay: { consistent: true } },
    ]);
    expect(summary.overdueClocks.missed).toEqual({ 'fast-track-care-in-place': 1 });
    expect(summary.overdueClocks.pastDue).toMatchObject({ 'first-review': 1, 'chc-eligibility-decision': 1, 'challenge-answered': 1 });
  });
});

describe('progress', () => {
  it('says journeys and events per second and the time left', () => {
    expect(progressLine({ done: 500, total: 2000, events: 6000, elapsedMs: 500 })).toBe(
      '500/2,000 journeys (25%), 6,000 events, 1,000 journeys/s, 12,000 events/s, ETA 1.5 s',
    );
    expect(progressLine({ done: 2000, total: 2000, events: 24000, elapsedMs: 2000 })).toBe(
      '2,000/2,000 journeys (100%), 24,000 events, 1,000 journeys/s, 12,000 events/s, done in 2.0 s',
    );
    expect(formatDuration(125_000)).toBe('2 min 5 s');
    expect(formatDuration(2 * 3_600_000 + 60_000)).toBe('2 h 1 min');
  });

  it('writes once an interval has passed, and always the last line', () => {
    const lines: string[] = [];
    let now = 0;
    const reporter = new ProgressReporter(
      5,
      (line) => lines.push(line),
      () => now,
      1000,
    );
    for (const at of [0, 100, 1100, 1200, 1300]) {
      now = at;
      reporter.advance(10);
    }
    expect(lines.map((line) => line.split(' ')[0])).toEqual(['3/5', '5/5']);
  });
});
