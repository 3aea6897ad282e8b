/**
 * Every id, version and counter we store sits in a 32-bit signed integer column (PostgreSQL
 * `integer`), so every integer that arrives in a request is checked against that range at the edge:
 * a bigger one is a 400 in the route's own format, never a database error (docs/security.md,
 * "Numbers").
 */
export const MAX_ID = 2_147_483_647;

/** Ten digits at most: every value up to MAX_ID, nothing that loses precision as a Number. */
const DIGITS = /^[0-9]{1,10}$/;

/**
 * A whole number from `min` to MAX_ID, given as a number or as digits (surrounding spaces
 * allowed); undefined for anything else: signs, decimals, exponents, out of range.
 */
export function wholeNumber(raw: unknown, min = 0): number | undefined {
  let n: number;
  if (typeof raw === 'number') n = raw;
  else if (typeof raw === 'string' && DIGITS.test(raw.trim())) n = Number(raw.trim());
  else return undefined;
  return Number.isInteger(n) && n >= min && n <= MAX_ID ? n : undefined;
}
