import { afterEach, describe, expect, it } from 'vitest';
import { OpenedKeyCache } from './opened-key-cache.ts';

describe('OpenedKeyCache', () => {
  let now = 1_000;
  const clock = () => now;
  let cache: OpenedKeyCache;
  afterEach(() => cache.clear());

  it('hands out copies: wiping what it returned or what it was given leaves its own key intact', () => {
    cache = new OpenedKeyCache(900, clock);
    const given = Buffer.alloc(32, 7);
    cache.put(1, 'ds_a', given);
    given.fill(0);
    const first = cache.get(1, 'ds_a')!;
    expect(first.equals(Buffer.alloc(32, 7))).toBe(true);
    first.fill(0);
    expect(cache.get(1, 'ds_a')!.equals(Buffer.alloc(32, 7))).toBe(true);
    expect(cache.get(1, 'ds_b')).toBeUndefined();
    expect(cache.get(2, 'ds_a')).toBeUndefined();
  });

  it('keeps a derived key only beside the data key it came from, and wipes it with the entry', () => {
    cache = new OpenedKeyCache(900, clock);
    now = 1_000;
    cache.putDerived(1, 'ds_a', 'index', Buffer.alloc(32, 3));
    expect(cache.getDerived(1, 'ds_a', 'index')).toBeUndefined();
    cache.put(1, 'ds_a', Buffer.alloc(32, 1));
    cache.putDerived(1, 'ds_b', 'index', Buffer.alloc(32, 4));
    expect(cache.getDerived(1, 'ds_b', 'index')).toBeUndefined();
    const given = Buffer.alloc(32, 3);
    cache.putDerived(1, 'ds_a', 'index', given);
    given.fill(0);
    expect(cache.getDerived(1, 'ds_a', 'index')!.equals(Buffer.alloc(32, 3))).toBe(true);
    expect(cache.getDerived(2, 'ds_a', 'index')).toBeUndefined();
    const held = (cache as unknown as { entries: Map<number, { keys: Map<string, Buffer> }> }).entries
      .get(1)!
      .keys.get('ds_a#index')!;
    cache.forget(1);
    expect(held.equals(Buffer.alloc(32, 0))).toBe(true);
    expect(cache.getDerived(1, 'ds_a', 'index')).toBeUndefined();
  });

  it('expires a grant at a fixed time after its first unwrap; hits and later puts do not extend it', () => {
    cache = new OpenedKeyCache(900, clock);
    now = 1_000;
    cache.put(1, 'ds_a', Buffer.alloc(32, 1));
    now = 1_800;
    expect(cache.get(1, 'ds_a')).toBeDefined();
    cache.put(1, 'ds_b', Buffer.alloc(32, 2));
    now = 1_900;
    expect(cache.get(1, 'ds_a')).toBeUndefined();
    expect(cache.get(1, 'ds_b')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('zero-fills the keys it held when a sweep finds them expired', () => {
    cache = new OpenedKeyCache(900, clock);
    now = 5_000;
    cache.put(1, 'ds_a', Buffer.alloc(32, 9));
    // Reach the cache's own buffer the way a heap dump would: through its entries.
    const held = (cache as unknown as { entries: Map<number, { keys: Map<string, Buffer> }> }).entries.get(1)!.keys.get('ds_a')!;
    now = 5_899;
    cache.sweep();
    expect(held.equals(Buffer.alloc(32, 9))).toBe(true);
    now = 5_900;
    cache.sweep();
    expect(held.equals(Buffer.alloc(32, 0))).toBe(true);
    expect(cache.size).toBe(0);
  });

  it('forget and clear wipe at once', () => {
    cache = new OpenedKeyCache(900, clock);
    cache.put(1, 'ds_a', Buffer.alloc(32, 3));
    cache.put(2, 'ds_a', Buffer.alloc(32, 4));
    const entries = (cache as unknown as { entries: Map<number, { keys: Map<string, Buffer> }> }).entries;
    const one = entries.get(1)!.keys.get('ds_a')!;
    const two = entries.get(2)!.keys.get('ds_a')!;
    cache.forget(1);
    expect(one.equals(Buffer.alloc(32, 0))).toBe(true);
    expect(cache.get(1, 'ds_a')).toBeUndefined();
    expect(cache.get(2, 'ds_a')).toBeDefined();
    cache.clear();
    expect(two.equals(Buffer.alloc(32, 0))).toBe(true);
    expect(cache.size).toBe(0);
  });

  it('holds a verified member key with its grant and matches only that exact key', () => {
    cache = new OpenedKeyCache(900, clock);
    now = 1_000;
    const memberKey = 'A'.repeat(31) + 'b';
    // Nothing to hold it with before keys were opened under the grant.
    cache.rememberMemberKey(1, memberKey);
    expect(cache.holdsMemberKey(1, memberKey)).toBe(false);
    cache.put(1, 'ds_a', Buffer.alloc(32, 1));
    cache.rememberMemberKey(1, memberKey);
    expect(cache.holdsMemberKey(1, memberKey)).toBe(true);
    expect(cache.holdsMemberKey(1, 'A'.repeat(31) + 'c')).toBe(false);
    expect(cache.holdsMemberKey(1, memberKey.slice(1))).toBe(false);
    expect(cache.holdsMemberKey(2, memberKey)).toBe(false);
    // The first verified key stays: a later call cannot swap another in.
    cache.rememberMemberKey(1, 'B'.repeat(32));
    expect(cache.holdsMemberKey(1, 'B'.repeat(32))).toBe(false);
    now = 1_900;
    expect(cache.holdsMemberKey(1, memberKey)).toBe(false);
  });

  it('wipes a held member key with its entry (expiry, forget, clear)', () => {
    cache = new OpenedKeyCache(900, clock);
    now = 1_000;
    const entries = (cache as unknown as { entries: Map<number, { memberKey?: Buffer }> }).entries;
    for (const grantId of [1, 2, 3]) {
      cache.put(grantId, 'ds_a', Buffer.alloc(32, grantId));
      cache.rememberMemberKey(grantId, `${grantId}`.repeat(32));
    }
    const held = [1, 2, 3].map((g) => entries.get(g)!.memberKey!);
    cache.forget(1);
    expect(held[0]!.equals(Buffer.alloc(32, 0))).toBe(true);
    cache.clear();
    expect(held[1]!.equals(Buffer.alloc(32, 0))).toBe(true);
    expect(held[2]!.equals(Buffer.alloc(32, 0))).toBe(true);
    cache.put(4, 'ds_a', Buffer.alloc(32, 4));
    cache.rememberMemberKey(4, '4'.repeat(32));
    const fourth = entries.get(4)!.memberKey!;
    now = 1_900;
    cache.sweep();
    expect(fourth.equals(Buffer.alloc(32, 0))).toBe(true);
  });

  it('keeps nothing when turned off (ttl 0)', () => {
    cache = new OpenedKeyCache(0, clock);
    cache.put(1, 'ds_a', Buffer.alloc(32, 1));
    expect(cache.get(1, 'ds_a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('drops (and wipes) the oldest grant when full', () => {
    cache = new OpenedKeyCache(900, clock, 2);
    cache.put(1, 'ds_a', Buffer.alloc(32, 1));
    cache.put(2, 'ds_a', Buffer.alloc(32, 2));
    cache.put(3, 'ds_a', Buffer.alloc(32, 3));
    expect(cache.size).toBe(2);
    expect(cache.get(1, 'ds_a')).toBeUndefined();
    expect(cache.get(3, 'ds_a')).toBeDefined();
  });
});
