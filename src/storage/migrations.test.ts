import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { dropPgSchema, openDatabase, type DatabaseHandle } from './dialect.ts';
import { migrations } from './migrations/index.ts';
import { migrateDownAll, migrateToLatest, migrationStatus } from './migrator.ts';

const pgUrl = process.env.OPENPDX_TEST_DATABASE_URL;
const dir = mkdtempSync(join(tmpdir(), 'openpdx-mig-'));
const schema = `m_${randomBytes(5).toString('hex')}`;
let handle: DatabaseHandle;

afterAll(async () => {
  await handle?.close();
  if (pgUrl) await dropPgSchema(pgUrl, schema);
  rmSync(dir, { recursive: true, force: true });
});

describe(`migrations on ${pgUrl ? 'PostgreSQL' : 'SQLite'}`, () => {
  it('run up, down and up again, leaving every migration applied', async () => {
    handle = await openDatabase(pgUrl ?? join(dir, 'm.sqlite'), pgUrl ? { pgSchema: schema } : {});
    expect(await migrateToLatest(handle)).toEqual(migrations.map((m) => `Up ${m.name}: Success`));
    await handle.db.insertInto('organisations').values({ name: 'x', created_at: 1 }).execute();
    expect(await migrateDownAll(handle)).toHaveLength(migrations.length);
    await expect(sql`select * from organisations`.execute(handle.db)).rejects.toThrow();
    expect(await migrateToLatest(handle)).toHaveLength(migrations.length);
    const status = await migrationStatus(handle);
    expect(status.map((s) => s.name)).toEqual(migrations.map((m) => m.name));
    expect(status.every((s) => s.executedAt instanceof Date)).toBe(true);
    const count = await handle.db
      .selectFrom('organisations')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(0);
  });

  it('keeps the registry ordered and uniquely named', () => {
    const names = migrations.map((m) => m.name);
    expect([...names].sort()).toEqual(names);
    expect(new Set(names).size).toBe(names.length);
  });
});
