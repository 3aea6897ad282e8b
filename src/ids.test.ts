import { describe, expect, it } from 'vitest';
import { MAX_ID, wholeNumber } from './ids.ts';

describe('wholeNumber', () => {
  it('accepts digits and numbers from the minimum to 2^31 − 1', () => {
    expect(wholeNumber('0')).toBe(0);
    expect(wholeNumber(' 42 ')).toBe(42);
    expect(wholeNumber(7)).toBe(7);
    expect(wholeNumber('2147483647')).toBe(MAX_ID);
    expect(wholeNumber('0002147483647')).toBeUndefined();
  });

  it('refuses anything a 32-bit integer column cannot hold, or that is not a plain whole number', () => {
    for (const bad of [
      '2147483648',
      '999999999999999',
      2147483648,
      -1,
      '-1',
      '+1',
      '1.0',
      1.5,
      '1e3',
      '0x10',
      '',
      ' ',
      null,
      undefined,
      [1],
      {},
      NaN,
      Infinity,
    ]) {
      expect(wholeNumber(bad), String(bad)).toBeUndefined();
    }
  });

  it('applies the minimum', () => {
    expect(wholeNumber('0', 1)).toBeUndefined();
    expect(wholeNumber('1', 1)).toBe(1);
  });
});
