/**
 * The replay record of single-use JWTs (client assertions, DPoP proofs): spends of one event-loop
 * turn share a statement, and still each JWT is accepted exactly once, within a batch, across
 * batches, and apart by kind and owner. On both databases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpentJtiStore } from '../../src/oauth/spent-jti-store.ts';
import { createTestApp, type TestApp } from '../harness.ts';

let t: TestApp;
let store: SpentJtiStore;

beforeAll(async () => {
  t = await createTestApp({ startWorkers: false });
  store = new SpentJtiStore(t.ctx.db);
});
afterAll(() => t.close());

describe('spent JWTs', () => {
  it('accepts each JWT once: the first of a batch, never again in another batch', async () => {
    const now = Math.floor(Date.now() / 1000);
    const same = await Promise.all([
      store.spend('dpop_proof', 'k1', 'h1', now + 90),
      store.spend('dpop_proof', 'k1', 'h1', now + 90),
      store.spend('dpop_proof', 'k1', 'h2', now + 90),
      store.spend('dpop_proof', 'k2', 'h1', now + 90),
      store.spend('client_assertion', 'k1', 'h1', now + 90),
    ]);
    expect(same).toEqual([true, false, true, true, true]);
    expect(await store.spend('dpop_proof', 'k1', 'h2', now + 90)).toBe(false);
    const many = await Promise.all(
      Array.from({ length: 1200 }, (_, i) => store.spend('client_assertion', 'c', `m${i % 600}`, now + 90)),
    );
    // Batches may run at once on PostgreSQL (a pool): which request of a pair wins is open,
    // that exactly one does is not.
    const wins = new Map<number, number>();
    many.forEach((fresh, i) => fresh && wins.set(i % 600, (wins.get(i % 600) ?? 0) + 1));
    expect(wins.size).toBe(600);
    expect([...wins.values()].every((n) => n === 1)).toBe(true);
  });

  it('forgets only what has expired', async () => {
    const now = Math.floor(Date.now() / 1000);
    await store.spend('dpop_proof', 'old', 'x', now - 10);
    await store.spend('dpop_proof', 'new', 'x', now + 100);
    await store.purge(now);
    expect(await store.spend('dpop_proof', 'old', 'x', now + 100)).toBe(true);
    expect(await store.spend('dpop_proof', 'new', 'x', now + 100)).toBe(false);
  });
});
