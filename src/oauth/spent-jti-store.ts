/**
 * Single-use JWTs already accepted (table spent_jtis): client assertions (`private_key_jwt`, kept
 * under the client id) and DPoP proofs (under the thumbprint of the proof's key), each by the
 * SHA-256 of its `jti`, until it is too old to be accepted anyway. Spending one is a single insert
 * that does nothing when the row exists: of two processes handed the same JWT, exactly one wins.
 */
import { Store } from '../storage/store.ts';

export type SpentKind = 'client_assertion' | 'dpop_proof';

export class SpentJtiStore extends Store {
  /** Records the JWT as used; false when it had been used already. */
  async spend(kind: SpentKind, owner: string, jtiHash: string, expiresAt: number): Promise<boolean> {
    const result = await this.db
      .insertInto('spent_jtis')
      .values({ kind, owner, jti_hash: jtiHash, expires_at: expiresAt })
      .onConflict((oc) => oc.columns(['kind', 'owner', 'jti_hash']).doNothing())
      .executeTakeFirst();
    return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
  }

  /** Forgets what expired before `now` (seconds): it can no longer be accepted anyway. */
  async purge(now: number): Promise<void> {
    await this.db.deleteFrom('spent_jtis').where('expires_at', '<', now).execute();
  }
}
