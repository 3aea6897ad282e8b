import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fold, LikePattern, MAX_LIKE_PATTERN_LENGTH, MAX_LIKE_WILDCARDS } from './like-pattern.ts';

/** The reference: the textbook dynamic programme over code points, no cleverness. */
function reference(pattern: string, value: string): boolean {
  const p = [...pattern].map((c) => fold(c.codePointAt(0)!));
  const v = [...value].map((c) => fold(c.codePointAt(0)!));
  // m[j] after i characters: the first j pattern characters match the first i value characters
  let m = p.map(() => false).concat(false);
  m[0] = true;
  for (let j = 1; j <= p.length; j++) m[j] = m[j - 1]! && p[j - 1] === 0x25;
  for (const c of v) {
    const n = m.map(() => false);
    for (let j = 1; j <= p.length; j++) {
      const t = p[j - 1]!;
      if (t === 0x25) n[j] = n[j - 1]! || m[j]!;
      else n[j] = m[j - 1]! && (t === 0x5f || t === c);
    }
    m = n;
  }
  return m[p.length]!;
}

/** Characters that make matching interesting: wildcards, letters in both cases, a surrogate pair. */
const alphabet = fc.constantFrom('a', 'A', 'b', '%', '_', '.', '*', '\\', 'é', 'É', '😀', 'ß', '\n');
const text = (max: number) => fc.array(alphabet, { maxLength: max }).map((a) => a.join(''));

describe('LikePattern', () => {
  it('agrees with a simple reference matcher on random patterns and values', () => {
    fc.assert(
      fc.property(text(12), text(40), (pattern, value) => {
        expect(LikePattern.compile(pattern).matches(value)).toBe(reference(pattern, value));
      }),
      { numRuns: 20_000, seed: 11 },
    );
  });

  it('agrees with the reference on patterns longer than one 32-bit word', () => {
    const long = fc.array(fc.constantFrom('a', 'b', '_', '%'), { minLength: 30, maxLength: 120 }).map((a) => a.join(''));
    const value = fc.array(fc.constantFrom('a', 'b'), { maxLength: 200 }).map((a) => a.join(''));
    fc.assert(
      fc.property(long, value, (pattern, v) => {
        expect(LikePattern.compile(pattern).matches(v)).toBe(reference(pattern, v));
      }),
      { numRuns: 2_000, seed: 12 },
    );
  });

  it('matches as the RegExp translation it replaces did, on ASCII text', () => {
    const ascii = fc.constantFrom('a', 'B', 'b', '%', '_', '.', '(', '\\', ' ', '\n');
    const str = (max: number) => fc.array(ascii, { maxLength: max }).map((a) => a.join(''));
    const old = (pattern: string) =>
      new RegExp(
        `^${pattern
          .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
          .replace(/%/g, '.*')
          .replace(/_/g, '.')}$`,
        'is',
      );
    fc.assert(
      fc.property(str(8), str(30), (pattern, value) => {
        expect(LikePattern.compile(pattern).matches(value)).toBe(old(pattern).test(value));
      }),
      { numRuns: 5_000, seed: 13 },
    );
  });

  it('treats the examples from the review as plain wildcard patterns', () => {
    expect(LikePattern.compile('%a%a%a%a%b').matches('a'.repeat(10_000))).toBe(false);
    expect(LikePattern.compile('%a%a%a%a%b').matches(`${'a'.repeat(10_000)}b`)).toBe(true);
    expect(LikePattern.compile('J_hn%').matches('john smith')).toBe(true);
    expect(LikePattern.compile('%SMITH').matches('John Smith')).toBe(true);
    expect(LikePattern.compile('').matches('')).toBe(true);
    expect(LikePattern.compile('%').matches('')).toBe(true);
    expect(LikePattern.compile('_').matches('😀')).toBe(true);
  });

  it('refuses patterns past the length and wildcard caps', () => {
    expect(LikePattern.problem('a'.repeat(MAX_LIKE_PATTERN_LENGTH))).toBeUndefined();
    expect(LikePattern.problem('a'.repeat(MAX_LIKE_PATTERN_LENGTH + 1))).toBe('too_long');
    expect(LikePattern.problem('%'.repeat(MAX_LIKE_WILDCARDS))).toBeUndefined();
    expect(LikePattern.problem('%_'.repeat(MAX_LIKE_WILDCARDS / 2) + '_')).toBe('too_many_wildcards');
    expect(() => LikePattern.compile('_'.repeat(MAX_LIKE_WILDCARDS + 1))).toThrow(RangeError);
  });
});
