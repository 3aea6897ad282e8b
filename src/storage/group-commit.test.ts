/**
 * DatabaseHandle.writeTransaction: every write all or nothing and settled only once committed, on
 * both databases; on SQLite, writes that arrive together share one transaction (group-commit.ts),
 * a write that fails is rolled back alone, and a write that loses the whole transaction fails its
 * group without storing any of it.
 */
import { sql, type Transaction } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, TEST_PG_URL, type TestApp } from '../../test/harness.ts';
import type { Database } from './schema.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ startWorkers: false });
});
afterAll(() => t.close());

const write = <T>(fn: (trx: Transaction<Database>) => Promise<T>) => t.ctx.database.writeTransaction(fn);
const add = (trx: Transaction<Database>, name: string) =>
  trx.insertInto('organisations').values({ name, created_at: 1 }).execute();
/** names as a reader outside any transaction sees them (committed rows only) */
const committed = async (prefix: string) =>
  (
    await t.ctx.database.selectNow(
      t.ctx.db.selectFrom('organisations').select('name').where('name', 'like', `${prefix}%`).orderBy('name').compile(),
    )
  ).map((r) => r.name);

function gate(): { open: () => void; opened: Promise<void> } {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}

describe('writeTransaction', () => {
  it('stores the writes that succeed and none of one that fails, each settled after its commit', async () => {
    const results = await Promise.allSettled([
      write(async (trx) => {
        await add(trx, 'iso-a');
        return 'a';
      }),
      write(async (trx) => {
        await add(trx, 'iso-b');
        throw new Error('b refused');
      }),
      write(async (trx) => {
        await add(trx, 'iso-c');
        return 'c';
      }),
    ]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([
      'a',
      'b refused',
      'c',
    ]);
    expect(await committed('iso-')).toEqual(['iso-a', 'iso-c']);
  });

  it('keeps every write of a burst larger than one group', async () => {
    const names = Array.from({ length: 150 }, (_, i) => `burst-${String(i).padStart(3, '0')}`);
    const ids = await Promise.all(names.map((name) => write(async (trx) => (await add(trx, name), name))));
    expect(ids).toEqual(names);
    expect(await committed('burst-')).toEqual(names);
  });
});

describe.skipIf(!!TEST_PG_URL)('writeTransaction on SQLite: group commit', () => {
  it('runs a write that queued while another ran in the same transaction, and settles both after one commit', async () => {
    const first = gate();
    const a = write(async (trx) => {
      await add(trx, 'grp-a');
      await first.opened;
      return 'a';
    });
    // B queues while A holds the group open; it then runs in A's transaction and sees A's row.
    const b = write(async (trx) => {
      const seen = await trx.selectFrom('organisations').select('name').where('name', '=', 'grp-a').execute();
      await add(trx, 'grp-b');
      return seen.length;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(await committed('grp-')).toEqual([]);
    first.open();
    expect(await a).toBe('a');
    // A resolved only once committed, and B's row with it: one commit for both.
    expect(await committed('grp-')).toEqual(['grp-a', 'grp-b']);
    expect(await b).toBe(1);
  });

  it('fails every write of a group whose transaction was lost, stores none of them, and runs the next group', async () => {
    const hold = gate();
    const a = write(async (trx) => {
      await add(trx, 'lost-a');
      await hold.opened;
    });
    // What SQLite does on its own after SQLITE_FULL or an I/O error: the transaction is gone.
    const b = write(async (trx) => {
      await add(trx, 'lost-b');
      await sql`rollback`.execute(trx);
      throw Object.assign(new Error('disk full'), { code: 'SQLITE_FULL' });
    });
    await new Promise((r) => setTimeout(r, 20));
    hold.open();
    await expect(a).rejects.toThrow('disk full');
    await expect(b).rejects.toThrow('disk full');
    const c = await write(async (trx) => (await add(trx, 'lost-c'), 'c'));
    expect(c).toBe('c');
    expect(await committed('lost-')).toEqual(['lost-c']);
  });
});
