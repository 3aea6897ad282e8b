/**
 * The client assertions (RFC 7523 `private_key_jwt`) already used, by the SHA-256 of their `jti`,
 * until they expire (table client_assertions). Recording one is a single insert that does nothing
 * when the row exists, so of two processes handed the same assertion at once exactly one wins.
 */
import { Store } from '../storage/store.ts';

export class ClientAssertionStore extends Store {
  /** Records the assertion as used; false when it had been used already. */
  async spend(clientId: string, jtiHash: string, expiresAt: number): Promise<boolean> {
    const result = await this.db
      .insertInto('client_assertions')
      .values({ client_id: clientId, jti_hash: jtiHash, expires_at: expiresAt })
      .onConflict((oc) => oc.columns(['client_id', 'jti_hash']).doNothing())
      .executeTakeFirst();
    return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
  }

  /** Forgets the assertions that expired before `now` (seconds): they can no longer be accepted anyway. */
  async purge(now: number): Promise<void> {
    await this.db.deleteFrom('client_assertions').where('expires_at', '<', now).execute();
  }
}
