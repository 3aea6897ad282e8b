/**
 * DatabaseHandle.selectNow and prepared queries that use it: reads outside any transaction see
 * the latest committed state (on SQLite through a second, read-only connection), never a
 * transaction's uncommitted writes, and a reader that meets a lock waits for it instead of failing.
 */
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, TEST_PG_URL, type TestDatabase } from '../../test/harness.ts';
import type { DatabaseHandle } from './dialect.ts';
import { SqliteReader } from './sqlite-connection.ts';
import { prepared, type QueryTarget } from './prepared.ts';

let t: TestDatabase;
let dir: string;
let h: DatabaseHandle;
let target: QueryTarget;

const orgNamed = prepared((db, name: string) => db.selectFrom('organisations').select(['id', 'name']).where('name', '=', name));

beforeAll(async () => {
  t = await openTestDatabase();
  ({ handle: h, dir } = t);
  target = { db: h.db, dialect: h.dialect.name, selectNow: h.selectNow };
});
afterAll(() => t.close());

describe(`selectNow on ${TEST_PG_URL ? 'PostgreSQL' : 'a SQLite file'}`, () => {
  it('sees what was committed just before, and each call binds its own values', async () => {
    await h.db.insertInto('organisations').values({ name: 'first', created_at: 1 }).execute();
    const [row] = await orgNamed(target, 'first');
    expect(row?.name).toBe('first');
    await h.db.insertInto('organisations').values({ name: 'second', created_at: 2 }).execute();
    expect((await orgNamed(target, 'second')).map((r) => r.name)).toEqual(['second']);
    expect(await orgNamed(target, 'nobody')).toEqual([]);
  });

  it('never sees an open transaction’s writes; the transaction itself does', async () => {
    let inside: unknown[] = [];
    let outside: unknown[] = [];
    await h.db.transaction().execute(async (trx) => {
      await trx.insertInto('organisations').values({ name: 'pending', created_at: 3 }).execute();
      // selectNow is ignored for a transaction: the query runs on it and sees its own insert.
      inside = await orgNamed({ ...target, db: trx }, 'pending');
      outside = await orgNamed(target, 'pending');
    });
    expect(inside).toHaveLength(1);
    expect(outside).toEqual([]);
    expect(await orgNamed(target, 'pending')).toHaveLength(1);
  });

  it('reports a bad query as an error', async () => {
    const bad = { sql: 'select nope from organisations', parameters: [], query: undefined as never, queryId: undefined as never };
    await expect(h.selectNow(bad)).rejects.toThrow(/nope/);
  });
});

describe.skipIf(!!TEST_PG_URL)('the SQLite reader while another connection holds an exclusive lock', () => {
  it('waits for the lock without blocking the event loop, then reads', async () => {
    // A WAL reader is never locked out in practice, so the wait is shown on a rollback-journal
    // file, where an EXCLUSIVE transaction shuts readers out until it commits.
    const journalled = join(dir, 'journal.sqlite');
    const holder = new SqliteDatabase(journalled);
    holder.exec("create table t (v text); insert into t values ('before')");
    holder.exec('begin exclusive');
    holder.exec("update t set v = 'after'");
    const reader = new SqliteReader(journalled, 5000);
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 5);
    setTimeout(() => holder.exec('commit'), 100);
    const started = Date.now();
    const rows = await reader.select<{ v: string }>({ sql: 'select v from t', parameters: [] } as never);
    clearInterval(ticker);
    reader.close();
    holder.close();
    expect(rows).toEqual([{ v: 'after' }]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    // Timers ran while the read waited: a wait that blocked the event loop would let none run
    // before the read resolved. (How many ran depends on the machine's load, so only "some".)
    expect(ticks).toBeGreaterThan(0);
  });

  it('gives up after its lock wait with the lock error', async () => {
    const journalled = join(dir, 'journal2.sqlite');
    const holder = new SqliteDatabase(journalled);
    holder.exec('create table t (v text); begin exclusive');
    const reader = new SqliteReader(journalled, 50);
    await expect(reader.select({ sql: 'select v from t', parameters: [] } as never)).rejects.toMatchObject({
      code: 'SQLITE_BUSY',
    });
    reader.close();
    holder.exec('rollback');
    holder.close();
  });
});
