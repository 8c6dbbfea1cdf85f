/**
 * The append bench's peer (scripts/bench/peer): the engine's command built with Emmett on SQLite,
 * served over HTTP. Its packages stay out of the main project (their dependency ranges conflict
 * with ours): they are installed into scripts/bench/peer/node_modules on first use, from its own
 * lock file. sqlite3 has no prebuilt binary reachable here, so the first install compiles it
 * (about ten minutes on a shared two-core machine); later runs reuse it.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { forkServer, type ForkedServer } from './forked-server';
import { step } from './progress';
import { REPO_ROOT } from './server-process';

const PEER_DIR = join(REPO_ROOT, 'scripts', 'bench', 'peer');
/** Written after a successful install: the lock file it installed, so a changed lock reinstalls. */
const INSTALLED_MARK = join(PEER_DIR, 'node_modules', '.installed-lock-sha256');
/** The packages whose versions the report names. */
const NAMED_PACKAGES = [
  '@event-driven-io/emmett',
  '@event-driven-io/emmett-sqlite',
  '@event-driven-io/emmett-expressjs',
  'express',
  'sqlite3',
];

/** Installs the peer's packages unless the installed ones match its lock file; throws saying why not. */
export function ensurePeerInstalled(): void {
  const lock = createHash('sha256')
    .update(readFileSync(join(PEER_DIR, 'package-lock.json')))
    .digest('hex');
  if (existsSync(INSTALLED_MARK) && readFileSync(INSTALLED_MARK, 'utf8') === lock) return;
  step('peer: installing Emmett and sqlite3 (npm ci in scripts/bench/peer; the first time compiles sqlite3, about 10 minutes)');
  const started = Date.now();
  // npm's output goes to stderr with the bench's progress: stdout is the report's.
  const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: PEER_DIR, stdio: ['ignore', 2, 2] });
  if (result.error) throw new Error(`npm ci could not run: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`npm ci in scripts/bench/peer failed (exit ${result.status}; its output is above)`);
  writeFileSync(INSTALLED_MARK, lock);
  step(`peer: installed in ${Math.round((Date.now() - started) / 1000)} s`);
}

/** The peer on a fresh store in `sqliteFile`. */
export function startPeerServer(sqliteFile: string): Promise<ForkedServer> {
  return forkServer(join(PEER_DIR, 'server.mjs'), { PATH: process.env.PATH, PEER_SQLITE_FILE: sqliteFile, NODE_ENV: 'production' });
}

/** "@event-driven-io/emmett 0.38.5, ..." as installed. */
export function peerVersions(): string {
  return NAMED_PACKAGES.map((name) => {
    const manifest = JSON.parse(readFileSync(join(PEER_DIR, 'node_modules', name, 'package.json'), 'utf8')) as { version: string };
    return `${name} ${manifest.version}`;
  }).join(', ');
}
