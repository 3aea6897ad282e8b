/**
 * The settings every SQLite connection of the server opens with (dialect.ts): what they promise is
 * durability (WAL, FULL sync), integrity (foreign keys), erasure (secure_delete overwrites freed
 * pages, so an erased member's ciphertext does not linger) and no temporary files for savepoint
 * journals (temp_store MEMORY). A change to any of them must be deliberate.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, TEST_PG_URL, type TestDatabase } from '../../test/harness.ts';

let t: TestDatabase;

beforeAll(async () => {
  t = await openTestDatabase();
});
afterAll(() => t?.close());

describe.skipIf(TEST_PG_URL)('SQLite connection settings', () => {
  it('are WAL, FULL sync, foreign keys, secure delete and in-memory temporary storage', async () => {
    const pragma = async (name: string) => {
      const { rows } = await sql.raw<Record<string, unknown>>(`pragma ${name}`).execute(t.handle.db);
      return Object.values(rows[0] ?? {})[0];
    };
    expect(await pragma('journal_mode')).toBe('wal');
    expect(await pragma('synchronous')).toBe(2); // FULL
    expect(await pragma('foreign_keys')).toBe(1);
    expect(await pragma('secure_delete')).toBe(1);
    expect(await pragma('temp_store')).toBe(2); // MEMORY
  });
});
