import { describe, expect, it } from 'vitest';
import { parseNid } from './nid.ts';

describe('parseNid', () => {
  it('accepts numbers and numeric strings', () => {
    expect(parseNid(40000)).toBe(40000);
    expect(parseNid('40000')).toBe(40000);
    expect(parseNid(' 40001 ')).toBe(40001);
  });

  it('refuses anything else without throwing', () => {
    for (const bad of ['', 'abc', '4e4', '-1', '1.5', 0, -3, 1.5, NaN, null, undefined, {}, ['40000'], '9'.repeat(20)]) {
      expect(parseNid(bad)).toBeUndefined();
    }
  });
});
