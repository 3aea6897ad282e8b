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

  it('derives a key once per ring, from its store when the store holds it, and wipes it with the rest', () => {
    const stored = new Map<string, Buffer>();
    const store = {
      get: (ds: string, l: string) => stored.get(`${ds}|${l}`),
      put: (ds: string, l: string, k: Buffer) => void stored.set(`${ds}|${l}`, Buffer.from(k)),
    };
    let derivations = 0;
    const derive = (k: Buffer) => {
      derivations++;
      return Buffer.from(k.map((b) => b ^ 0xff));
    };
    const first = new DataKeyRing(store);
    first.set('ds_home', Buffer.alloc(32, 1), 1);
    const a = first.derived('ds_home', 'index', derive);
    expect(a.equals(Buffer.alloc(32, 0xfe))).toBe(true);
    expect(first.derived('ds_home', 'index', derive)).toBe(a);
    expect(derivations).toBe(1);
    expect(() => first.derived('ds_other', 'index', derive)).toThrow(/no data key for ds_other/);
    first.wipe();
    expect(a.equals(Buffer.alloc(32))).toBe(true);
    // The store kept its own copy: the next ring takes it without deriving.
    const second = new DataKeyRing(store);
    second.set('ds_home', Buffer.alloc(32, 1), 1);
    expect(second.derived('ds_home', 'index', derive).equals(Buffer.alloc(32, 0xfe))).toBe(true);
    expect(derivations).toBe(1);
    // Another label is another key.
    second.derived('ds_home', 'other', derive);
    expect(derivations).toBe(2);
  });
});
