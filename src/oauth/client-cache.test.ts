import { describe, expect, it } from 'vitest';
import { ClientCache } from './client-cache.ts';
import type { OAuthClientRecord } from './client-store.ts';

const record = (disabled: boolean): OAuthClientRecord => ({
  clientId: 'c',
  orgId: 1,
  name: 'n',
  scopes: ['mydex:pdx'],
  grantTypes: ['client_credentials'],
  disabled,
  createdAt: 0,
  secretHash: 'h',
  redirectUris: [],
  publicClient: false,
  authMethod: 'client_secret',
  jwks: null,
  jwksUri: null,
  dpopBound: false,
  previousSecretHash: null,
  previousSecretExpiresAt: null,
});

function source(initial: OAuthClientRecord | undefined) {
  let current = initial;
  let reads = 0;
  return {
    load: async () => {
      reads++;
      return current;
    },
    set: (c: OAuthClientRecord | undefined) => {
      current = c;
    },
    reads: () => reads,
  };
}

describe('ClientCache', () => {
  it('reads a client once while the entry is fresh, and shares concurrent reads', async () => {
    const db = source(record(false));
    const cache = new ClientCache(db.load, 60_000);
    await Promise.all([cache.get('c'), cache.get('c'), cache.get('c')]);
    await cache.get('c');
    expect(db.reads()).toBe(1);
  });

  it('remembers that a client does not exist, for as long', async () => {
    const db = source(undefined);
    const cache = new ClientCache(db.load, 60_000);
    expect(await cache.get('c')).toBeUndefined();
    expect(await cache.get('c')).toBeUndefined();
    expect(db.reads()).toBe(1);
  });

  it('re-reads once the entry is older than its lifetime', async () => {
    const db = source(record(false));
    const cache = new ClientCache(db.load, 0);
    await cache.get('c');
    db.set(record(true));
    await new Promise((r) => setTimeout(r, 2));
    expect((await cache.get('c'))?.disabled).toBe(true);
  });

  it('forgets an entry on invalidate, even while a read is in flight', async () => {
    const db = source(record(false));
    const cache = new ClientCache(db.load, 60_000);
    const stale = cache.get('c');
    db.set(record(true));
    cache.invalidate('c');
    expect((await stale)?.disabled).toBe(false);
    expect((await cache.get('c'))?.disabled).toBe(true);
  });

  it('keeps working for other clients after an invalidate', async () => {
    const db = source(record(false));
    const cache = new ClientCache(db.load, 60_000);
    const pending = cache.get('other');
    cache.invalidate('c');
    await pending;
    db.set(record(true));
    // The read that straddled the invalidate was not stored, so this one sees the new value.
    expect((await cache.get('other'))?.disabled).toBe(true);
  });

  it('stays bounded', async () => {
    const db = source(undefined);
    const cache = new ClientCache(db.load, 60_000, 10);
    for (let i = 0; i < 100; i++) await cache.get(`id${i}`);
    expect((cache as unknown as { entries: Map<string, unknown> }).entries.size).toBeLessThanOrEqual(10);
  });
});
