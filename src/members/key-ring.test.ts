import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DataKeyRing } from './key-ring.ts';

describe('DataKeyRing (CR-16)', () => {
  it('zeroes every key buffer when wiped and forgets them', () => {
    const ring = new DataKeyRing();
    const a = randomBytes(32);
    const b = randomBytes(32);
    ring.set('ds_home', a, 1);
    ring.set('ds_passport', b, 1);
    ring.wipe();
    expect(a.equals(Buffer.alloc(32))).toBe(true);
    expect(b.equals(Buffer.alloc(32))).toBe(true);
    expect(ring.has('ds_home')).toBe(false);
    expect(ring.datasets()).toEqual([]);
  });
});
