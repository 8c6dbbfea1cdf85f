/**
 * npm run bench -- <name> [options]
 *
 * One entry point for the benchmarks. Each bench runs the engine and the raw store it sits on
 * side by side in one run, prints its figures and their ratios, and with `--json <file>` writes
 * them (with the machine) to a file; none asserts anything. Add a bench by adding a line below:
 * its module exports `run(argv)`.
 */
type BenchMain = (argv: readonly string[]) => Promise<void>;

const BENCHES: Record<string, { about: string; load: () => Promise<{ run: BenchMain }> }> = {
  append: { about: 'durable commands/s through HTTP vs raw SQLite inserts', load: () => import('./append') },
  'long-stream': { about: 'command latency on journeys of 10 to 10,000 events', load: () => import('./long-stream') },
  memory: { about: 'resident memory of the service with 100,000 journeys', load: () => import('./memory') },
  'read-starvation': {
    about: 'liveness p99 while 40 clients export a 600-event journey, vs at rest',
    load: () => import('./read-starvation'),
  },
  rebuild: {
    about: 'read models rebuilt beside the serving ones vs raw port read; seconds not answering',
    load: () => import('./rebuild'),
  },
  replay: { about: 'events/s replayed and verified vs raw read of the same store', load: () => import('./replay') },
};

function usage(): string {
  const lines = Object.entries(BENCHES).map(([name, bench]) => `  ${name.padEnd(12)} ${bench.about}`);
  return ['usage: npm run bench -- <name> [--json <file>] [options]', ...lines].join('\n');
}

async function main(argv: readonly string[]): Promise<void> {
  const [name, ...rest] = argv;
  const bench = name === undefined ? undefined : BENCHES[name];
  if (!bench) {
    console.error(name === undefined || name === '--help' ? usage() : `unknown bench ${name}\n${usage()}`);
    process.exitCode = name === '--help' ? 0 : 2;
    return;
  }
  const { run } = await bench.load();
  await run(rest);
}

main(process.argv.slice(2)).then(
  // Explicit exit: a bench may leave a keep-alive socket or timer behind; its figures are printed.
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
