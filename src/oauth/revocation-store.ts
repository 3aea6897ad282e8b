/** Table revoked_tokens: the ids of revoked access tokens, in the order revoked (seq). */
import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.ts';

type Db = Kysely<Database>;

export const revocationStore = {
  /** Records a revocation; a second one of the same token changes nothing. */
  insert: async (db: Db, row: { jti: string; expires_at: number; revoked_at: number }) => {
    await db
      .insertInto('revoked_tokens')
      .values(row)
      .onConflict((oc) => oc.column('jti').doNothing())
      .execute();
  },

  /** Revocations after `afterSeq`, and those of the `gaps` seqs (not yet visible when last asked), in seq order. */
  since: (db: Db, afterSeq: number, gaps: readonly number[], limit: number) =>
    db
      .selectFrom('revoked_tokens')
      .select(['seq', 'jti', 'expires_at'])
      .where((eb) => (gaps.length ? eb.or([eb('seq', '>', afterSeq), eb('seq', 'in', [...gaps])]) : eb('seq', '>', afterSeq)))
      .orderBy('seq')
      .limit(limit)
      .execute(),

  /** Deletes the rows of tokens that have expired anyway. */
  purgeExpired: async (db: Db, now: number) => {
    await db.deleteFrom('revoked_tokens').where('expires_at', '<', now).execute();
  },
};
