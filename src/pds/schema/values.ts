import { DEFAULT_TEXT_LENGTH, DEFAULT_VARCHAR_LENGTH, loadCatalogue } from './catalogue.ts';
import type { FieldDef, LookupResolver } from './catalogue.ts';

/**
 * Checks one incoming value against its field and normalises it to the string form it is stored
 * and served in (the contract sends every value as a string). Numbers are accepted as strings and
 * strings as numbers. `problem` is a short phrase meant to follow the field name in a 400 message.
 */

export type ValueResult = { ok: true; value: string | null } | { ok: false; problem: string };

/** Largest blob accepted, in characters. */
export const MAX_BLOB_LENGTH = 1_048_576;
/** Most decimal places a currency value may carry. */
const CURRENCY_MAX_DECIMALS = 4;
/** Most options listed in a "must be one of" problem before it is cut short. */
const MAX_LISTED_OPTIONS = 8;
/** Digits allowed before the decimal point of a currency value (a DECIMAL(19,4) column). */
const CURRENCY_MAX_INTEGER_DIGITS = 15;

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const NIL_UUID = '00000000-0000-0000-0000-000000000000';

const ok = (value: string | null): ValueResult => ({ ok: true, value });
const fail = (problem: string): ValueResult => ({ ok: false, problem });

export function validateValue(field: FieldDef, raw: unknown, lookups: LookupResolver = loadCatalogue()): ValueResult {
  if (raw === null || raw === undefined) return ok(null);
  switch (field.type) {
    case 'int':
      return toInteger(raw, 'must be an integer', true);
    case 'serial':
      return toInteger(raw, 'must be a non-negative integer', false, 0);
    case 'date':
      return toInteger(raw, 'must be a day number (an integer)', false);
    case 'currency':
      return toCurrency(raw);
    case 'blob':
      return toBlob(raw);
    case 'uuid':
      return toUuid(raw);
    case 'varchar':
    case 'text': {
      const text = toText(raw, field.maxLength ?? (field.type === 'text' ? DEFAULT_TEXT_LENGTH : DEFAULT_VARCHAR_LENGTH));
      if (!text.ok || text.value === null) return text;
      return toChoice(field, text.value, lookups);
    }
  }
}

/** Whitespace-only strings clear a number or UUID field, as an empty form input would. */
const isBlank = (s: string): boolean => s.trim() === '';

function toInteger(raw: unknown, problem: string, allowBoolean: boolean, min?: number): ValueResult {
  let n: number;
  if (typeof raw === 'boolean' && allowBoolean) return ok(raw ? '1' : '0');
  if (typeof raw === 'number') {
    if (!Number.isInteger(raw)) return fail(problem);
    n = raw;
  } else if (typeof raw === 'bigint') {
    n = Number(raw);
    if (BigInt(n) !== raw) return fail('is out of range');
  } else if (typeof raw === 'string') {
    if (isBlank(raw)) return ok(null);
    const s = raw.trim();
    if (!INTEGER.test(s)) return fail(problem);
    n = Number(s);
  } else {
    return fail(problem);
  }
  if (!Number.isSafeInteger(n)) return fail('is out of range');
  if (min !== undefined && n < min) return fail(problem);
  return ok(String(n === 0 ? 0 : n)); // no "-0"
}

function toCurrency(raw: unknown): ValueResult {
  const problem = `must be a decimal amount with up to ${CURRENCY_MAX_DECIMALS} decimal places`;
  let s: string;
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw)) return fail(problem);
    s = String(raw);
    if (/e/i.test(s)) return Math.abs(raw) >= 1 ? fail('is out of range') : fail(problem);
  } else if (typeof raw === 'string') {
    if (isBlank(raw)) return ok(null);
    s = raw.trim();
  } else {
    return fail(problem);
  }
  const m = DECIMAL.exec(s);
  if (!m) return fail(problem);
  const [, sign = '', intDigits = '', fracDigits] = m;
  if (intDigits === '' && (fracDigits === undefined || fracDigits === '')) return fail(problem);
  const frac = (fracDigits ?? '').replace(/0+$/, '');
  if (frac.length > CURRENCY_MAX_DECIMALS) return fail(problem);
  const whole = intDigits.replace(/^0+(?=\d)/, '') || '0';
  if (whole.length > CURRENCY_MAX_INTEGER_DIGITS) return fail('is out of range');
  const digits = `${whole}.${frac.padEnd(2, '0')}`;
  const isZero = /^[0.]+$/.test(digits);
  return ok(sign === '-' && !isZero ? `-${digits}` : digits);
}

function toBlob(raw: unknown): ValueResult {
  let s: string | undefined;
  if (typeof raw === 'string') {
    s = raw;
  } else {
    try {
      s = JSON.stringify(raw);
    } catch {
      return fail('must be JSON');
    }
    if (s === undefined) return fail('must be JSON'); // functions, symbols
  }
  if (s.length > MAX_BLOB_LENGTH) return fail(`is longer than ${MAX_BLOB_LENGTH} characters`);
  return ok(s);
}

function toUuid(raw: unknown): ValueResult {
  if (typeof raw !== 'string') return fail('must be a UUID');
  if (isBlank(raw)) return ok(null);
  const s = raw.trim().toLowerCase();
  return UUID.test(s) || s === NIL_UUID ? ok(s) : fail('must be a UUID');
}

function toText(raw: unknown, maxLength: number): ValueResult {
  let s: string;
  if (typeof raw === 'string') s = raw;
  else if (typeof raw === 'number') {
    if (!Number.isFinite(raw)) return fail('must be a finite number or a string');
    s = String(raw);
  } else if (typeof raw === 'boolean' || typeof raw === 'bigint') s = String(raw);
  else return fail('must be a string');
  // Count characters (code points), as a utf8mb4 VARCHAR does, not UTF-16 units.
  if (s.length > maxLength && [...s].length > maxLength) return fail(`is longer than ${maxLength} characters`);
  return ok(s);
}

/** Lookup and enum fields: exact match, else a case-insensitive match normalised to the option. */
function toChoice(field: FieldDef, value: string, lookups: LookupResolver): ValueResult {
  let options: readonly string[] | undefined = field.enum;
  if (field.lookup !== undefined) {
    const lookup = lookups.lookup(field.lookup);
    if (!lookup) return fail(`uses unknown lookup ${field.lookup}`);
    options = lookup.options;
  }
  if (!options) return ok(value);
  if (value === '') return ok(null); // an empty choice clears the field
  if (options.includes(value)) return ok(value);
  const folded = value.trim().toLowerCase();
  const match = options.find((o) => o.toLowerCase() === folded);
  if (match !== undefined) return ok(match);
  return fail(`must be one of: ${listOptions(options, field.lookup)}`);
}

function listOptions(options: readonly string[], lookupName: string | undefined): string {
  if (options.length <= MAX_LISTED_OPTIONS) return options.join(', ');
  const rest = options.length - MAX_LISTED_OPTIONS;
  const where = lookupName ? ` in ${lookupName}` : '';
  return `${options.slice(0, MAX_LISTED_OPTIONS).join(', ')} … (${rest} more${where})`;
}
