/**
 * MetadataReadBatch (PostgreSQL only: on SQLite the reads go to the side thread instead): the
 * reads of one event-loop turn share one query, and each gets exactly its member's rows of its
 * dataset and instance, whatever else the batch holds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetadataReadBatch } from '../../src/pds/metadata-batch-store.ts';
import { openTestDatabase, TEST_PG_URL, type TestDatabase } from '../harness.ts';

let t: TestDatabase;
const uids: number[] = [];

describe.skipIf(!TEST_PG_URL)('MetadataReadBatch on PostgreSQL', () => {
  beforeAll(async () => {
    t = await openTestDatabase();
    const { db } = t.handle;
    for (const name of ['batch-a', 'batch-b']) {
      const m = await db
        .insertInto('members')
        .values({ mydexid: name, email: `${name}@example.org`, password_hash: 'x', private_key_kdf: '{}', created_at: 1 })
        .returning('uid')
        .executeTakeFirstOrThrow();
      uids.push(m.uid);
    }
    const records = [
      [uids[0]!, 'ds_home', 0],
      [uids[0]!, 'ds_home', 2],
      [uids[0]!, 'ds_personal_details', 0],
      [uids[1]!, 'ds_home', 0],
    ] as const;
    for (const [uid, dataset, instance] of records) {
      await db
        .insertInto('metadata_records')
        .values({ uid, dataset, instance, ciphertext: `sealed ${uid}/${dataset}/${instance}`, updated_at: 1 })
        .execute();
    }
  });
  afterAll(() => t.close());

  it('answers each read of one turn with its own rows, in instance order, with one query for them all', async () => {
    const batch = new MetadataReadBatch(t.handle.db);
    let queries = 0;
    const db = t.handle.db.withPlugin({
      transformQuery: (args) => {
        queries++;
        return args.node;
      },
      transformResult: async (args) => args.result,
    });
    const counted = new MetadataReadBatch(db);
    const [a, b] = uids as [number, number];
    const reads = await Promise.all([
      counted.read({ uid: a, dataset: 'ds_home', instance: undefined }),
      counted.read({ uid: a, dataset: 'ds_home', instance: 2 }),
      counted.read({ uid: a, dataset: 'ds_home', instance: 2 }),
      counted.read({ uid: a, dataset: 'ds_home', instance: 7 }),
      counted.read({ uid: a, dataset: 'ds_personal_details', instance: 0 }),
      counted.read({ uid: b, dataset: 'ds_home', instance: undefined }),
      counted.read({ uid: b, dataset: 'ds_personal_details', instance: undefined }),
    ]);
    expect(queries).toBe(1);
    const text = (rows: { instance: number; ciphertext: string }[]) => rows.map((r) => `${r.instance}:${r.ciphertext}`);
    expect(reads.map(text)).toEqual([
      [`0:sealed ${a}/ds_home/0`, `2:sealed ${a}/ds_home/2`],
      [`2:sealed ${a}/ds_home/2`],
      [`2:sealed ${a}/ds_home/2`],
      [],
      [`0:sealed ${a}/ds_personal_details/0`],
      [`0:sealed ${b}/ds_home/0`],
      [],
    ]);
    // Reads in a later turn are a later query.
    expect(text(await batch.read({ uid: b, dataset: 'ds_home', instance: 0 }))).toEqual([`0:sealed ${b}/ds_home/0`]);
  });

  it('fails every read of a batch whose query fails', async () => {
    const broken = new MetadataReadBatch(t.handle.db);
    await t.handle.db.schema.alterTable('metadata_records').renameTo('metadata_records_away').execute();
    try {
      const results = await Promise.allSettled([
        broken.read({ uid: uids[0]!, dataset: 'ds_home', instance: 0 }),
        broken.read({ uid: uids[1]!, dataset: 'ds_home', instance: undefined }),
      ]);
      expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    } finally {
      await t.handle.db.schema.alterTable('metadata_records_away').renameTo('metadata_records').execute();
    }
  });
});
