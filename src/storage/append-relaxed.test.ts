/**
 * DatabaseHandle.appendRelaxed, the read access log's insert: committed (visible to every other
 * session) when it resolves, all of a batch or none of it, and in the handle's schema on PostgreSQL,
 * where it runs on sessions of its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, TEST_PG_URL, type TestDatabase } from '../../test/harness.ts';
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

describe(`appendRelaxed on ${TEST_PG_URL ? 'PostgreSQL' : 'a SQLite file'}`, () => {
  it('has committed a batch, in order, by the time it resolves', async () => {
    await h.appendRelaxed('access_log', [entry(7001, 'a'), entry(7001, 'b'), entry(7002, 'c')]);
    expect(await fieldsOf(7001)).toEqual(['a', 'b']);
    expect(await fieldsOf(7002)).toEqual(['c']);
  });

  it('appends none of a batch that has one bad row', async () => {
    const bad = { ...entry(7003, 'never'), actor: null } as unknown as ReturnType<typeof entry>;
    await expect(h.appendRelaxed('access_log', [entry(7003, 'first'), bad])).rejects.toThrow();
    expect(await fieldsOf(7003)).toEqual([]);
    await h.appendRelaxed('access_log', [entry(7003, 'after')]);
    expect(await fieldsOf(7003)).toEqual(['after']);
  });

  it('serves many concurrent appends', async () => {
    await Promise.all(Array.from({ length: 30 }, (_, i) => h.appendRelaxed('access_log', [entry(7004, `f${i}`)])));
    expect((await fieldsOf(7004)).sort()).toEqual(Array.from({ length: 30 }, (_, i) => `f${i}`).sort());
  });
});
