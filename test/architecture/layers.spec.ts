/**
 * The layers, enforced by a test rather than by memory: the workflow is pure TypeScript. Nothing
 * under workflows/ may import Nest, the service, a store or I/O, and machine code may not read
 * a clock or draw random numbers (time arrives inside events).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const WORKFLOWS = join(ROOT, 'workflows');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.spec.ts') ? [path] : [];
  });
}

function importsOf(source: string): string[] {
  return [...source.matchAll(/(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|require\(\s*['"]([^'"]+)['"]\s*\)/g)].map(
    (match) => match[1] ?? match[2],
  );
}

const FORBIDDEN_IMPORTS = [
  /^@nestjs\//,
  /(^|\/)src\//,
  /^\.\.\/\.\.\/src/,
  /better-sqlite3/,
  /kurrentdb/,
  /^node:/,
  /^(fs|path|http|https|net|crypto|child_process)$/,
];
const IMPURE_CALLS = [/Date\.now\(/, /new Date\(\s*\)/, /Math\.random\(/, /performance\.now\(/, /setTimeout\(/, /console\./];

const files = sourceFiles(WORKFLOWS).map((path) => ({ name: relative(ROOT, path), source: readFileSync(path, 'utf8') }));

describe('workflows/ stays pure', () => {
  it('has source files to check', () => {
    expect(files.map((file) => file.name)).toEqual(expect.arrayContaining(['workflows/support-planning/v1.ts', 'workflows/runtime.ts']));
  });

  it.each(files)('$name imports no framework, service, store or I/O', ({ source }) => {
    const bad = importsOf(source).filter((specifier) => FORBIDDEN_IMPORTS.some((rule) => rule.test(specifier)));
    expect(bad).toEqual([]);
  });

  it.each(files.filter((file) => !file.name.includes('/testing/')))('$name reads no clock and draws no random numbers', ({ source }) => {
    const bad = IMPURE_CALLS.filter((rule) => rule.test(source)).map(String);
    expect(bad).toEqual([]);
  });

  it('the rule itself catches a forbidden import', () => {
    expect(importsOf("import { Injectable } from '@nestjs/common';").some((s) => FORBIDDEN_IMPORTS.some((r) => r.test(s)))).toBe(true);
  });
});
