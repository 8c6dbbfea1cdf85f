/**
 * Progress of a copy, as numbers (what the copy reports after every append) and as the one line
 * store:copy prints on stderr: how far, how fast, and how long is left.
 */

export type Phase = 'scan' | 'copy' | 'verify';

export interface Progress {
  phase: Phase;
  streamsDone: number;
  eventsDone: number;
  /** Known once the source has been scanned; null while scanning. */
  streamsTotal: number | null;
  eventsTotal: number | null;
}

export type ProgressListener = (progress: Progress) => void;

const number = new Intl.NumberFormat('en-GB');

/** `1h 02m`, `3m 05s`, `42s`. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = seconds % 60;
  if (hours > 0) return `${hours}h ${String(minutes).padStart(2, '0')}m`;
  if (minutes > 0) return `${minutes}m ${String(rest).padStart(2, '0')}s`;
  return `${rest}s`;
}

function counted(done: number, total: number | null, noun: string): string {
  return total === null ? `${number.format(done)} ${noun}` : `${number.format(done)}/${number.format(total)} ${noun}`;
}

/** One progress line; rates are averages since the phase began, `elapsedMs` ago. */
export function formatProgress(progress: Progress, elapsedMs: number): string {
  const seconds = Math.max(elapsedMs, 1) / 1000;
  const eventsPerSecond = progress.eventsDone / seconds;
  const streamsPerSecond = progress.streamsDone / seconds;
  const parts = [
    progress.phase.padEnd(6),
    counted(progress.streamsDone, progress.streamsTotal, 'streams'),
    counted(progress.eventsDone, progress.eventsTotal, 'events'),
    `${number.format(Math.round(streamsPerSecond))} streams/s`,
    `${number.format(Math.round(eventsPerSecond))} events/s`,
    `ETA ${eta(progress, eventsPerSecond)}`,
  ];
  return parts.join('  ');
}

function eta(progress: Progress, eventsPerSecond: number): string {
  if (progress.eventsTotal === null) return '?';
  const remaining = progress.eventsTotal - progress.eventsDone;
  if (remaining <= 0) return formatDuration(0);
  if (eventsPerSecond <= 0) return '?';
  return formatDuration((remaining / eventsPerSecond) * 1000);
}

export interface ProgressPrinter {
  /** Give it every progress report; it prints at most one line per interval, and the first of each phase. */
  report: ProgressListener;
  /** Print the latest report now (at the end of a phase, or when stopping). */
  flush(): void;
}

/** Throttles progress lines for a terminal or a log: `write` gets whole lines, with no newline. */
export function progressPrinter(write: (line: string) => void, options: { intervalMs: number; now: () => number }): ProgressPrinter {
  let phase: Phase | null = null;
  let phaseStarted = 0;
  let lastPrinted = Number.NEGATIVE_INFINITY;
  let latest: Progress | null = null;
  let latestPrinted = true;

  const print = (): void => {
    if (latest === null || latestPrinted) return;
    lastPrinted = options.now();
    latestPrinted = true;
    write(formatProgress(latest, lastPrinted - phaseStarted));
  };

  return {
    report(progress) {
      if (progress.phase !== phase) {
        print();
        phase = progress.phase;
        phaseStarted = options.now();
        lastPrinted = Number.NEGATIVE_INFINITY;
      }
      latest = progress;
      latestPrinted = false;
      if (options.now() - lastPrinted >= options.intervalMs) print();
    },
    flush: print,
  };
}
