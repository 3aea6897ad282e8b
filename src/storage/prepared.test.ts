import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropPgSchema, openDatabase, type DatabaseHandle } from './dialect.ts';
import { migrateToLatest } from './migrator.ts';
import { asPreparedStatement, prepared } from './prepared.ts';

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

  it('sends only SELECTs to selectNow (a read-only connection); a write runs on the database', async () => {
    const readOnly = { ...root, selectNow: () => Promise.reject(new Error('selectNow is read-only')) };
    const addEntry = prepared((db, uid: number, actor: string, dataset: string, fields: string, action: string, at: number) =>
      db.insertInto('access_log').values({ uid, actor, dataset, fields, action, at }),
    );
    await addEntry(readOnly, 9, 'member', 'ds_c', 'w', 'delete', 13);
    expect(await byMemberAndDataset(root, 9, 'ds_c')).toEqual([{ fields: 'w' }]);
    await expect(byMemberAndDataset(readOnly, 9, 'ds_c')).rejects.toThrow('selectNow is read-only');
  });

  it('works inside a transaction', async () => {
    const rows = await h.db.transaction().execute((trx) => byMemberAndDataset({ db: trx, dialect: h.dialect.name }, 1, 'ds_b'));
    expect(rows).toEqual([{ fields: 'y' }]);
  });

  it('refuses a query that selects * (a prepared statement may not change its columns)', async () => {
    const everything = prepared((db, uid: number) => db.selectFrom('access_log').selectAll().where('uid', '=', uid));
    await expect(everything(root, 1)).rejects.toThrow(/names its columns/);
    const aliased = prepared((db, uid: number) => db.selectFrom('access_log as a').selectAll('a').where('a.uid', '=', uid));
    await expect(aliased(root, 1)).rejects.toThrow(/names its columns/);
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

describe.skipIf(!pgUrl)('prepared queries on PostgreSQL: named statements', () => {
  const byAction = prepared((db, action: string) =>
    db.selectFrom('access_log').select(['uid']).where('action', '=', action).orderBy('uid'),
  );
  /** the statements prepared on the one connection of a pool of one */
  const statements = async (handle: DatabaseHandle) =>
    (await sql<{ name: string; statement: string }>`select name, statement from pg_prepared_statements`.execute(handle.db)).rows;

  async function onePool(pgPreparedStatements: boolean): Promise<DatabaseHandle> {
    return openDatabase(pgUrl!, { pgSchema: schema, poolSize: 1, pgPreparedStatements });
  }

  it('sends a prepared query as a statement the connection parses once, with each call’s values', async () => {
    const one = await onePool(true);
    try {
      const target = { db: one.db, dialect: one.dialect.name };
      expect(await byAction(target, 'read')).toEqual([{ uid: 1 }, { uid: 1 }]);
      expect(await byAction(target, 'write')).toEqual([{ uid: 2 }]);
      const sqlText = byAction.compiled(target, 'read').sql;
      const named = (await statements(one)).filter((s) => s.statement === sqlText);
      expect(named).toHaveLength(1);
      expect(named[0]!.name).toMatch(/^openpdx_\d+$/);
      // Any other query goes unnamed: the connection holds no more statements after it.
      const before = (await statements(one)).length;
      await one.db.selectFrom('access_log').select('uid').where('action', '=', 'read').execute();
      expect(await statements(one)).toHaveLength(before);
    } finally {
      await one.close();
    }
  });

  it('names a fixed-text query whose values are arrays (asPreparedStatement)', async () => {
    const one = await onePool(true);
    try {
      const run = (uids: number[]) =>
        one.db.executeQuery(
          asPreparedStatement(
            sql<{ uid: number }>`select uid from access_log where uid = any(${uids}::integer[]) order by uid`.compile(one.db),
          ),
        );
      expect((await run([2])).rows).toEqual([{ uid: 2 }]);
      expect((await run([1, 2])).rows).toEqual([{ uid: 1 }, { uid: 1 }, { uid: 2 }]);
      expect((await statements(one)).filter((s) => s.statement.includes('any($1::integer[])'))).toHaveLength(1);
    } finally {
      await one.close();
    }
  });

  it('keeps serving a prepared statement after a migration adds a column to its table', async () => {
    const one = await onePool(true);
    try {
      const target = { db: one.db, dialect: one.dialect.name };
      expect(await byAction(target, 'write')).toEqual([{ uid: 2 }]);
      await sql`alter table access_log add column probe text`.execute(h.db);
      try {
        expect(await byAction(target, 'write')).toEqual([{ uid: 2 }]);
      } finally {
        await sql`alter table access_log drop column probe`.execute(h.db);
      }
    } finally {
      await one.close();
    }
  });

  it('prepares nothing with OPENPDX_PG_PREPARED_STATEMENTS=false', async () => {
    const one = await onePool(false);
    try {
      expect(await byAction({ db: one.db, dialect: one.dialect.name }, 'write')).toEqual([{ uid: 2 }]);
      expect(await statements(one)).toEqual([]);
    } finally {
      await one.close();
    }
  });
});
