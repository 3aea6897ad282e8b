/**
 * Counts events per key (failed client authentications, unauthenticated requests per address) in
 * fixed windows. In memory and per process: N API processes allow at most N × limit a window.
 * For the token endpoint that is still far from useful against a 256-bit secret (OA-22); what
 * matters is that one client's attacker cannot lock out another client.
 */
import type { Clock } from './clock.ts';

interface Window {
  start: number;
  failures: number;
}

export class WindowLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly clock: Clock,
    private readonly limit: number,
    private readonly windowSeconds = 60,
    private readonly maxKeys = 50_000,
  ) {}

  /** Seconds until `key` may try again; 0 when it may try now. */
  retryAfter(key: string): number {
    const w = this.windows.get(key);
    if (!w || w.failures < this.limit) return 0;
    const left = w.start + this.windowSeconds - this.clock.now();
    return left > 0 ? left : 0;
  }

  record(key: string): void {
    const now = this.clock.now();
    const w = this.windows.get(key);
    if (w && now < w.start + this.windowSeconds) {
      w.failures++;
      return;
    }
    this.windows.delete(key);
    this.windows.set(key, { start: now, failures: 1 });
    if (this.windows.size > this.maxKeys) this.sweep(now);
  }

  /** Drops finished windows, then the oldest ones, so spraying random client ids cannot grow memory. */
  private sweep(now: number): void {
    for (const [key, w] of this.windows) if (now >= w.start + this.windowSeconds) this.windows.delete(key);
    const excess = this.windows.size - Math.floor(this.maxKeys * 0.9);
    if (excess <= 0) return;
    let n = 0;
    for (const key of this.windows.keys()) {
      if (n++ >= excess) break;
      this.windows.delete(key);
    }
  }
}
