/** Reading and judging one environment variable: shared by every part of the configuration. */

export type Env = Readonly<Record<string, string | undefined>>;

/** One bad variable: its name and the rule it breaks (with the offending value when not secret). */
export interface ConfigIssue {
  variable: string;
  rule: string;
}

/** Empty strings count as unset: compose files and CI often pass `VAR=` for "not configured". */
export function value(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw === undefined || raw === '' ? undefined : raw;
}

/** Quotes a non-secret value for a message, cut short so a pasted blob cannot flood the log. */
export function shown(raw: string): string {
  return JSON.stringify(raw.length > 60 ? `${raw.slice(0, 60)}…` : raw);
}

export function parseWholeNumber(
  variable: string,
  raw: string | undefined,
  range: { min: number; max: number; fallback: number },
  issues: ConfigIssue[],
): number {
  if (raw === undefined) return range.fallback;
  const number = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (Number.isSafeInteger(number) && number >= range.min && number <= range.max) return number;
  issues.push({ variable, rule: `must be a whole number from ${range.min} to ${range.max} (got ${shown(raw)})` });
  return range.fallback;
}
