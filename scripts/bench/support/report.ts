/**
 * What every bench prints, and writes with `--json <file>`: its figures, the ratios between them
 * (the part that holds on a noisy machine) and the machine it ran on, so a figure is never quoted
 * without the hardware that produced it.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, freemem, totalmem } from 'node:os';
import { dirname } from 'node:path';

export interface Figure {
  value: number;
  unit: string;
}

export interface BenchReport {
  bench: string;
  /** The settings the run used (counts, concurrency), so two reports can be compared fairly. */
  settings: Record<string, number | string | boolean>;
  figures: Record<string, Figure>;
  ratios: Record<string, number>;
  /** Ratios a run could not measure, with the reason (printed loudly, kept in the JSON). */
  notMeasured?: Record<string, string>;
  notes: string[];
}

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryTotalGiB: number;
  memoryFreeGiB: number;
  node: string;
  platform: string;
  /** Milliseconds for a fixed single-thread workload: compares two machines of the same kind. */
  calibrationMs: number;
}

export function machine(): Machine {
  const gib = (bytes: number) => Math.round((bytes / 2 ** 30) * 10) / 10;
  return {
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryTotalGiB: gib(totalmem()),
    memoryFreeGiB: gib(freemem()),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    calibrationMs: calibrate(),
  };
}

/**
 * The engine's hottest kinds of work (JSON both ways, SHA-256 over the text), a fixed amount on
 * one thread, best of three. Machines of one kind differ (one ran every bench twice as fast as
 * another, a session apart): two reports are comparable when their calibrations are.
 */
function calibrate(): number {
  const document = {
    items: Array.from({ length: 200 }, (_, n) => ({
      id: `item-${n}`,
      amountPence: n * 125,
      words: `in the person's own words, number ${n}`,
    })),
  };
  let best = Number.POSITIVE_INFINITY;
  for (let run = 0; run < 3; run += 1) {
    const started = process.hrtime.bigint();
    for (let n = 0; n < 300; n += 1) {
      const text = JSON.stringify(document);
      createHash('sha256').update(text).digest('hex');
      JSON.parse(text);
    }
    best = Math.min(best, Number(process.hrtime.bigint() - started) / 1e6);
  }
  return Math.round(best * 10) / 10;
}

export function printReport(report: BenchReport, host: Machine): void {
  console.log(`\n== bench ${report.bench} ==`);
  console.log(
    `machine: ${host.cpus} cpus (${host.cpuModel}), ${host.memoryTotalGiB} GiB, node ${host.node}, ${host.platform}, ` +
      `calibration ${host.calibrationMs} ms (lower is faster)`,
  );
  console.log(
    `settings: ${Object.entries(report.settings)
      .map(([name, value]) => `${name}=${value}`)
      .join(' ')}`,
  );
  const width = Math.max(...Object.keys(report.figures).map((name) => name.length), 10);
  for (const [name, figure] of Object.entries(report.figures)) {
    console.log(`  ${name.padEnd(width)}  ${formatNumber(figure.value).padStart(12)} ${figure.unit}`);
  }
  for (const [name, value] of Object.entries(report.ratios)) {
    console.log(`  ${name.padEnd(width)}  ${formatNumber(value).padStart(12)} ×`);
  }
  for (const [name, reason] of Object.entries(report.notMeasured ?? {})) console.log(`  ${name.padEnd(width)}  NOT MEASURED: ${reason}`);
  report.notes.forEach((note) => console.log(`  note: ${note}`));
}

/** Writes the report with the machine; `bench-results/` is gitignored for this. */
export function writeJson(file: string, report: BenchReport, host: Machine): void {
  mkdirSync(dirname(file), { recursive: true });
  const document = { ...report, machine: host, takenAt: new Date().toISOString() };
  writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`);
  console.log(`wrote ${file}`);
}

/** Prints, and writes JSON when asked: the one way a bench ends. */
export function finish(report: BenchReport, jsonFile: string | undefined): void {
  const host = machine();
  printReport(report, host);
  if (jsonFile !== undefined) writeJson(jsonFile, report, host);
}

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const size = Math.abs(value);
  // Small ratios keep three significant digits: 0.004 must not print as 0.00.
  const digits = size >= 100 ? 0 : size >= 10 ? 1 : size >= 0.1 || size === 0 ? 2 : Math.min(6, 2 - Math.floor(Math.log10(size)));
  return value.toLocaleString('en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}
