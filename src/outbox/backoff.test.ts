import { describe, expect, it } from 'vitest';
import { retryDelay } from './backoff.ts';

describe('retryDelay (WH-02)', () => {
  it('doubles from 5 s to a 1 h cap, each within ±20%', () => {
    const bases = [5, 10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600, 3600];
    bases.forEach((base, i) => {
      for (let k = 0; k < 50; k++) {
        const d = retryDelay(i + 1);
        expect(d, `attempt ${i + 1}`).toBeGreaterThanOrEqual(Math.floor(base * 0.8));
        expect(d, `attempt ${i + 1}`).toBeLessThanOrEqual(Math.ceil(base * 1.2));
      }
    });
    expect(retryDelay(10_000)).toBeLessThanOrEqual(4320);
  });

  it('is jittered, not a fixed schedule', () => {
    expect(new Set(Array.from({ length: 100 }, () => retryDelay(8))).size).toBeGreaterThan(5);
  });

  it('honours a longer Retry-After, up to the cap', () => {
    expect(retryDelay(1, 120)).toBeGreaterThanOrEqual(120);
    expect(retryDelay(1, 999_999)).toBeLessThanOrEqual(3600);
  });
});
