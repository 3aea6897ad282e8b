import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { dropPgSchema, openDatabase } from './dialect.ts';
import { migrateToLatest, migrationStatus } from './migrator.ts';

const TEST_PG_URL = process.env.OPENPDX_TEST_DATABASE_URL;

// PostgreSQL only (the test:pg half of npm test): SQLite has no schemas.
describe.skipIf(!TEST_PG_URL)('a database URL whose search_path names the schema', () => {
  it('migrates into that schema although another schema of the database holds migration tables', async () => {
    const other = `s_${randomBytes(5).toString('hex')}`;
    const mine = `s_${randomBytes(5).toString('hex')}`;
    const first = await openDatabase(TEST_PG_URL!, { pgSchema: other });
    await migrateToLatest(first);
    await first.db.destroy();
    const client = new pg.Client({ connectionString: TEST_PG_URL });
    await client.connect();
    await client.query(`create schema ${mine}`);
    await client.end();
    const url = new URL(TEST_PG_URL!);
    url.searchParams.set('options', `-c search_path=${mine}`);
    const handle = await openDatabase(url.toString());
    try {
      expect(handle.pgSchema).toBe(mine);
      await migrateToLatest(handle);
      expect((await migrationStatus(handle)).every((m) => m.executedAt)).toBe(true);
      const tables = await handle.db
        .selectFrom('information_schema.tables' as never)
        .select('table_name' as never)
        .where('table_schema' as never, '=', mine as never)
        .execute();
      expect(tables.map((t) => (t as { table_name: string }).table_name)).toEqual(
        expect.arrayContaining(['kysely_migration', 'members', 'row_index']),
      );
    } finally {
      await handle.db.destroy();
      await dropPgSchema(TEST_PG_URL!, mine);
      await dropPgSchema(TEST_PG_URL!, other);
    }
  });
});
