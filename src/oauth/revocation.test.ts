import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.ts';
import { openDatabase, type DatabaseHandle } from '../storage/dialect.ts';
import { migrateToLatest } from '../storage/migrator.ts';
import { RevocationList } from './revocation.ts';

let handle: DatabaseHandle;
const clock = new ManualClock(1000);

beforeEach(async () => {
  handle = await openDatabase(':memory:');
  await migrateToLatest(handle);
});
afterEach(() => handle.close());

const insert = (seq: number, jti: string, expiresAt = 5000) =>
  handle.db
    .insertInto('revoked_tokens')
    .values({ seq, jti, expires_at: expiresAt, revoked_at: 1000 } as never)
    .execute();

describe('RevocationList', () => {
  it('knows its own revocations at once and records them for other processes', async () => {
    const mine = new RevocationList(handle.db, clock);
    const theirs = new RevocationList(handle.db, clock);
    await theirs.poll();
    await mine.revoke('j1', 5000);
    expect(mine.isRevoked('j1')).toBe(true);
    expect(theirs.isRevoked('j1')).toBe(false);
    await theirs.poll();
    expect(theirs.isRevoked('j1')).toBe(true);
  });

  it('accepts the same revocation twice', async () => {
    const list = new RevocationList(handle.db, clock);
    await list.revoke('j1', 5000);
    await list.revoke('j1', 5000);
    expect(await handle.db.selectFrom('revoked_tokens').selectAll().execute()).toHaveLength(1);
  });

  it('loads every existing revocation on its first poll, past one page', async () => {
    for (let i = 1; i <= 1500; i++) await insert(i, `j${i}`);
    const list = new RevocationList(handle.db, clock);
    await list.poll();
    expect(list.isRevoked('j1')).toBe(true);
    expect(list.isRevoked('j1500')).toBe(true);
  });

  it('still sees a row whose seq is lower than one it has already read (late PostgreSQL commit)', async () => {
    const list = new RevocationList(handle.db, clock);
    await insert(1, 'a');
    await list.poll();
    await insert(3, 'c');
    await list.poll();
    expect(list.isRevoked('c')).toBe(true);
    await insert(2, 'b');
    await list.poll();
    expect(list.isRevoked('b')).toBe(true);
  });

  it('purges revocations of tokens that have expired, in memory and in the table', async () => {
    const list = new RevocationList(handle.db, clock);
    await list.revoke('old', 999);
    await list.revoke('live', 2000);
    await list.purge();
    expect(list.isRevoked('old')).toBe(false);
    expect(list.isRevoked('live')).toBe(true);
    const rows = await handle.db.selectFrom('revoked_tokens').select('jti').execute();
    expect(rows.map((r) => r.jti)).toStrictEqual(['live']);
  });
});
