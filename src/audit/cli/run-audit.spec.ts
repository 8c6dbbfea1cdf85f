/**
 * The audit CLI's command line, in-process: generated help, and the exit codes for a command line
 * it refuses before opening any file. test/e2e/audit-*.e2e-spec.ts run the commands on real files.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT, HELP_HINT } from '../../common/cli';
import type { AuditIo } from './cli-io';
import { runAudit } from './run-audit';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'spe-audit-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI with an event file that does not exist: anything that gets as far as opening it says so. */
async function audit(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: AuditIo = {
    out: (text) => out.push(text),
    err: (text) => err.push(text),
    env: { SQLITE_FILE: join(dir, 'absent.db') },
    now: () => new Date('2026-01-01T00:00:00Z'),
    elapsedMs: () => 0,
    writeFile: () => {
      throw new Error('nothing is written by a refused command line');
    },
    user: 'tester',
  };
  const code = await runAudit(argv, io);
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('npm run audit -- --help', () => {
  it('lists every command on stdout and exits 0', async () => {
    const { code, stdout, stderr } = await audit('--help');
    expect(code).toBe(EXIT.ok);
    expect(stderr).toBe('');
    for (const command of ['verify', 'checkpoint', 'replay', 'export']) expect(stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    expect(stdout).toContain('Exit 0: sound; 1: something broken or changed; 2: the command could not run.');
  });

  it("lists a command's options, with the choices and defaults it checks", async () => {
    const { code, stdout } = await audit('export', '--help');
    expect(code).toBe(EXIT.ok);
    expect(stdout).toMatch(/^Usage: audit export \[options\]/);
    expect(stdout).toMatch(/--format <format> .*\(choices: "json", "html", default:\s+"json"\)/s);
    for (const option of ['--journey <id>', '--out <file>', '--as <name>', '--file <sqlite>']) expect(stdout).toContain(option);
  });

  it('with no command, prints the help on stderr and exits 2', async () => {
    const { code, stdout, stderr } = await audit();
    expect([code, stdout]).toEqual([EXIT.usage, '']);
    expect(stderr).toMatch(/^Usage: audit <command> \[options\]/);
  });
});

describe('a command line the CLI refuses: exit 2 before any file is opened, saying why', () => {
  const JOURNEY = '00000000-0000-4000-8000-000000000000';
  it.each([
    [['frobnicate'], "audit: unknown command 'frobnicate'"],
    [['verfy'], '(Did you mean verify?)'],
    [['verify', '--bogus'], "audit: unknown option '--bogus'"],
    [['verify', 'extra'], "audit: too many arguments for 'verify'"],
    [['verify', '--journey', 'not-a-uuid'], '--journey must be a journey UUID (got not-a-uuid)'],
    [['verify', '--journey', JOURNEY, '--all'], "option '--journey <id>' cannot be used with option '--all'"],
    [['verify', '--checkpoint', 'cp.json', '--all'], "option '--checkpoint <file>' cannot be used with option '--all'"],
    [['export'], "audit: required option '--journey <id>' not specified"],
    [['export', '--journey', JOURNEY, '--format', 'pdf'], 'Allowed choices are json, html'],
    [['export', '--journey', JOURNEY, '--as', 'two words'], '--as must be a name of letters, digits and . _ @ -'],
  ])('%j', async (argv, message) => {
    const { code, stdout, stderr } = await audit(...argv);
    expect([code, stdout]).toEqual([EXIT.usage, '']);
    expect(stderr).toContain(message);
    expect(stderr).toContain(HELP_HINT);
    expect(stderr).not.toContain('no event store');
  });

  it('a well-formed command on a missing event file: exit 2 naming the file', async () => {
    const { code, stderr } = await audit('verify', '--all');
    expect(code).toBe(EXIT.usage);
    expect(stderr).toContain(`audit: no event store at ${join(dir, 'absent.db')}`);
  });
});
