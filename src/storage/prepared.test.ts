import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropPgSchema, openDatabase, type DatabaseHandle } from './dialect.ts';
import { migrateToLatest } from './migrator.ts';
import { prepared } from './prepared.ts';

const pgUrl = process.env.OPENPDX_TEST_DATABASE_URL;
const schema = `p_${randomBytes(5).toString('hex')}`;
let h: DatabaseHandle;
beforeAll(async () => {
  h = await openDatabase(pgUrl ?? ':memory:', pgUrl ? { pgSchema: schema } : {});
  await migrateToLatest(h);
  await h.db
    .insertInto('access_log')
    .values([
      { uid: 1, nid: 7, actor: 'connection', dataset: 'ds_a', fields: 'x', action: 'read', at: 10 },
      { uid: 1, nid: 7, actor: 'connection', dataset: 'ds_b', fields: 'y', action: 'read', at: 11 },
      { uid: 2, nid: 7, actor: 'connection', dataset: 'ds_a', fields: 'z', action: 'write', at: 12 },
    ])
    .execute();
});
afterAll(async () => {
  await h.close();
  if (pgUrl) await dropPgSchema(pgUrl, schema);
});

describe(`prepared queries on ${pgUrl ? 'PostgreSQL' : 'SQLite'}`, () => {
  const root = {
    get db() {
      return h.db;
    },
    get dialect() {
      return h.dialect.name;
    },
  };
  const byMemberAndDataset = prepared((db, uid: number, dataset: string) =>
    db.selectFrom('access_log').select(['fields']).where('uid', '=', uid).where('dataset', '=', dataset),
  );

  it('compiles once and binds each call’s own values', async () => {
    expect(await byMemberAndDataset(root, 1, 'ds_a')).toEqual([{ fields: 'x' }]);
    expect(await byMemberAndDataset(root, 1, 'ds_b')).toEqual([{ fields: 'y' }]);
    expect(await byMemberAndDataset(root, 2, 'ds_a')).toEqual([{ fields: 'z' }]);
    expect(await byMemberAndDataset(root, 3, 'ds_a')).toEqual([]);
  });

  it('works inside a transaction', async () => {
    const rows = await h.db.transaction().execute((trx) => byMemberAndDataset({ db: trx, dialect: h.dialect.name }, 1, 'ds_b'));
    expect(rows).toEqual([{ fields: 'y' }]);
  });

  it('refuses a builder whose bound values are not exactly its arguments', async () => {
    const inlined = prepared((db, uid: number) =>
      db.selectFrom('access_log').select('fields').where('action', '=', 'read').where('uid', '=', uid),
    );
    await expect(inlined(root, 1)).rejects.toThrow(/not exactly its arguments/);
    const reordered = prepared((db, uid: number, dataset: string) =>
      db.selectFrom('access_log').select('fields').where('dataset', '=', dataset).where('uid', '=', uid),
    );
    await expect(reordered(root, 1, 'ds_a')).rejects.toThrow(/not exactly its arguments/);
  });
});
