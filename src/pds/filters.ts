/**
 * Transactional row filters (contract §6.2): `filters[<field>][operator]` from an allow-list and
 * `filters[<field>][value]`. Rows are decrypted before filtering (the database holds only
 * ciphertext), so filtering, sorting and paging happen here, on one member's rows.
 */
import { PdxError } from '../errors.ts';
import { LikePattern, MAX_LIKE_PATTERN_LENGTH, MAX_LIKE_WILDCARDS } from './like-pattern.ts';
import type { DatasetDef } from './schema/catalogue.ts';

export const OPERATORS = ['=', '!=', '<', '<=', '>', '>=', 'LIKE', 'IN'] as const;
type Operator = (typeof OPERATORS)[number];

export interface RowFilter {
  field: string;
  operator: Operator;
  value: string;
  numeric: boolean;
  /** the compiled pattern of a LIKE filter */
  like?: LikePattern;
  /** the members of an IN filter's comma list */
  list?: ReadonlySet<string>;
}

const NUMERIC_TYPES = new Set(['int', 'serial', 'date', 'currency']);

/**
 * The filters of a read, checked against the dataset (fields, operators, values). Which of those
 * fields the connection may read is checked after its access is known (requireReadable), with
 * the same refusal as for a field that does not exist.
 */
export function parseFilters(raw: unknown, ds: DatasetDef): RowFilter[] {
  if (raw === undefined || raw === '') return [];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new PdxError(400, 'Invalid filters', 'Use filters[<field>][operator] and filters[<field>][value].');
  }
  const out: RowFilter[] = [];
  for (const [field, spec] of Object.entries(raw as Record<string, unknown>)) {
    const def = ds.fields.get(field);
    if (!def) throw unreadable(field);
    const s = (typeof spec === 'object' && spec !== null ? spec : {}) as Record<string, unknown>;
    const op = typeof s.operator === 'string' ? s.operator.trim().toUpperCase() : '=';
    if (!(OPERATORS as readonly string[]).includes(op)) {
      throw new PdxError(400, 'Invalid filters', `Operator for ${field} must be one of ${OPERATORS.join(' ')}.`);
    }
    if (typeof s.value !== 'string' && typeof s.value !== 'number') {
      throw new PdxError(400, 'Invalid filters', `filters[${field}][value] is required.`);
    }
    const value = String(s.value);
    const filter: RowFilter = { field, operator: op as Operator, value, numeric: NUMERIC_TYPES.has(def.type) };
    if (op === 'LIKE') filter.like = compileLike(field, value);
    if (op === 'IN') filter.list = new Set(value.split(',').map((v) => v.trim()));
    out.push(filter);
  }
  return out;
}

/** Refuses filters on a field the connection may not read, as parseFilters refuses unknown ones. */
export function requireReadable(filters: readonly RowFilter[], visible: (field: string) => boolean): void {
  const hidden = filters.find((f) => !visible(f.field));
  if (hidden) throw unreadable(hidden.field);
}

function unreadable(field: string): PdxError {
  return new PdxError(400, 'Invalid filters', `Unknown or unreadable field in filters: ${field}.`);
}

/** Compiled once per request, never per row; caps keep the linear matcher's cost small. */
function compileLike(field: string, value: string): LikePattern {
  const problem = LikePattern.problem(value);
  if (problem === 'too_long') {
    throw new PdxError(
      400,
      'Invalid filters',
      `filters[${field}][value]: a LIKE pattern may be at most ${MAX_LIKE_PATTERN_LENGTH} characters.`,
    );
  }
  if (problem === 'too_many_wildcards') {
    throw new PdxError(
      400,
      'Invalid filters',
      `filters[${field}][value]: a LIKE pattern may hold at most ${MAX_LIKE_WILDCARDS} wildcards (% and _).`,
    );
  }
  return LikePattern.compile(value);
}

export function rowMatches(get: (field: string) => string | null, filters: readonly RowFilter[]): boolean {
  return filters.every((f) => {
    const actual = get(f.field);
    if (f.list) return actual !== null && f.list.has(actual);
    if (f.like) return actual !== null && f.like.matches(actual);
    if (actual === null) return f.operator === '!=';
    const c = compare(actual, f.value, f.numeric);
    switch (f.operator) {
      case '=':
        return c === 0;
      case '!=':
        return c !== 0;
      case '<':
        return c < 0;
      case '<=':
        return c <= 0;
      case '>':
        return c > 0;
      default:
        return c >= 0;
    }
  });
}

export function compare(a: string, b: string, numeric: boolean): number {
  if (numeric) {
    const x = Number(a);
    const y = Number(b);
    if (!Number.isNaN(x) && !Number.isNaN(y)) return x === y ? 0 : x < y ? -1 : 1;
  }
  return a === b ? 0 : a < b ? -1 : 1;
}

export function isNumericField(ds: DatasetDef, field: string): boolean {
  return NUMERIC_TYPES.has(ds.fields.get(field)?.type ?? '');
}
