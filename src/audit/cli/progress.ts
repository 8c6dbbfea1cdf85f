/**
 * Progress of a long run over every journey, for stderr: journeys and events per second and the
 * time left, so an auditor replaying a large store can tell it is moving and when it will end.
 * Time is passed in (milliseconds from a monotonic source), so the arithmetic is testable.
 */

export interface ProgressPoint {
  done: number;
  total: number;
  events: number;
  elapsedMs: number;
}

const whole = (value: number) => Math.round(value).toLocaleString('en-GB');

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return 'unknown';
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** e.g. `500/2,000 journeys (25%), 6,000 events, 1,000 journeys/s, 12,000 events/s, ETA 1.5 s` */
export function progressLine({ done, total, events, elapsedMs }: ProgressPoint): string {
  const seconds = elapsedMs / 1000;
  const journeysPerSecond = seconds > 0 ? done / seconds : 0;
  const eventsPerSecond = seconds > 0 ? events / seconds : 0;
  const percent = total > 0 ? Math.floor((done / total) * 100) : 100;
  const eta = journeysPerSecond > 0 ? ((total - done) / journeysPerSecond) * 1000 : Number.POSITIVE_INFINITY;
  return (
    `${whole(done)}/${whole(total)} journeys (${percent}%), ${whole(events)} events, ` +
    `${whole(journeysPerSecond)} journeys/s, ${whole(eventsPerSecond)} events/s, ` +
    (done >= total ? `done in ${formatDuration(elapsedMs)}` : `ETA ${formatDuration(eta)}`)
  );
}

/**
 * Writes a progress line every `intervalMs`, and always the last one. None at the start: a rate
 * measured over the first journey (all start-up and JIT) would promise an absurd ETA.
 */
export class ProgressReporter {
  private lastWrittenMs: number;
  private events = 0;
  private done = 0;

  constructor(
    private readonly total: number,
    private readonly write: (line: string) => void,
    private readonly elapsedMs: () => number,
    private readonly intervalMs = 1000,
  ) {
    this.lastWrittenMs = elapsedMs();
  }

  advance(events: number): void {
    this.done += 1;
    this.events += events;
    const now = this.elapsedMs();
    if (this.done === this.total || now - this.lastWrittenMs >= this.intervalMs) {
      this.lastWrittenMs = now;
      this.write(progressLine({ done: this.done, total: this.total, events: this.events, elapsedMs: now }));
    }
  }
}
