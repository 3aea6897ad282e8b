/**
 * DatabaseHandle.appendRelaxed, the read access log's insert: committed (visible to every other
 * session) when it resolves, all of a batch or none of it, and in the handle's schema on PostgreSQL,
 * where it runs on sessions of its own.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropPgSchema, openDatabase, type DatabaseHandle } from './dialect.ts';
import { migrateToLatest } from './migrator.ts';

const pgUrl = process.env.OPENPDX_TEST_DATABASE_URL;
const schema = `ar_${randomBytes(5).toString('hex')}`;
const dir = mkdtempSync(join(tmpdir(), 'openpdx-append-relaxed-'));
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
  h = await openDatabase(pgUrl ?? join(dir, 'append.sqlite'), pgUrl ? { pgSchema: schema } : {});
  await migrateToLatest(h);
});
afterAll(async () => {
  await h.close();
  if (pgUrl) await dropPgSchema(pgUrl, schema);
  rmSync(dir, { recursive: true, force: true });
});

describe(`appendRelaxed on ${pgUrl ? 'PostgreSQL' : 'a SQLite file'}`, () => {
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
