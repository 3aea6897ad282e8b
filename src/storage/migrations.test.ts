import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { dropPgSchema, openDatabase, type DatabaseHandle } from './dialect.ts';
import { migrations } from './migrations/index.ts';
import { entryHash, GENESIS } from '../crypto/access-chain.mjs';
import { migrateDownAll, migrateTo, migrateToLatest, migrationStatus } from './migrator.ts';

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

  it('chains the access log entries written before 0012, per member in the order written, and sets each head', async () => {
    await migrateDownAll(handle);
    await migrateTo(handle, '0011-consent-receipts');
    const entry = (uid: number, fields: string, at: number) => ({
      uid,
      nid: 7,
      actor: 'connection',
      dataset: 'ds_home',
      fields,
      action: 'read',
      at,
    });
    const before = [entry(2, 'a', 10), entry(1, 'b', 11), entry(2, 'c', 12), entry(2, 'd', 13)];
    for (const e of before)
      await sql`insert into access_log (uid, nid, actor, dataset, fields, action, at) values (${e.uid}, ${e.nid}, ${e.actor}, ${e.dataset}, ${e.fields}, ${e.action}, ${e.at})`.execute(
        handle.db,
      );
    await migrateToLatest(handle);
    for (const uid of [1, 2]) {
      const rows = await handle.db.selectFrom('access_log').selectAll().where('uid', '=', uid).orderBy('id').execute();
      let previous = GENESIS;
      rows.forEach((r, i) => {
        expect(r.seq).toBe(i + 1);
        previous = entryHash(previous, i + 1, r);
        expect(r.hash).toBe(previous);
      });
      const head = await handle.db.selectFrom('access_log_heads').selectAll().where('uid', '=', uid).executeTakeFirstOrThrow();
      // 0013 marks every chain that grew since its (here: no) checkpoint.
      expect(head).toMatchObject({ seq: rows.length, head: previous, checkpointed_seq: 0, grown: 1 });
    }
    expect(
      (await handle.db.selectFrom('access_log').select('fields').where('uid', '=', 2).orderBy('seq').execute()).map(
        (r) => r.fields,
      ),
    ).toEqual(['a', 'c', 'd']);
  });

  it('keeps the registry ordered and uniquely named', () => {
    const names = migrations.map((m) => m.name);
    expect([...names].sort()).toEqual(names);
    expect(new Set(names).size).toBe(names.length);
  });
});
