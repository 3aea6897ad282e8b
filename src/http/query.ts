/**
 * Query-string parsing for every route: qs, for the PHP-style bracket parameters Mydex's API reads
 * (`filters[field][operator]`, `fields[…]`), with a fast path for the common flat query.
 *
 * Why a fast path by hand: qs costs several percent of a whole API read (it scans for brackets,
 * dots, sentinels and array syntax on every pair). A flat query (no `[` or `]`, raw or encoded, no
 * repeated name) has only one possible result, which this reproduces exactly: pairs split on `&`
 * (at most QS_OPTIONS.parameterLimit), `+` as a space, percent-decoding that keeps a malformed
 * escape as written, a missing `=` as an empty value, empty names and Object.prototype names
 * (`__proto__`, `toString`, …) dropped. Anything else goes to qs. query.test.ts compares the two
 * on generated input.
 */
import qs from 'qs';

export const QS_OPTIONS = { depth: 5, parameterLimit: 1000, arrayLimit: 100, allowPrototypes: false } as const;

const NEEDS_QS = /[[\]]|%5[bd]/i;
const hasOwn = Object.prototype.hasOwnProperty;

function decode(s: string): string {
  if (s.indexOf('%') === -1) return s.indexOf('+') === -1 ? s : s.replace(/\+/g, ' ');
  const spaced = s.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

export function parseQuery(str: string): Record<string, unknown> {
  if (NEEDS_QS.test(str)) return qs.parse(str, QS_OPTIONS) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const parts = str.split('&', QS_OPTIONS.parameterLimit);
  for (const part of parts) {
    const eq = part.indexOf('=');
    const key = decode(eq === -1 ? part : part.slice(0, eq));
    if (key === '' || hasOwn.call(Object.prototype, key)) continue;
    // A repeated name becomes an array in qs, subject to its limits: leave that to qs.
    if (hasOwn.call(out, key)) return qs.parse(str, QS_OPTIONS) as Record<string, unknown>;
    out[key] = eq === -1 ? '' : decode(part.slice(eq + 1));
  }
  return out;
}
