/**
 * The real service as a separate process, for the benches and the kill -9 soak: the compiled
 * `src/main.js`, started with the environment production uses, on 127.0.0.1 and a free port.
 *
 * Each run uses a private copy of the build (in a temp directory), because other people and
 * other test workers run `nest build` in the same checkout, and its `deleteOutDir` would pull
 * `dist/` away from under a server that is being restarted. The copy is `dist/` when `dist/` is
 * newer than every source file; otherwise the app is compiled straight into the temp directory
 * (the same `tsc -p tsconfig.build.json` that `nest build` runs, a few seconds).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { step } from './progress';
import { SqliteAccessLog, accessLogFile } from '../../../src/access-log/access-log';

export const REPO_ROOT = resolve(__dirname, '..', '..', '..');

/** How many lines of the server's output are kept to explain a failure. */
const OUTPUT_LINES_KEPT = 200;
const READY_POLL_MS = 50;

export interface BuiltApp {
  mainJs: string;
  /** A `--require` preload that answers `memory?` on the IPC channel with process.memoryUsage(). */
  memoryProbeJs: string;
  /** `dist` (copied) or `compiled` (built for this run). */
  source: 'dist' | 'compiled';
}

export interface ServiceOptions {
  app: BuiltApp;
  sqliteFile: string;
  authSecret: string;
  /** Further variables (RATE_LIMIT_WRITES_PER_MINUTE...). */
  env?: Record<string, string>;
  /** How long start-up may take; catching up large read models happens before listening. */
  readyTimeoutMs?: number;
  /** Called with each chunk the service writes (stdout and stderr), e.g. to show its progress. */
  onOutput?: (text: string) => void;
}

export interface ServiceProcess {
  readonly port: number;
  readonly pid: number;
  /** process.memoryUsage() measured inside the service process. */
  memory(): Promise<NodeJS.MemoryUsage>;
  /** SIGKILL: no shutdown hook, no WAL checkpoint, requests in flight cut off. */
  kill(): Promise<void>;
  /** SIGTERM: the graceful shutdown main.ts registers. */
  stop(): Promise<void>;
  /** The last lines the server wrote, for failure messages. */
  output(): string;
}

/** Servers still running, killed if the bench or test process exits first. */
const running = new Set<ChildProcess>();
process.once('exit', () => running.forEach((child) => child.kill('SIGKILL')));

let built: BuiltApp | null = null;
let buildDir: string | null = null;

/** The app to run, prepared once per process; removed when the process exits. */
export function prepareApp(): BuiltApp {
  if (built) return built;
  buildDir = mkdtempSync(join(tmpdir(), 'spe-build-'));
  process.once('exit', () => buildDir && rmSync(buildDir, { recursive: true, force: true }));
  const source = distIsFresh() ? copyDist(buildDir) : compileInto(buildDir);
  const memoryProbeJs = join(buildDir, 'memory-probe.js');
  writeFileSync(memoryProbeJs, MEMORY_PROBE);
  built = { mainJs: join(buildDir, 'src', 'main.js'), memoryProbeJs, source };
  return built;
}

// Plain JavaScript so that it needs no compiler in the service process (which would add its
// own memory to the figure it reports).
const MEMORY_PROBE = `process.on('message', (message) => {
  if (message === 'memory?' && process.send) process.send({ memory: process.memoryUsage() });
});
`;

