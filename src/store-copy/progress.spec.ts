import { formatDuration, formatProgress, progressPrinter, type Progress } from './progress';

const copying = (eventsDone: number, streamsDone = 10): Progress => ({
  phase: 'copy',
  streamsDone,
  eventsDone,
  streamsTotal: 100,
  eventsTotal: 1200,
});

describe('progress', () => {
  it('formats durations for people', () => {
    expect([0, 4_400, 65_000, 3_725_000].map(formatDuration)).toEqual(['0s', '4s', '1m 05s', '1h 02m']);
  });

  it('says how far, how fast and how long is left', () => {
    expect(formatProgress(copying(200), 2_000)).toBe('copy    10/100 streams  200/1,200 events  5 streams/s  100 events/s  ETA 10s');
  });

  it('has no ETA while the totals are unknown, or before anything moved', () => {
    expect(formatProgress({ phase: 'scan', streamsDone: 3, eventsDone: 40, streamsTotal: null, eventsTotal: null }, 1_000)).toBe(
      'scan    3 streams  40 events  3 streams/s  40 events/s  ETA ?',
    );
    expect(formatProgress(copying(0, 0), 1_000)).toMatch(/ETA \?$/);
    expect(formatProgress(copying(1200, 100), 1_000)).toMatch(/ETA 0s$/);
  });

  it('prints the first report of each phase, then at most one line per interval, and the latest on flush', () => {
    let now = 1_000;
    const lines: string[] = [];
    const printer = progressPrinter((line) => lines.push(line), { intervalMs: 1_000, now: () => now });
    printer.report(copying(0));
    now += 300;
    printer.report(copying(100));
    now += 300;
    printer.report(copying(200));
    now += 500;
    printer.report(copying(300));
    printer.flush();
    printer.flush();
    now += 100;
    printer.report(copying(400));
    printer.report({ phase: 'verify', streamsDone: 0, eventsDone: 0, streamsTotal: 100, eventsTotal: 1200 });
    const phaseAndEvents = (line: string) => line.replace(/^(\w+)\s+\S+ streams\s+(\S+) events.*$/, '$1 $2');
    expect(lines.map(phaseAndEvents)).toEqual(['copy 0/1,200', 'copy 300/1,200', 'copy 400/1,200', 'verify 0/1,200']);
  });
});
