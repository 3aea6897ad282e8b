/**
 * Lock-outs belong to exactly one account or address (erasing a look-alike account must not lift
 * them), and MydexIDs are unique whatever their case. docs/security.md, "Exact keys" and "MydexIDs".
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError } from '../../src/errors.ts';
import { dropPgSchema, openDatabase, sql } from '../../src/storage/dialect.ts';
import { migrations } from '../../src/storage/migrations/index.ts';
import { migrateTo, migrateToLatest, migrationStatus } from '../../src/storage/migrator.ts';
import { createMember } from '../fixtures.ts';
import { createTestApp, TEST_PG_URL, type TestApp } from '../harness.ts';
import { csrfFor, signInFrom } from '../web/helpers.ts';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ startWorkers: false });
});
afterAll(() => t.close());

const signIn = (mydexid: string, password: string, remoteAddress?: string) => signInFrom(t.app, mydexid, password, remoteAddress);

async function lockOut(mydexid: string, remoteAddress?: string): Promise<void> {
  const statuses: number[] = [];
  for (let i = 0; i < 5; i++) statuses.push((await signIn(mydexid, `wrong password ${i}`, remoteAddress)).statusCode);
  expect(statuses).toEqual([401, 401, 401, 401, 429]);
}

describe('erasing a member deletes only their own throttle rows', () => {
  it("keeps erin.lock's lock-out when erin_lock (where _ would be a LIKE wildcard) is deleted", async () => {
    const erin = await createMember(t.ctx, 'erin.lock');
    await lockOut(erin.mydexid);
    const twin = await createMember(t.ctx, 'erin_lock');
    await t.ctx.accounts.deleteMember(twin.uid, twin.password);
    expect((await signIn(erin.mydexid, erin.password)).statusCode).toBe(429);
  });

  it('keeps an address lock-out when a member whose MydexID looks like that address is deleted', async () => {
    const address = '198.51.100.23';
    for (let i = 0; i < 20; i++) await signIn(`spray-${i}`, 'wrong password', address);
    const locked = await signIn('anyone', 'wrong password', address);
    expect(locked.statusCode).toBe(429);
    const named = await createMember(t.ctx, address);
    await t.ctx.accounts.deleteMember(named.uid, named.password);
    const member = await createMember(t.ctx, 'from.that.address');
    expect((await signIn(member.mydexid, member.password, address)).statusCode).toBe(429);
  });

  it("clears the deleted member's own account lock-out", async () => {
    const gone = await createMember(t.ctx, 'gone.locked');
    await lockOut(gone.mydexid);
    await t.ctx.accounts.deleteMember(gone.uid, gone.password);
    const again = await createMember(t.ctx, 'gone.locked');
    expect((await signIn(again.mydexid, again.password)).statusCode).toBe(303);
  });
});

describe('MydexIDs are unique whatever their case', () => {
  it('refuses Demo.Case beside demo.case, from the service and from /register', async () => {
    await createMember(t.ctx, 'demo.case');
    await expect(createMember(t.ctx, 'Demo.Case')).rejects.toBeInstanceOf(ConflictError);
    const page = await t.app.inject({ method: 'GET', url: '/register' });
    const cookie = String(page.headers['set-cookie']).split(';')[0]!;
    const res = await t.app.inject({
      method: 'POST',
      url: '/register',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        csrf: csrfFor(page.body, '/register'),
        mydexid: 'DEMO.CASE',
        email: 'another@example.org',
        password: 'a long password',
        private_key: 'a different private key',
        private_key_confirm: 'a different private key',
      }).toString(),
    });
    expect(res.statusCode).toBe(409);
  });

  it('refuses the second spelling at the database too, should two registrations race', async () => {
    await createMember(t.ctx, 'race.case');
    const insert = t.ctx.db
      .insertInto('members')
      .values({ mydexid: 'RACE.case', email: 'race2@example.org', password_hash: 'x', private_key_kdf: '{}', created_at: 1 })
      .execute();
    await expect(insert).rejects.toSatisfy((err) => t.ctx.database.dialect.isUniqueViolation(err));
  });

  it('signs a member in whatever case they type, and one lock-out covers every spelling', async () => {
    const m = await createMember(t.ctx, 'mixed.case');
    expect((await signIn('MIXED.Case', m.password)).statusCode).toBe(303);
    for (let i = 0; i < 4; i++)
      expect((await signIn(i % 2 ? 'Mixed.Case' : 'mixed.CASE', 'wrong password')).statusCode).toBe(401);
    expect((await signIn('MIXED.CASE', 'wrong password')).statusCode).toBe(429);
    expect((await signIn('mixed.case', m.password)).statusCode).toBe(429);
  });
});

describe('migration 0004 on data that already collides', () => {
  const dir = mkdtempSync(join(tmpdir(), 'openpdx-mig4-'));
  const schema = `c_${randomBytes(5).toString('hex')}`;
  afterAll(async () => {
    if (TEST_PG_URL) await dropPgSchema(TEST_PG_URL, schema);
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses to run, names every clash, and changes nothing', async () => {
    const handle = await openDatabase(TEST_PG_URL ?? join(dir, 'c.sqlite'), TEST_PG_URL ? { pgSchema: schema } : {});
    try {
      await migrateTo(handle, '0003-idaas');
      const member = (mydexid: string, n: number) => ({
        mydexid,
        email: `m${n}@example.org`,
        password_hash: 'x',
        private_key_kdf: '{}',
        created_at: n,
      });
      await handle.db
        .insertInto('members')
        .values([member('demo.alice', 1), member('Demo.Alice', 2), member('bob', 3), member('BOB', 4), member('carol', 5)])
        .execute();
      const err = (await migrateToLatest(handle).then(
        () => undefined,
        (e: unknown) => e,
      )) as Error;
      expect(err).toBeInstanceOf(Error);
      expect(err.message).toContain(
        'Migration 0004-mydexid-any-case refused: MydexIDs must be unique whatever their case, and 2 groups differ only in case:',
      );
      expect(err.message).toContain('"demo.alice" (uid 1), "Demo.Alice" (uid 2)');
      expect(err.message).toContain('"bob" (uid 3), "BOB" (uid 4)');
      expect(err.message).toContain('Nothing was changed.');
      expect(err.message).not.toContain('carol');
      const applied = (await migrationStatus(handle)).filter((s) => s.executedAt).map((s) => s.name);
      expect(applied).toEqual(migrations.slice(0, 3).map((m) => m.name));
      const rows = await sql<{ n: number }>`select count(*) as n from members`.execute(handle.db);
      expect(Number(rows.rows[0]!.n)).toBe(5);
      // Once the operator renames the clashes, the migration runs.
      await handle.db.updateTable('members').set({ mydexid: 'demo.alice-2' }).where('uid', '=', 2).execute();
      await handle.db.updateTable('members').set({ mydexid: 'bob-2' }).where('uid', '=', 4).execute();
      expect(await migrateToLatest(handle)).toEqual(migrations.slice(3).map((m) => `Up ${m.name}: Success`));
    } finally {
      await handle.close();
    }
  });
});
