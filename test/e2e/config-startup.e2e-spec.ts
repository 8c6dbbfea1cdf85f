/**
 * A bad configuration stops the service before it starts, with one message naming every bad
 * variable and its rule: through main.ts as a process (what an operator sees), and through
 * ConfigModule when the app is built (what the e2e tests and any other entry point see).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ConfigError } from '../../src/config/load-config';
import { startApp, tempDataDir } from '../support/test-app';

const ROOT = join(__dirname, '..', '..');

describe('starting with a bad configuration', () => {
  const data = tempDataDir();
  afterAll(() => data.remove());

  it('main.ts prints every bad variable at once, no stack, and exits 1 without listening', () => {
    const run = spawnSync(process.execPath, ['--require', 'ts-node/register/transpile-only', 'src/main.ts'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH,
        NO_COLOR: '1',
        NODE_ENV: 'production',
        PORT: 'eighty',
        EVENT_STORE: 'postgres',
        SQLITE_FILE: data.file,
        AUTH_SECRET: 'too-short-and-secret',
        OIDC_CLIENT_ID: 'planner',
      },
      timeout: 120_000,
    });
    const output = `${run.stdout}${run.stderr}`;
    expect(run.status).toBe(1);
    const oidcRule = 'is required when any of OIDC_ISSUER_URL, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET is set';
    expect(output).toContain(
      [
        'Cannot start: Invalid configuration:',
        '  - PORT must be a whole number from 1 to 65535 (got "eighty")',
        '  - POSTGRES_URL is required when EVENT_STORE=postgres',
        '  - AUTH_SECRET must be at least 32 characters long (got 20)',
        `  - OIDC_ISSUER_URL ${oidcRule}`,
        `  - OIDC_CLIENT_SECRET ${oidcRule}`,
      ].join('\n'),
    );
    expect(output).not.toContain('too-short-and-secret');
    expect(output).not.toMatch(/^\s+at /m);
    expect(output).not.toContain('listening');
  });

  it('building the app refuses the same way (ConfigModule reads the environment when the app is built)', async () => {
    const built = startApp({ file: data.file, env: { RATE_LIMIT_WRITES_PER_MINUTE: '0', WORKFLOW_VERSION: '9' } });
    await expect(built).rejects.toThrow(ConfigError);
    await expect(built).rejects.toThrow(
      [
        'Invalid configuration:',
        '  - RATE_LIMIT_WRITES_PER_MINUTE must be a whole number from 1 to 1000000 (got "0")',
        '  - WORKFLOW_VERSION must be a registered version of support-planning: 1, 2 (got "9")',
      ].join('\n'),
    );
  });
});
