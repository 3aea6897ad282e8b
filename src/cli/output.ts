/** `--json` prints one line of JSON; otherwise a short readable text or an aligned table. */
import type { CliRuntime } from './runtime.ts';

export interface OutputOptions {
  json?: boolean;
}

export function emit(rt: CliRuntime, opts: OutputOptions, value: unknown, text: () => string): void {
  rt.io.out(opts.json ? `${JSON.stringify(value)}\n` : text());
}

/** A title line, then `key  value` lines aligned on the keys. */
export function fields(title: string, values: Record<string, unknown>): string {
  const width = Math.max(...Object.keys(values).map((k) => k.length));
  const lines = Object.entries(values).map(([k, v]) => `  ${k.padEnd(width)}  ${show(v)}`);
  return `${[title, ...lines].join('\n')}\n`;
}

export function table<T extends object>(rows: readonly T[], columns: readonly (keyof T & string)[], empty: string): string {
  if (!rows.length) return `${empty}\n`;
  const cells = rows.map((row) => columns.map((c) => show(row[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return `${[line(columns), ...cells.map(line)].join('\n')}\n`;
}

export function show(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return String(value);
}

/** Unix seconds as an ISO date for tables. */
export function when(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
