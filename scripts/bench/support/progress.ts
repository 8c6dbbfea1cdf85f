/**
 * What a bench is doing, on stderr while it runs (the report goes to stdout at the end): a line
 * at each phase, and a rate with the time left while seeding, so a run of several minutes is
 * never silent.
 */
import { ProgressReporter } from '../../../src/audit/cli/progress';

const started = process.hrtime.bigint();
const elapsedMs = () => Number(process.hrtime.bigint() - started) / 1e6;

export function step(message: string): void {
  process.stderr.write(`[bench ${(elapsedMs() / 1000).toFixed(1)} s] ${message}\n`);
}

/** Progress of seeding `journeys` journeys, a line every two seconds and at the end. */
export function seedingProgress(journeys: number): ProgressReporter {
  step(`seeding ${journeys.toLocaleString('en-GB')} journeys`);
  const seedingStarted = elapsedMs();
  return new ProgressReporter(
    journeys,
    (line) => step(`seeded ${line}`),
    () => elapsedMs() - seedingStarted,
    2_000,
  );
}

/** Forwards the service's own progress lines (catching up its read models) while a bench waits for it. */
export function serviceProgress(output: string): void {
  for (const line of output.split('\n'))
    if (line.includes('catching up')) step(`service: ${line.replace(/^.*catching up/, 'catching up')}`);
}
