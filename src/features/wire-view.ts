/**
 * Turns a dataset row (every value a string, as the dataset API serves it) into the typed shape
 * Mydex's feature-block OpenAPI promises, field by field from a view table. SDKs generated from
 * that document deserialise strictly, so a value that cannot take the promised type is left out
 * rather than sent wrong, and only `nullable` fields ever carry null.
 */
import type { RowView } from '../pds/row-page.ts';

export type WireType = 'string' | 'nullable' | 'integer' | 'number' | 'boolean' | 'object';

export interface ViewField {
  /** the dataset field (or system field) the value comes from */
  readonly from: string;
  readonly type: WireType;
  /** the OpenAPI enum, when it has one */
  readonly choices?: readonly string[];
}

/** response field → where it comes from, in response order */
export type ViewSpec = Readonly<Record<string, ViewField>>;

export const field = (from: string, type: WireType = 'string', choices?: readonly string[]): ViewField =>
  choices ? { from, type, choices } : { from, type };

const INTEGER = /^-?\d{1,16}$/;

/** Only fields present in the row appear: a field the connection may not read is never in it. */
export function project(row: RowView, spec: ViewSpec): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(spec)) {
    if (!Object.hasOwn(row, f.from)) continue;
    const value = wireValue(row[f.from] ?? null, f);
    if (value !== undefined) out[name] = value;
  }
  return out;
}

function wireValue(raw: string | null, f: ViewField): unknown {
  if (raw === null) return f.type === 'nullable' ? null : undefined;
  switch (f.type) {
    case 'string':
    case 'nullable':
      return f.choices && !f.choices.includes(raw) ? undefined : raw;
    case 'integer':
      return INTEGER.test(raw.trim()) && Number.isSafeInteger(Number(raw)) ? Number(raw) : undefined;
    case 'number': {
      const n = Number(raw);
      return raw.trim() !== '' && Number.isFinite(n) ? n : undefined;
    }
    case 'boolean':
      return !['', '0', 'false'].includes(raw.trim().toLowerCase());
    case 'object':
      return parseObject(raw);
  }
}

function parseObject(raw: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(raw);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** An integer value of a row field, when it is present and readable. */
export function intOf(row: RowView, name: string): number | undefined {
  const v = row[name];
  return typeof v === 'string' ? (wireValue(v, { from: name, type: 'integer' }) as number | undefined) : undefined;
}
