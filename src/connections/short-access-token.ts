/**
 * Short access tokens (contract §4, decided): random (192 bits), valid `satTtl` seconds, single
 * use, bound to one NID, stored only as a SHA-256 hash.
 */
import type { Clock } from '../clock.ts';
import { sha256Hex } from '../crypto/hash.ts';
import { randomSecret } from '../crypto/random.ts';
import type { ConnectionStore } from './connection-store.ts';

/** Expired rows are deleted at most this often per process. */
const SWEEP_INTERVAL_SECONDS = 60;

export type SpentShortAccessToken = { ok: true; nid: number } | { ok: false; problem: 'unknown_or_used' | 'expired' };

export class ShortAccessTokens {
  private lastSweep = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly store: ConnectionStore,
    private readonly clock: Clock,
    private readonly ttlSeconds: number,
  ) {}

  /** The caller has checked that the connection exists. */
  async issue(nid: number): Promise<string> {
    const now = this.clock.now();
    await this.sweep(now);
    const sat = randomSecret('', 24);
    await this.store.insertShortAccessToken({
      token_hash: sha256Hex(sat),
      nid,
      expires_at: now + this.ttlSeconds,
      used_at: null,
    });
    return sat;
  }

  /** Spends the SAT whatever happens next: a second attempt with it always fails. */
  async spend(sat: string): Promise<SpentShortAccessToken> {
    const now = this.clock.now();
    const row = await this.store.spendShortAccessToken(sha256Hex(sat), now);
    if (!row) return { ok: false, problem: 'unknown_or_used' };
    if (row.expires_at <= now) return { ok: false, problem: 'expired' };
    return { ok: true, nid: row.nid };
  }

  private async sweep(now: number): Promise<void> {
    if (now - this.lastSweep < SWEEP_INTERVAL_SECONDS) return;
    this.lastSweep = now;
    await this.store.deleteExpiredShortAccessTokens(now);
  }
}
