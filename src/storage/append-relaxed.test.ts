/**
 * DatabaseHandle.appendAccessLog, the read access log's chained append: committed (visible to every other
 * session) when it resolves, all of a batch or none of it, and in the handle's schema on PostgreSQL,
 * where it runs on sessions of its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, TEST_PG_URL, type TestDatabase } from '../../test/harness.ts';
import { entryHash, GENESIS } from '../crypto/access-chain.mjs';
import { appendChained, ChainAppender } from './access-log-chain.ts';
import type { DatabaseHandle } from './dialect.ts';

let t: TestDatabase;
let h: DatabaseHandle;

const entry = (uid: number, fields: string) => ({
  uid,
  nid: 1,
  actor: 'connection',
  dataset: 'ds_home',
  fields,
  action: 'read',
  at: 1,
});

async function fieldsOf(uid: number): Promise<string[]> {
  const rows = await h.db.selectFrom('access_log').select('fields').where('uid', '=', uid).orderBy('id').execute();
  return rows.map((r) => r.fields);
}

beforeAll(async () => {
  t = await openTestDatabase();
  h = t.handle;
});
afterAll(() => t.close());

describe(`appendAccessLog on ${TEST_PG_URL ? 'PostgreSQL' : 'a SQLite file'}`, () => {
  it('chains single entries, the member’s own (no connection) or a connection’s', async () => {
    const one = (nid: number | null, fields: string) =>
      h.db.transaction().execute((trx) => appendChained(trx, [{ ...entry(7000, fields), nid }]));
    await one(null, 'mine');
    await one(1, 'theirs');
    await one(null, 'mine again');
    expect(await fieldsOf(7000)).toEqual(['mine', 'theirs', 'mine again']);
    await expectOneChain(7000, 3);
  });

  it('has committed a batch, in order, by the time it resolves', async () => {
    await h.appendAccessLog([entry(7001, 'a'), entry(7001, 'b'), entry(7002, 'c')]);
    expect(await fieldsOf(7001)).toEqual(['a', 'b']);
    expect(await fieldsOf(7002)).toEqual(['c']);
  });

  it('appends none of a batch that has one bad row', async () => {
    const bad = { ...entry(7003, 'never'), actor: null } as unknown as ReturnType<typeof entry>;
    await expect(h.appendAccessLog([entry(7003, 'first'), bad])).rejects.toThrow();
    expect(await fieldsOf(7003)).toEqual([]);
    await h.appendAccessLog([entry(7003, 'after')]);
    expect(await fieldsOf(7003)).toEqual(['after']);
  });

  it('serves many concurrent appends', async () => {
    await Promise.all(Array.from({ length: 30 }, (_, i) => h.appendAccessLog([entry(7004, `f${i}`)])));
    expect((await fieldsOf(7004)).sort()).toEqual(Array.from({ length: 30 }, (_, i) => `f${i}`).sort());
    await expectOneChain(7004, 30);
  });

  it.runIf(TEST_PG_URL)(
    'chains one member’s entries without a gap or fork when two processes’ appenders and data writes extend it at once',
    async () => {
      // Two ChainAppenders are two processes: each remembers heads the other makes stale.
      const [p1, p2] = [
        new ChainAppender(h.db, h.dialect.isUniqueViolation),
        new ChainAppender(h.db, h.dialect.isUniqueViolation),
      ];
      await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          i % 5 === 4
            ? h.db.transaction().execute((trx) => appendChained(trx, [entry(7005, `w${i}`)]))
            : (i % 2 ? p1 : p2).append([entry(7005, `r${i}`), entry(7006, `r${i}`)]),
        ),
      );
      await expectOneChain(7005, 40);
      await expectOneChain(7006, 32);
    },
  );
});

/** The member's entries are numbered 1…n, each hash over the one before: one chain, no fork. */
async function expectOneChain(uid: number, n: number): Promise<void> {
  const rows = await h.db.selectFrom('access_log').selectAll().where('uid', '=', uid).orderBy('seq').execute();
  expect(rows).toHaveLength(n);
  let previous = GENESIS;
  rows.forEach((r, i) => {
    expect(r.seq).toBe(i + 1);
    previous = entryHash(previous, i + 1, r);
    expect(r.hash).toBe(previous);
  });
  const head = await h.db.selectFrom('access_log_heads').selectAll().where('uid', '=', uid).executeTakeFirstOrThrow();
  expect(head).toMatchObject({ seq: n, head: previous });
}
