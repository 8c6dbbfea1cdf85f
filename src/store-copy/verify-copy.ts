/**
 * Proves a copy by replaying both sides: every journey stream of the source is read again from
 * the source and from the target, and they must hold the same events at the same revisions (id,
 * type, data and metadata, recordedAt and the integrity hashes included), the target no stream the
 * source does not, and every target stream's hash chain must verify link by link.
 */
import type { EventStore, StoredEvent } from '../event-store/event-store';
import { canonicalJson, verifyChain } from '../integrity/hash-chain';
import { forEachConcurrently, JOURNEY_PREFIX, scanStreams, type StreamPlan } from './copy-streams';
import type { ProgressListener } from './progress';

export interface VerifyProblem {
  streamId: string;
  /** The first revision where the problem shows, when it is about one event. */
  revision?: number;
  problem: string;
}

export interface VerifyResult {
  streams: number;
  events: number;
  /** The first problems found (at most `maxProblems`), in stream order. */
  problems: VerifyProblem[];
  /** How many streams had a problem (all of them, not only those listed). */
  streamsWithProblems: number;
  /** More problems were found than are listed. */
  truncated: boolean;
}

export interface VerifyOptions {
  streamPrefix?: string;
  concurrency?: number;
  maxProblems?: number;
  onProgress?: ProgressListener;
}

export async function verifyCopy(source: EventStore, target: EventStore, options: VerifyOptions = {}): Promise<VerifyResult> {
  const streamPrefix = options.streamPrefix ?? JOURNEY_PREFIX;
  const [sourcePlans, targetPlans] = await Promise.all([scanStreams(source, { streamPrefix }), scanStreams(target, { streamPrefix })]);
  const eventsTotal = sourcePlans.reduce((sum, plan) => sum + plan.events, 0);
  const found = new Map<string, VerifyProblem[]>();
  const progress = { streamsDone: 0, eventsDone: 0 };
  const report = (): void => options.onProgress?.({ phase: 'verify', ...progress, streamsTotal: sourcePlans.length, eventsTotal });

  report();
  await forEachConcurrently(
    sourcePlans,
    options.concurrency ?? 8,
    () => false,
    async (plan) => {
      const [original, copy] = await Promise.all([source.readStream(plan.streamId), target.readStream(plan.streamId)]);
      const problems = compareStreams(plan.streamId, original, copy);
      if (problems.length > 0) found.set(plan.streamId, problems);
      progress.streamsDone += 1;
      progress.eventsDone += original.length;
      report();
    },
  );
  extraStreams(sourcePlans, targetPlans).forEach((plan) =>
    found.set(plan.streamId, [{ streamId: plan.streamId, problem: `only on the target (${plan.events} events)` }]),
  );

  // Listed in the source's stream order, then the target's extra streams: the same order every run.
  const order = [...sourcePlans, ...extraStreams(sourcePlans, targetPlans)].map((plan) => plan.streamId);
  const all = order.flatMap((streamId) => found.get(streamId) ?? []);
  const problems = all.slice(0, options.maxProblems ?? 50);
  return {
    streams: sourcePlans.length,
    events: progress.eventsDone,
    problems,
    streamsWithProblems: found.size,
    truncated: all.length > problems.length,
  };
}

function extraStreams(sourcePlans: readonly StreamPlan[], targetPlans: readonly StreamPlan[]): StreamPlan[] {
  const inSource = new Set(sourcePlans.map((plan) => plan.streamId));
  return targetPlans.filter((plan) => !inSource.has(plan.streamId));
}

/** Where one stream's copy differs from its original, and whether the copy's chain holds. */
export function compareStreams(streamId: string, original: readonly StoredEvent[], copy: readonly StoredEvent[]): VerifyProblem[] {
  const problems: VerifyProblem[] = [];
  if (copy.length !== original.length) {
    problems.push({
      streamId,
      revision: Math.min(copy.length, original.length),
      problem: `${copy.length} events on the target, ${original.length} on the source`,
    });
  }
  const firstDifference = original.slice(0, copy.length).findIndex((event, revision) => differenceOf(event, copy[revision]) !== null);
  if (firstDifference >= 0) {
    problems.push({
      streamId,
      revision: firstDifference,
      problem: differenceOf(original[firstDifference], copy[firstDifference]) as string,
    });
  }
  const broken = verifyChain(copy);
  if (broken !== null) {
    const alsoOnSource = verifyChain(original)?.revision === broken.revision;
    problems.push({
      streamId,
      revision: broken.revision,
      problem: `hash chain broken on the target (${broken.problem})${alsoOnSource ? ', as it is on the source' : ''}`,
    });
  }
  return problems;
}

function differenceOf(original: StoredEvent, copy: StoredEvent): string | null {
  if (copy.revision !== original.revision) return `revision ${copy.revision} on the target, ${original.revision} on the source`;
  if (copy.id !== original.id) return `event id ${copy.id} on the target, ${original.id} on the source`;
  if (copy.type !== original.type) return `type ${copy.type} on the target, ${original.type} on the source`;
  if (canonicalJson(copy.data) !== canonicalJson(original.data)) return `event ${original.id}: data differs`;
  const differentKeys = differingKeys(original.metadata, copy.metadata);
  if (differentKeys.length > 0) return `event ${original.id}: metadata differs (${differentKeys.join(', ')})`;
  return null;
}

/** The metadata entries that differ, by name (e.g. `recordedAt`), so a re-dated copy says so. */
function differingKeys(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.filter((key) => canonicalJson(a[key]) !== canonicalJson(b[key]));
}
