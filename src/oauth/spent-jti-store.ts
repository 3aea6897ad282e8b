/**
 * Single-use JWTs already accepted (table spent_jtis): client assertions (`private_key_jwt`, kept
 * under the client id) and DPoP proofs (under the thumbprint of the proof's key), each by the
 * SHA-256 of its `jti`, until it is too old to be accepted anyway. Spending is an insert that does
 * nothing when the row exists, so of two processes handed the same JWT exactly one wins.
 *
 * The spends of one event-loop turn share one statement (and so one commit): each token request
 * with such a JWT spends one, and one durable commit each was most of what those requests cost on
 * SQLite. The statement's RETURNING says which rows went in; a JWT sent twice within one batch
 * counts as spent by its first request only.
 */
import { Store } from '../storage/store.ts';

export type SpentKind = 'client_assertion' | 'dpop_proof';

interface Pending {
  kind: SpentKind;
  owner: string;
  jti_hash: string;
  expires_at: number;
  resolve: (fresh: boolean) => void;
  reject: (err: unknown) => void;
}

/** Spends per statement at most (4 parameters each, well under either database's limit). */
const MAX_BATCH = 500;

export class SpentJtiStore extends Store {
  private queue: Pending[] = [];
  private scheduled = false;

  /** Records the JWT as used; false when it had been used already. */
  spend(kind: SpentKind, owner: string, jtiHash: string, expiresAt: number): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.queue.push({ kind, owner, jti_hash: jtiHash, expires_at: expiresAt, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  /** Forgets what expired before `now` (seconds): it can no longer be accepted anyway. */
  async purge(now: number): Promise<void> {
    await this.db.deleteFrom('spent_jtis').where('expires_at', '<', now).execute();
  }

  private async flush(): Promise<void> {
    const batch = this.queue.splice(0, MAX_BATCH);
    this.scheduled = this.queue.length > 0;
    if (this.scheduled) setImmediate(() => void this.flush());
    const first = new Map<string, Pending>();
    for (const p of batch) {
      const id = `${p.kind}\n${p.owner}\n${p.jti_hash}`;
      if (!first.has(id)) first.set(id, p);
    }
    try {
      const inserted = await this.db
        .insertInto('spent_jtis')
        .values([...first.values()].map(({ kind, owner, jti_hash, expires_at }) => ({ kind, owner, jti_hash, expires_at })))
        .onConflict((oc) => oc.columns(['kind', 'owner', 'jti_hash']).doNothing())
        .returning(['kind', 'owner', 'jti_hash'])
        .execute();
      const fresh = new Set(inserted.map((r) => first.get(`${r.kind}\n${r.owner}\n${r.jti_hash}`)));
      for (const p of batch) p.resolve(fresh.has(p));
    } catch (err) {
      for (const p of batch) p.reject(err);
    }
  }
}
