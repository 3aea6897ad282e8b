/**
 * Data keys that a connection's member key has already unwrapped, held for a short, fixed time so
 * that a subscriber's burst of calls does not pay HKDF plus an AES-GCM unwrap on every one.
 *
 * What this does and does not change (docs/crypto-inventory.md):
 * - Nothing new reaches the database; only this process's memory holds the plaintext keys, as it
 *   already does for the length of every request.
 * - An entry is keyed by grant id and is only consulted after the caller has verified the presented
 *   member key against that grant's verifier, so a hit needs the same key a miss does.
 * - Lifetimes are absolute from the unwrap, never extended by hits: a key leaves memory (zero-filled
 *   by a sweep) at most twice `ttlMs` after the member key unwrapped it.
 * - A grant revoked or replaced in this process is forgotten at once; other processes stop reaching
 *   the entry when their grant cache expires (under a second), and the entry dies within its TTL.
 * - `ttlMs` 0 turns the cache off: every call unwraps afresh.
 * - The member key that opened an entry's keys may be held with them (`rememberMemberKey`), so that
 *   the next call with the same key is verified by a constant-time comparison instead of a fresh
 *   SHA-256 (which costs a read about a tenth of its CPU, most of it OpenSSL's per-call set-up). It
 *   opens nothing the entry does not already hold, and is wiped with the entry.
 */
import { timingSafeEqual } from 'node:crypto';

interface Entry {
  /** by dataset, and keys derived from them by `${dataset}#${label}` */
  keys: Map<string, Buffer>;
  until: number;
  /** the verified member key that opened `keys` */
  memberKey?: Buffer;
}

export class OpenedKeyCache {
  private readonly entries = new Map<number, Entry>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    private readonly max = 10_000,
  ) {}

  get enabled(): boolean {
    return this.ttlMs > 0;
  }

  /** A copy of the key unwrapped for `dataset` under `grantId`, if still fresh. */
  get(grantId: number, dataset: string): Buffer | undefined {
    const entry = this.fresh(grantId);
    const key = entry?.keys.get(dataset);
    return key ? Buffer.from(key) : undefined;
  }

  /** Keeps a copy of `key`; the caller's buffer stays the caller's to wipe. */
  put(grantId: number, dataset: string, key: Buffer): void {
    if (!this.enabled) return;
    let entry = this.fresh(grantId);
    if (!entry) {
      if (this.entries.size >= this.max) this.forget(this.entries.keys().next().value as number);
      entry = { keys: new Map(), until: this.now() + this.ttlMs };
      this.entries.set(grantId, entry);
      this.startSweeping();
    }
    entry.keys.get(dataset)?.fill(0);
    entry.keys.set(dataset, Buffer.from(key));
  }

  /** A copy of the key derived for `label` from `dataset`'s cached key (DataKeyRing.derived), if still fresh. */
  getDerived(grantId: number, dataset: string, label: string): Buffer | undefined {
    return this.get(grantId, `${dataset}#${label}`);
  }

  /**
   * Keeps a copy of a key derived from `dataset`'s key, with it: only while the grant's entry is
   * fresh and holds that key, and for no longer (it is wiped with the entry).
   */
  putDerived(grantId: number, dataset: string, label: string, key: Buffer): void {
    const entry = this.fresh(grantId);
    if (!entry?.keys.has(dataset)) return;
    const name = `${dataset}#${label}`;
    entry.keys.get(name)?.fill(0);
    entry.keys.set(name, Buffer.from(key));
  }

  /**
   * Holds `memberKey` with the grant's fresh entry, if it has one: call only once the key has been
   * verified against the grant's verifier.
   */
  rememberMemberKey(grantId: number, memberKey: string): void {
    const entry = this.fresh(grantId);
    if (entry && !entry.memberKey) entry.memberKey = Buffer.from(memberKey, 'utf8');
  }

  /** True when `memberKey` is the member key held for the grant (compared in constant time). */
  holdsMemberKey(grantId: number, memberKey: string): boolean {
    const held = this.fresh(grantId)?.memberKey;
    if (!held) return false;
    const presented = Buffer.from(memberKey, 'utf8');
    return presented.length === held.length && timingSafeEqual(presented, held);
  }

  /** Wipes and drops a grant's keys (revocation, re-consent). */
  forget(grantId: number): void {
    const entry = this.entries.get(grantId);
    if (!entry) return;
    wipe(entry);
    this.entries.delete(grantId);
  }

  /** Wipes every entry and stops the sweep (shutdown). */
  clear(): void {
    for (const entry of this.entries.values()) wipe(entry);
    this.entries.clear();
    this.stopSweeping();
  }

  /** Wipes and drops expired entries; called by the timer, and by tests. */
  sweep(): void {
    const now = this.now();
    for (const [grantId, entry] of this.entries) {
      if (entry.until <= now) {
        wipe(entry);
        this.entries.delete(grantId);
      }
    }
    if (this.entries.size === 0) this.stopSweeping();
  }

  get size(): number {
    return this.entries.size;
  }

  private fresh(grantId: number): Entry | undefined {
    const entry = this.entries.get(grantId);
    if (!entry) return undefined;
    if (entry.until > this.now()) return entry;
    this.forget(grantId);
    return undefined;
  }

  private startSweeping(): void {
    if (this.timer) return;
    // Sweeping as often as the TTL bounds a key's time in memory to at most twice the TTL.
    this.timer = setInterval(() => this.sweep(), this.ttlMs);
    this.timer.unref();
  }

  private stopSweeping(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

function wipe(entry: Entry): void {
  for (const key of entry.keys.values()) key.fill(0);
  entry.keys.clear();
  entry.memberKey?.fill(0);
  entry.memberKey = undefined;
}
