/** Table signing_keys: the access-token signing keys, private halves sealed under the master key. */
import type { Insertable, Kysely } from 'kysely';
import type { Database, SigningKeyTable } from '../storage/schema.ts';

type Db = Kysely<Database>;

export const signingKeyStore = {
  /** Whether some key is live (not retired). */
  anyLive: async (db: Db) =>
    !!(await db.selectFrom('signing_keys').select('kid').where('retired_at', 'is', null).limit(1).executeTakeFirst()),

  /** The live keys and those retired after `retiredAfter` (still published: their tokens may be live). */
  published: (db: Db, retiredAfter: number) =>
    db
      .selectFrom('signing_keys')
      .selectAll()
      .where((eb) => eb.or([eb('retired_at', 'is', null), eb('retired_at', '>', retiredAfter)]))
      .execute(),

  /** Adds a key, retiring every live one first when `retireOthers` (rotation), in one transaction. */
  insert: async (db: Db, row: Insertable<SigningKeyTable>, retireOthers: boolean, now: number) => {
    await db.transaction().execute(async (trx) => {
      if (retireOthers) await trx.updateTable('signing_keys').set({ retired_at: now }).where('retired_at', 'is', null).execute();
      await trx.insertInto('signing_keys').values(row).execute();
    });
  },
};
