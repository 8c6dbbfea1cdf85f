/**
 * Re-records the expected summary and clocks of golden histories (test/golden/*.json).
 *
 * Regenerating a golden history is a decision, never a side effect. A golden history records how
 * a stored journey replayed when it was recorded; `test/golden/golden.spec.ts` replays it against
 * the current code and fails when the result differs, because a change in how a recorded journey
 * replays is exactly what pinned workflow versions must prevent. Run this only when such a change
 * is intended (a bug fix in how v1 journeys replay, say), review the diff, and say why in the
 * commit. No test calls it.
 *
 *   npx ts-node --transpile-only scripts/record-golden.ts test/golden/<name>.json ...   # report only
 *   npx ts-node --transpile-only scripts/record-golden.ts --accept test/golden/<name>.json ...
 *
 * Without --accept it writes nothing: it says which fixtures would change and exits 1 if any would.
 * A fixture whose events the workflow refuses is never recorded.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import {
  WorkflowRegistry,
  computeClocks,
  replayChecked,
  summarise,
  type ClockInstance,
  type JourneyEvent,
  type JourneySummary,
} from '../workflows';

interface GoldenHistory {
  description?: string;
  workflow: { id: string; version: number };
  events: JourneyEvent[];
  expectedSummary?: JourneySummary;
  expectedClocks?: ClockInstance[];
}

const args = process.argv.slice(2);
const accept = args.includes('--accept');
const files = args.filter((arg) => arg !== '--accept');
if (files.length === 0) {
  process.stderr.write('usage: record-golden.ts [--accept] test/golden/<name>.json ...\n');
  process.exit(2);
}

const registry = new WorkflowRegistry();
let wouldChange = 0;
for (const file of files) {
  const history = JSON.parse(readFileSync(file, 'utf8')) as GoldenHistory;
  const definition = registry.get(history.workflow.id, history.workflow.version);
  const result = replayChecked(definition, history.events);
  if (result.refusedAt !== null) {
    const reason = result.refusal && !result.refusal.ok ? result.refusal.reason : '';
    process.stderr.write(`${file}: event ${result.refusedAt} is refused (${reason}); not recorded\n`);
    process.exitCode = 1;
    continue;
  }
  const summary = summarise(definition, result.snapshot);
  const clocks = computeClocks(definition.policy, history.events);
  if (isDeepStrictEqual(summary, history.expectedSummary) && isDeepStrictEqual(clocks, history.expectedClocks)) {
    process.stdout.write(`${file}: unchanged\n`);
    continue;
  }
  if (!accept) {
    wouldChange += 1;
    process.stdout.write(`${file}: the expected summary or clocks would change (run with --accept to record them)\n`);
    continue;
  }
  writeFileSync(file, `${JSON.stringify({ ...history, expectedSummary: summary, expectedClocks: clocks }, null, 2)}\n`);
  process.stdout.write(`${file}: expected summary and clocks recorded\n`);
}
if (wouldChange > 0) process.exitCode = 1;
