import { describe, expect, it } from 'vitest';
import { TtlCache } from './ttl-cache.ts';

describe('TtlCache', () => {
  it('returns entries until their time to live runs out', () => {
    let now = 1000;
    const c = new TtlCache<string>(500, 10, () => now);
    c.set('a', 'x');
    expect(c.get('a')).toBe('x');
    now += 499;
    expect(c.get('a')).toBe('x');
    now += 1;
    expect(c.get('a')).toBeUndefined();
  });

  it('drops the oldest entry when full', () => {
    const c = new TtlCache<number>(10_000, 2);
    c.set('a', 1);
    c.set('b', 2);
    c.set('c', 3);
    expect(c.get('a')).toBeUndefined();
    expect(c.get('b')).toBe(2);
    expect(c.get('c')).toBe(3);
  });

  it('loads through once and does not cache a miss', async () => {
    const c = new TtlCache<number>(10_000);
    let loads = 0;
    const load = async () => ++loads;
    expect(await c.through('k', load)).toBe(1);
    expect(await c.through('k', load)).toBe(1);
    expect(await c.through('missing', async () => undefined)).toBeUndefined();
    expect(await c.through('missing', async () => 7)).toBe(7);
  });
});