function distIsFresh(): boolean {
  const main = join(REPO_ROOT, 'dist', 'src', 'main.js');
  if (!existsSync(main)) return false;
  const builtAt = statSync(main).mtimeMs;
  const inputs = ['src', 'workflows'].flatMap((dir) => filesUnder(join(REPO_ROOT, dir)));
  inputs.push(...['package.json', 'tsconfig.json', 'tsconfig.build.json'].map((file) => join(REPO_ROOT, file)));
  return inputs.every((file) => statSync(file).mtimeMs <= builtAt);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

function copyDist(target: string): 'dist' {
  cpSync(join(REPO_ROOT, 'dist'), target, { recursive: true });
  return 'dist';
}

function compileInto(target: string): 'compiled' {
  step('building the app for this run (dist/ is older than the sources)');
  const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', join(REPO_ROOT, 'tsconfig.build.json'), '--outDir', target], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`building the app failed:\n${result.stdout}${result.stderr}`);
  return 'compiled';
}

/** A port the kernel says is free right now on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** Starts the service and resolves once /health/live answers 200. */
export async function startService(options: ServiceOptions): Promise<ServiceProcess> {
  await ensureAccessLog(options.sqliteFile);
  const port = await freePort();
  const child = spawn(process.execPath, [...serviceNodeArgs(), '--require', options.app.memoryProbeJs, options.app.mainJs], {
    cwd: REPO_ROOT,
    env: serviceEnv(options, port),
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const service = new ChildService(child, port, options.onOutput);
  await service.waitUntilLive(options.readyTimeoutMs ?? 60_000);
  return service;
}

/** `BENCH_SERVICE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"` profiles the service under load. */
function serviceNodeArgs(): string[] {
  return (process.env.BENCH_SERVICE_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
}

/**
 * A store seeded straight into its file never had a service open its access log, and the service
 * refuses to start on journeys whose access log is missing (it could have been deleted). A seeded
 * store is new: it gets the empty log a first start would have made, complete from the start.
 */
async function ensureAccessLog(sqliteFile: string): Promise<void> {
  const file = accessLogFile({ eventStore: 'sqlite', sqliteFile });
  if (!existsSync(file)) await new SqliteAccessLog(file).close();
}

function serviceEnv(options: ServiceOptions, port: number): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    // The build lives outside the checkout: this is how it finds the checkout's packages.
    NODE_PATH: join(REPO_ROOT, 'node_modules'),
    NODE_ENV: 'production',
    PORT: String(port),
    EVENT_STORE: 'sqlite',
    SQLITE_FILE: options.sqliteFile,
    AUTH_SECRET: options.authSecret,
    NO_COLOR: '1',
    ...options.env,
  };
}

class ChildService implements ServiceProcess {
  private readonly lines: string[] = [];
  private readonly exited: Promise<void>;
  private exitCode: number | null | undefined;

  constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    private readonly onOutput?: (text: string) => void,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => this.keep(chunk));
    child.stderr?.on('data', (chunk: Buffer) => this.keep(chunk));
    this.exited = new Promise((resolveExit) =>
      child.once('exit', (code, signal) => {
        this.exitCode = code ?? (signal ? -1 : 0);
        running.delete(child);
        resolveExit();
      }),
    );
    running.add(child);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  async waitUntilLive(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.exitCode !== undefined) throw new Error(`the service exited during start-up:\n${this.output()}`);
      if (await this.answersLive()) return;
      await pause(READY_POLL_MS);
    }
    await this.kill();
    throw new Error(`the service did not start within ${timeoutMs} ms:\n${this.output()}`);
  }

  memory(): Promise<NodeJS.MemoryUsage> {
    return new Promise((resolveMemory, reject) => {
      const timer = setTimeout(() => reject(new Error('the service did not report its memory')), 10_000);
      const onMessage = (message: unknown) => {
        const memory = (message as { memory?: NodeJS.MemoryUsage } | null)?.memory;
        if (!memory) return;
        clearTimeout(timer);
        this.child.off('message', onMessage);
        resolveMemory(memory);
      };
      this.child.on('message', onMessage);
      this.child.send('memory?');
    });
  }

  async kill(): Promise<void> {
    if (this.exitCode === undefined) this.child.kill('SIGKILL');
    await this.exited;
  }

  async stop(): Promise<void> {
    if (this.exitCode === undefined) this.child.kill('SIGTERM');
    await this.exited;
  }

  output(): string {
    return this.lines.join('');
  }

  private keep(chunk: Buffer): void {
    const text = chunk.toString('utf8');
    this.onOutput?.(text);
    this.lines.push(text);
    if (this.lines.length > OUTPUT_LINES_KEPT) this.lines.shift();
  }

  private answersLive(): Promise<boolean> {
    return new Promise((resolveLive) => {
      const req = httpGet({ host: '127.0.0.1', port: this.port, path: '/health/live', agent: false }, (res) => {
        res.resume();
        resolveLive(res.statusCode === 200);
      });
      req.setTimeout(1_000, () => req.destroy());
      req.on('error', () => resolveLive(false));
    });
  }
}

export function pause(ms: number): Promise<void> {
  return new Promise((resolvePause) => setTimeout(resolvePause, ms));
}
