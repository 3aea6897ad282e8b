/**
 * Revoked token ids (RFC 7009), shared through table revoked_tokens. Each process keeps the live
 * ones in memory and polls for rows past the last `seq` it has seen, so a revocation made by any
 * process is refused by every process within one poll period (contract §2: within one second).
 */
import type { Kysely } from 'kysely';
import type { Clock } from '../clock.ts';
import type { Database } from '../storage/schema.ts';
import { RevocationStore } from './revocation-store.ts';

const PAGE = 1000;
/**
 * PostgreSQL hands out `seq` at insert time but rows become visible at commit, so a lower seq can
 * appear after a higher one was read. Skipped values are re-asked for this long before they are
 * taken for rolled-back inserts (a conflicting duplicate revocation also burns one).
 */
const GAP_PATIENCE_MS = 10_000;
const MAX_TRACKED_GAP = 1000;

export class RevocationList {
  /** jti → exp of the token */
  private readonly revoked = new Map<string, number>();
  private readonly gaps = new Map<number, number>();
  private lastSeq = 0;
  private primed = false;
  private readonly store: RevocationStore;

  constructor(
    db: Kysely<Database>,
    private readonly clock: Clock,
  ) {
    this.store = new RevocationStore(db);
  }

  isRevoked(jti: string): boolean {
    return this.revoked.has(jti);
  }

  async revoke(jti: string, expiresAt: number): Promise<void> {
    await this.store.insert({ jti, expires_at: expiresAt, revoked_at: this.clock.now() });
    this.revoked.set(jti, expiresAt);
  }

  /** Reads revocations made since the last poll (by any process). */
  async poll(): Promise<void> {
    const nowMs = performance.now();
    for (const [seq, deadline] of this.gaps) if (deadline <= nowMs) this.gaps.delete(seq);
    for (;;) {
      const rows = await this.store.since(this.lastSeq, [...this.gaps.keys()], PAGE);
      for (const row of rows) this.see(row.seq, row.jti, row.expires_at, nowMs);
      if (rows.length < PAGE) break;
    }
    this.primed = true;
  }

  /** Deletes rows (and forgets ids) of tokens that have expired anyway. */
  async purge(): Promise<void> {
    const now = this.clock.now();
    for (const [jti, exp] of this.revoked) if (exp < now) this.revoked.delete(jti);
    await this.store.purgeExpired(now);
  }

  private see(seq: number, jti: string, expiresAt: number, nowMs: number): void {
    this.revoked.set(jti, expiresAt);
    this.gaps.delete(seq);
    if (seq <= this.lastSeq) return;
    if (this.primed && seq - this.lastSeq - 1 <= MAX_TRACKED_GAP) {
      for (let s = this.lastSeq + 1; s < seq; s++) this.gaps.set(s, nowMs + GAP_PATIENCE_MS);
    }
    this.lastSeq = seq;
  }
}
