import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seal } from '../crypto/aead.ts';
import { openDatabase, type DatabaseHandle } from './dialect.ts';
import { migrateToLatest } from './migrator.ts';
import { SqliteRowAppender } from './row-appender.ts';

const dir = mkdtempSync(join(tmpdir(), 'openpdx-append-'));
const file = join(dir, 'append.sqlite');
let h: DatabaseHandle;
let uid: number;

const entry = (n: number) => ({
  uid,
  nid: 40000,
  actor: 'connection',
  dataset: 'ds_personal_details',
  fields: `field_${n}`,
  action: 'read',
  at: 1_700_000_000 + n,
});

beforeAll(async () => {
  h = await openDatabase(file);
  await migrateToLatest(h);
  const m = await h.db
    .insertInto('members')
    .values({ mydexid: 'app', email: 'app@example.org', password_hash: 'x', private_key_kdf: '{}', created_at: 1 })
    .returning('uid')
    .executeTakeFirstOrThrow();
  uid = m.uid;
});
afterAll(async () => {
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

async function fields(): Promise<string[]> {
  return (await h.db.selectFrom('access_log').select('fields').orderBy('id').execute()).map((r) => r.fields);
}

describe('SqliteRowAppender (the read log’s second thread)', () => {
  it('commits each batch before it resolves, visible to the main connection at once', async () => {
    const a = new SqliteRowAppender({ path: file, lockWaitMs: 5000, synchronous: 'NORMAL' });
    await a.append([entry(1), entry(2)]);
    expect(await fields()).toEqual(['field_1', 'field_2']);
    await Promise.all([a.append([entry(3)]), a.append([entry(4), entry(5)])]);
    expect(await fields()).toEqual(['field_1', 'field_2', 'field_3', 'field_4', 'field_5']);
    await a.close();
  });

  it('fails a batch whole (one transaction) with SQLite’s own error code', async () => {
    const a = new SqliteRowAppender({ path: file, lockWaitMs: 5000, synchronous: 'FULL' });
    const before = await fields();
    // The second row has no uid: NOT NULL refuses it, and the first row with it.
    await expect(a.append([entry(6), { ...entry(7), uid: null } as unknown as ReturnType<typeof entry>])).rejects.toMatchObject({
      code: 'SQLITE_CONSTRAINT_NOTNULL',
    });
    expect(await fields()).toEqual(before);
    await a.append([entry(9)]);
    expect((await fields()).at(-1)).toBe('field_9');
    await a.close();
  });

  it('fails what a dead thread held, then starts a new one', async () => {
    const a = new SqliteRowAppender({ path: file, lockWaitMs: 5000, synchronous: 'NORMAL' });
    await a.append([entry(10)]);
    const thread = (a as unknown as { thread: { worker: Worker } }).thread.worker;
    const held = a.append([entry(11)]);
    await thread.terminate();
    await held.catch(() => undefined);
    await a.append([entry(12)]);
    expect((await fields()).at(-1)).toBe('field_12');
    await a.close();
    await expect(a.append([entry(13)])).rejects.toMatchObject({ code: 'CLOSED' });
  });
});

describe('SqliteRowAppender.run: sealed reads with the rows they log', () => {
  const key = randomBytes(32);
  const sealedRead = (instance: number, readKey: Buffer = key) => ({
    sql: 'select "instance", "ciphertext" from "metadata_records" where "uid" = ? and "dataset" = ? and "instance" = ?',
    params: [uid, 'ds_run', instance],
    key: readKey,
    contextPrefix: `pds|${uid}|ds_run|m|`,
  });

  beforeAll(async () => {
    for (const instance of [0, 1]) {
      const ciphertext = seal(key, JSON.stringify({ f: `value ${instance}` }), `pds|${uid}|ds_run|m|${instance}`);
      await h.db.insertInto('metadata_records').values({ uid, dataset: 'ds_run', instance, ciphertext, updated_at: 1 }).execute();
    }
    // Instance 2 holds instance 0's record: sealed for another place, it must not open here.
    const moved = await h.db
      .selectFrom('metadata_records')
      .select('ciphertext')
      .where('instance', '=', 0)
      .where('dataset', '=', 'ds_run')
      .executeTakeFirstOrThrow();
    await h.db
      .insertInto('metadata_records')
      .values({ uid, dataset: 'ds_run', instance: 2, ciphertext: moved.ciphertext, updated_at: 1 })
      .execute();
  });

  it('opens each row with the job’s key, appends the rows of the jobs whose reads all succeeded, and leaves the caller’s key alone', async () => {
    const a = new SqliteRowAppender({ path: file, lockWaitMs: 5000, synchronous: 'NORMAL' });
    const callerKey = Buffer.from(key);
    const [ok, moved, wrongKey, badSql, plain] = await a.run([
      { reads: [sealedRead(0, callerKey), sealedRead(1, callerKey), sealedRead(9, callerKey)], rows: [entry(30)] },
      { reads: [sealedRead(1), sealedRead(2)], rows: [entry(31)] },
      { reads: [sealedRead(0, randomBytes(32))], rows: [entry(32)] },
      { reads: [{ ...sealedRead(0), sql: 'select nope from metadata_records' }], rows: [entry(33)] },
      { reads: [], rows: [entry(34)] },
    ]);
    expect(ok).toEqual({ rows: [[[0, '{"f":"value 0"}']], [[1, '{"f":"value 1"}']], []] });
    expect(callerKey.equals(key)).toBe(true);
    expect(moved).toMatchObject({ error: { code: 'INTEGRITY' } });
    expect(wrongKey).toMatchObject({ error: { code: 'INTEGRITY' } });
    expect(badSql).toMatchObject({ error: { message: expect.stringMatching(/nope/) } });
    expect(plain).toEqual({ rows: [] });
    const logged = await fields();
    expect(logged).toContain('field_30');
    expect(logged).toContain('field_34');
    for (const failed of ['field_31', 'field_32', 'field_33']) expect(logged).not.toContain(failed);
    await a.close();
  });

  it('refuses a statement that is not a query of at least two columns as a sealed read, appending nothing for it', async () => {
    const a = new SqliteRowAppender({ path: file, lockWaitMs: 5000, synchronous: 'NORMAL' });
    const [notQuery, oneColumn] = await a.run([
      { reads: [{ ...sealedRead(0), sql: 'delete from metadata_records', params: [] }], rows: [entry(35)] },
      { reads: [{ ...sealedRead(0), sql: 'select ciphertext from metadata_records', params: [] }], rows: [entry(36)] },
    ]);
    expect(notQuery).toMatchObject({ error: { message: expect.stringMatching(/query of at least two columns/) } });
    expect(oneColumn).toMatchObject({ error: { message: expect.stringMatching(/query of at least two columns/) } });
    expect(await h.db.selectFrom('metadata_records').select('instance').where('dataset', '=', 'ds_run').execute()).toHaveLength(
      3,
    );
    expect(await fields()).not.toContain('field_35');
    expect(await fields()).not.toContain('field_36');
    await a.close();
  });

  it('returns the plain columns before the context and the sealed value as they are', async () => {
    const a = new SqliteRowAppender({ path: file, lockWaitMs: 5000, synchronous: 'NORMAL' });
    const sql =
      'select "uid", "updated_at", "instance", "ciphertext" from "metadata_records" where "uid" = ? and "dataset" = ? and "instance" < 2 order by "instance"';
    const [result] = await a.run([{ reads: [{ ...sealedRead(0), sql, params: [uid, 'ds_run'] }], rows: [entry(37)] }]);
    expect(result).toEqual({
      rows: [
        [
          [uid, 1, 0, '{"f":"value 0"}'],
          [uid, 1, 1, '{"f":"value 1"}'],
        ],
      ],
    });
    expect(await fields()).toContain('field_37');
    await a.close();
  });
});

describe('closing the appender as the last thing a process does', () => {
  it('lets the process exit 0 only after the thread has closed', async () => {
    const { execFileSync } = await import('node:child_process');
    // A child whose only remaining work is closing an idle appender: without the thread held
    // referenced while it closes, Node ends the child early with exit code 13 (unsettled await).
    const script = `
      import { SqliteRowAppender } from ${JSON.stringify(new URL('./row-appender.ts', import.meta.url).href)};
      const a = new SqliteRowAppender({ path: ${JSON.stringify(file)}, lockWaitMs: 5000, synchronous: 'NORMAL' });
      await a.append([${JSON.stringify(entry(20))}]);
      await new Promise((r) => setTimeout(r, 20));
      await a.close();
      console.log('closed');
    `;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]).toString();
    expect(out.trim()).toBe('closed');
  });
});
