/** Table signing_keys: the access-token signing keys, private halves sealed under the master key. */
import type { Insertable } from 'kysely';
import type { SigningKeyTable } from '../storage/schema.ts';
import { Store } from '../storage/store.ts';

export class SigningKeyStore extends Store {
  /** Whether some key is live (not retired). */
  async anyLive() {
    return !!(await this.db.selectFrom('signing_keys').select('kid').where('retired_at', 'is', null).limit(1).executeTakeFirst());
  }

  /** The live keys and those retired after `retiredAfter` (still published: their tokens may be live). */
  published(retiredAfter: number) {
    return this.db
      .selectFrom('signing_keys')
      .selectAll()
      .where((eb) => eb.or([eb('retired_at', 'is', null), eb('retired_at', '>', retiredAfter)]))
      .execute();
  }

  /** Adds a key, retiring every live one first when `retireOthers` (rotation), in a transaction of its own. */
  async insert(row: Insertable<SigningKeyTable>, retireOthers: boolean, now: number) {
    await this.db.transaction().execute(async (trx) => {
      if (retireOthers) await trx.updateTable('signing_keys').set({ retired_at: now }).where('retired_at', 'is', null).execute();
      await trx.insertInto('signing_keys').values(row).execute();
    });
  }
}
