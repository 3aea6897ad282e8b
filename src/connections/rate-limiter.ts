/** A fixed-window request counter per key (client address), held in memory by one process. */
export interface RateLimit {
  limit: number;
  windowSeconds: number;
}

export type RateVerdict = { allowed: true } | { allowed: false; retryAfter: number };

/** Above this many tracked keys, entries from past windows are dropped. */
const MAX_TRACKED_KEYS = 10_000;

export class FixedWindowRateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(private readonly rule: RateLimit) {}

  hit(key: string, now: number): RateVerdict {
    const start = now - (now % this.rule.windowSeconds);
    if (this.windows.size >= MAX_TRACKED_KEYS) this.forgetBefore(start);
    const entry = this.windows.get(key);
    if (!entry || entry.start !== start) {
      this.windows.set(key, { start, count: 1 });
      return { allowed: true };
    }
    entry.count += 1;
    if (entry.count <= this.rule.limit) return { allowed: true };
    return { allowed: false, retryAfter: Math.max(1, start + this.rule.windowSeconds - now) };
  }

  private forgetBefore(start: number): void {
    for (const [key, entry] of this.windows) if (entry.start < start) this.windows.delete(key);
  }
}
