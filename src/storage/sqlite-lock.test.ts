/**
 * Two SQLite connections on one file, as two `openpdx start` workers (or a worker and an admin
 * command) have: a statement that meets the other's write lock waits without blocking the event
 * loop, and goes through once the lock is released.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from './dialect.ts';
import { migrateToLatest } from './migrator.ts';

const dir = mkdtempSync(join(tmpdir(), 'openpdx-lock-'));
let a: DatabaseHandle;
let b: DatabaseHandle;
/** a third connection that gives up after 50 ms */
let impatient: DatabaseHandle;

beforeAll(async () => {
  const file = join(dir, 'lock.sqlite');
  a = await openDatabase(file);
  await migrateToLatest(a);
  b = await openDatabase(file);
  impatient = await openDatabase(file, { sqliteLockWaitMs: 50 });
});
afterAll(async () => {
  await a.close();
  await b.close();
  await impatient.close();
  rmSync(dir, { recursive: true, force: true });
});

const org = (name: string) => ({ name, created_at: 1 });

describe.skipIf(!!process.env.OPENPDX_TEST_DATABASE_URL)('SQLite write lock held by another connection', () => {
  it('waits for it without blocking the event loop, then writes', async () => {
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 5);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    // A holds the write lock (BEGIN IMMEDIATE) until released by a timer, which only fires if B's
    // wait leaves the event loop free.
    const holder = a.db.transaction().execute(async (trx) => {
      await trx.insertInto('organisations').values(org('from A')).execute();
      await held;
    });
    await new Promise((r) => setTimeout(r, 10));
    const started = Date.now();
    setTimeout(release, 100);
    await b.db.insertInto('organisations').values(org('from B')).execute();
    await holder;
    clearInterval(ticker);
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(ticks).toBeGreaterThan(5);
    const names = (await b.db.selectFrom('organisations').select('name').orderBy('id').execute()).map((r) => r.name);
    expect(names).toEqual(['from A', 'from B']);
  });

  it('starts write transactions with BEGIN IMMEDIATE, so a second writer waits at BEGIN', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const holder = a.db.transaction().execute(async (trx) => {
      await sql`select 1`.execute(trx);
      await held;
    });
    await new Promise((r) => setTimeout(r, 10));
    // A has only read, yet it holds the write lock: B's transaction cannot begin.
    await expect(impatient.db.transaction().execute(async () => 'began')).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
    release();
    await holder;
    expect(await b.db.transaction().execute(async () => 'began')).toBe('began');
  });

  it('gives up with SQLITE_BUSY after the wait limit', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const holder = a.db.transaction().execute(async () => {
      await held;
    });
    await new Promise((r) => setTimeout(r, 10));
    const started = Date.now();
    await expect(impatient.db.insertInto('organisations').values(org('late')).execute()).rejects.toMatchObject({
      code: 'SQLITE_BUSY',
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(Date.now() - started).toBeLessThan(2000);
    release();
    await holder;
  });
});
