/** Table revoked_tokens: the ids of revoked access tokens, in the order revoked (seq). */
import { Store } from '../storage/store.ts';

export class RevocationStore extends Store {
  /** Records a revocation; a second one of the same token changes nothing. */
  async insert(row: { jti: string; expires_at: number; revoked_at: number }) {
    await this.db
      .insertInto('revoked_tokens')
      .values(row)
      .onConflict((oc) => oc.column('jti').doNothing())
      .execute();
  }

  /** Revocations after `afterSeq`, and those of the `gaps` seqs (not yet visible when last asked), in seq order. */
  since(afterSeq: number, gaps: readonly number[], limit: number) {
    return this.db
      .selectFrom('revoked_tokens')
      .select(['seq', 'jti', 'expires_at'])
      .where((eb) => (gaps.length ? eb.or([eb('seq', '>', afterSeq), eb('seq', 'in', [...gaps])]) : eb('seq', '>', afterSeq)))
      .orderBy('seq')
      .limit(limit)
      .execute();
  }

  /** Deletes the rows of tokens that have expired anyway. */
  async purgeExpired(now: number) {
    await this.db.deleteFrom('revoked_tokens').where('expires_at', '<', now).execute();
  }
}
