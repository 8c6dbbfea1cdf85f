/**
 * CSV as RFC 4180 writes it: a field with a comma, a quote or a line break is quoted, quotes
 * doubled; lines end CRLF. Small enough not to need a library.
 */

function field(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function toCsv(headers: readonly string[], rows: ReadonlyArray<Readonly<Record<string, string>>>): string {
  const lines = [headers, ...rows.map((row) => headers.map((header) => row[header] ?? ''))];
  return `${lines.map((line) => line.map(field).join(',')).join('\r\n')}\r\n`;
}
