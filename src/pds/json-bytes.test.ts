import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonBytes } from './json-bytes.ts';

/** Any code units (lone surrogates too), and strings built from the ones JSON escapes or that are not ASCII. */
const text = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'binary-ascii' }),
  fc.string({ unit: 'grapheme' }),
  fc
    .array(fc.constantFrom('a', '"', '\\', '\n', '\u0000', '\u007f', 'é', '\u2028', '\ud83d', '\ude00'), { maxLength: 40 })
    .map((u) => u.join('')),
);

describe('JsonBytes', () => {
  it('writes exactly the UTF-8 bytes of JSON.stringify for any string, growing past its first buffer', () => {
    fc.assert(
      fc.property(fc.array(text, { maxLength: 30 }), (strings) => {
        const w = new JsonBytes(8);
        for (const s of strings) w.string(s);
        expect(w.take().toString('utf8')).toBe(strings.map((s) => JSON.stringify(s)).join(''));
      }),
      { seed: 20261206, numRuns: 500 },
    );
  });

  it('writes raw bytes, characters and integers in order, and starts empty after take and clear', () => {
    const w = new JsonBytes(4);
    w.char(0x7b);
    w.raw(JsonBytes.encode('"é":'));
    w.integer(1796559667);
    w.char(0x7d);
    expect(w.take().toString('utf8')).toBe('{"é":1796559667}');
    w.string('half written');
    w.clear();
    w.string('x');
    expect(w.take().toString('utf8')).toBe('"x"');
  });

  it('writes a value that is not a string as its string, as the old string rendering did', () => {
    const w = new JsonBytes();
    w.string(42 as unknown as string);
    expect(w.take().toString('utf8')).toBe('"42"');
  });

  it('writes a page larger than the scratch it keeps, and pages after it', () => {
    const w = new JsonBytes(16);
    const big = 'x'.repeat(3 << 20);
    w.string(big);
    expect(w.take().length).toBe(big.length + 2);
    w.string('after');
    expect(w.take().toString('utf8')).toBe('"after"');
  });
});
