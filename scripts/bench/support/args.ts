/** Command-line options of a bench: `--json <file>` plus whole-number settings with defaults. */
import { parseArgs } from 'node:util';

export interface BenchArgs<K extends string> {
  json?: string;
  values: Record<K, number>;
}

/**
 * Parses `argv` strictly (an unknown or misspelt option is an error, not silently a default).
 * `defaults` names every numeric option and its value when not given.
 */
export function parseBenchArgs<K extends string>(argv: readonly string[], defaults: Record<K, number>): BenchArgs<K> {
  const names = Object.keys(defaults) as K[];
  const options: Record<string, { type: 'string' }> = { json: { type: 'string' } };
  names.forEach((name) => (options[name] = { type: 'string' }));
  // Every option is a string option, so every value is a string or absent.
  const given = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values as Record<string, string | undefined>;
  const parsed = {} as Record<K, number>;
  for (const name of names) {
    const raw = given[name];
    parsed[name] = raw === undefined ? defaults[name] : wholeNumber(name, raw);
  }
  return { json: given.json, values: parsed };
}

function wholeNumber(name: string, raw: string): number {
  const number = Number(raw);
  if (!Number.isSafeInteger(number) || number < 0) throw new Error(`--${name} must be a whole number (got ${raw})`);
  return number;
}
