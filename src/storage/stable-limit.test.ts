/**
 * The SQLite dialect writes LIMIT as `+?` (sqlite-connection.ts, StableLimitCompiler), so that a cached
 * statement is not re-planned on every run; the limit must still be honoured exactly, with any
 * offset, run after run of the same statement with different values.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, TEST_PG_URL, type TestDatabase } from '../../test/harness.ts';
import { prepared } from './prepared.ts';

let t: TestDatabase;

const page = prepared((db, pattern: string, limit: number, offset: number) =>
  db.selectFrom('organisations').select('name').where('name', 'like', pattern).orderBy('id').limit(limit).offset(offset),
);

beforeAll(async () => {
  t = await openTestDatabase();
  await t.handle.db
    .insertInto('organisations')
    .values(Array.from({ length: 12 }, (_, i) => ({ name: `limit-test-${i}`, created_at: i })))
    .execute();
});
afterAll(() => t.close());

describe(`LIMIT on ${TEST_PG_URL ? 'PostgreSQL' : 'SQLite'}`, () => {
  it(TEST_PG_URL ? 'is a plain parameter' : 'is written `limit +?`, a parameter the planner does not re-plan for', () => {
    const { sql } = t.handle.db.selectFrom('organisations').select('id').limit(3).offset(1).compile();
    expect(sql).toMatch(TEST_PG_URL ? /limit \$1 offset \$2$/ : /limit \+\? offset \?$/);
  });

  it('returns exactly the page asked for, each run of the same statement with its own values', async () => {
    const target = { db: t.handle.db, dialect: t.handle.dialect.name, selectNow: t.handle.selectNow };
    const names = (from: number, n: number) => Array.from({ length: n }, (_, i) => `limit-test-${from + i}`);
    for (const [limit, offset, expected] of [
      [5, 0, names(0, 5)],
      [1, 3, names(3, 1)],
      [5, 10, names(10, 2)],
      [0, 0, []],
      [12, 0, names(0, 12)],
      [3, 20, []],
    ] as const) {
      expect((await page(target, 'limit-test-%', limit, offset)).map((r) => r.name)).toEqual(expected);
    }
  });
});
