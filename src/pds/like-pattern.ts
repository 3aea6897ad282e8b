/**
 * SQL `LIKE` matching in time linear in the value, whatever the pattern: `%` matches any run of
 * characters, `_` exactly one, everything else itself, case-insensitively (as MySQL's default
 * collation does). There is no escape character, as before.
 *
 * Written by hand because every wildcard package on npm compiles the pattern into a backtracking
 * RegExp, which is what let `%a%a%a%a%b` freeze the event loop (docs/security.md, "LIKE filters").
 * This is a bit-parallel NFA (Shift-And): bit i of the state says "the first i tokens of the
 * pattern match the value so far". Each character of the value costs one pass over
 * ⌈(tokens + 1) / 32⌉ words, so a match costs O(value length × pattern length / 32) with no
 * backtracking, and patterns are capped (MAX_LIKE_PATTERN_LENGTH) so that bound stays small.
 */

/** Longest pattern accepted, in characters. */
export const MAX_LIKE_PATTERN_LENGTH = 1000;
/** Most wildcards (`%` and `_` together) in one pattern. */
export const MAX_LIKE_WILDCARDS = 200;

export type LikePatternProblem = 'too_long' | 'too_many_wildcards';

const PERCENT = 0x25;
const UNDERSCORE = 0x5f;

export class LikePattern {
  /** per folded code point: the tokens it satisfies (literal equal, or `_`) */
  private readonly byChar = new Map<number, Uint32Array>();
  /** the tokens any character satisfies: the `_`s */
  private readonly anyChar: Uint32Array;
  /** states followed by a `%`: they stay set whatever the next character is */
  private readonly loops: Uint32Array;
  private readonly words: number;
  private readonly acceptWord: number;
  private readonly acceptBit: number;

  private constructor(pattern: string) {
    const tokens: number[] = []; // a folded code point, or -1 for `_`
    const loopAfter: number[] = []; // token counts after which a `%` stands
    for (const cp of codePoints(pattern)) {
      if (cp === PERCENT) loopAfter.push(tokens.length);
      else tokens.push(cp === UNDERSCORE ? -1 : fold(cp));
    }
    this.words = ((tokens.length + 1 + 31) >>> 5) | 0;
    this.anyChar = new Uint32Array(this.words);
    this.loops = new Uint32Array(this.words);
    for (const state of loopAfter) setBit(this.loops, state);
    tokens.forEach((t, i) => {
      if (t === -1) setBit(this.anyChar, i + 1);
    });
    tokens.forEach((t, i) => {
      if (t === -1) return;
      let mask = this.byChar.get(t);
      if (!mask) this.byChar.set(t, (mask = Uint32Array.from(this.anyChar)));
      setBit(mask, i + 1);
    });
    this.acceptWord = tokens.length >>> 5;
    this.acceptBit = 1 << (tokens.length & 31);
  }

  /** What is wrong with a pattern (too long, too many wildcards), or undefined when it may be compiled. */
  static problem(pattern: string): LikePatternProblem | undefined {
    if (pattern.length > MAX_LIKE_PATTERN_LENGTH) return 'too_long';
    let wildcards = 0;
    for (let i = 0; i < pattern.length; i++) {
      const c = pattern.charCodeAt(i);
      if (c === PERCENT || c === UNDERSCORE) wildcards++;
    }
    return wildcards > MAX_LIKE_WILDCARDS ? 'too_many_wildcards' : undefined;
  }

  /** Compiles a pattern that passed problem(); throws on one that did not. */
  static compile(pattern: string): LikePattern {
    const problem = LikePattern.problem(pattern);
    if (problem) throw new RangeError(`LIKE pattern refused: ${problem}`);
    return new LikePattern(pattern);
  }

  matches(value: string): boolean {
    const { words, loops, anyChar, byChar } = this;
    let state = new Uint32Array(words);
    let next = new Uint32Array(words);
    state[0] = 1;
    for (let i = 0; i < value.length; i++) {
      let cp = value.charCodeAt(i);
      if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < value.length) {
        const lo = value.charCodeAt(i + 1);
        if (lo >= 0xdc00 && lo <= 0xdfff) {
          cp = ((cp - 0xd800) << 10) + (lo - 0xdc00) + 0x10000;
          i++;
        }
      }
      const mask = byChar.get(fold(cp)) ?? anyChar;
      let carry = 0;
      let alive = 0;
      for (let w = 0; w < words; w++) {
        const s = state[w]!;
        const v = (((s << 1) | carry) & mask[w]!) | (s & loops[w]!);
        carry = s >>> 31;
        next[w] = v;
        alive |= v;
      }
      if (alive === 0) return false;
      const done = state;
      state = next;
      next = done;
    }
    return (state[this.acceptWord]! & this.acceptBit) !== 0;
  }
}

function setBit(bits: Uint32Array, i: number): void {
  bits[i >>> 5]! |= 1 << (i & 31);
}

function* codePoints(s: string): Generator<number> {
  for (const ch of s) yield ch.codePointAt(0)!;
}

const folded = new Map<number, number>();

/** Case folding by code point: lower case where that is one code point, else the code point itself. */
export function fold(cp: number): number {
  if (cp < 0x80) return cp >= 0x41 && cp <= 0x5a ? cp + 32 : cp;
  let f = folded.get(cp);
  if (f === undefined) {
    const lower = String.fromCodePoint(cp).toLowerCase();
    const first = lower.codePointAt(0)!;
    f = lower.length === String.fromCodePoint(first).length ? first : cp;
    if (folded.size < 65_536) folded.set(cp, f);
  }
  return f;
}
