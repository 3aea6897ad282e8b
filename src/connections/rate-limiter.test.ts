import { describe, expect, it } from 'vitest';
import { FixedWindowRateLimiter } from './rate-limiter.ts';

describe('FixedWindowRateLimiter', () => {
  it('allows the limit per window, then tells how long to wait', () => {
    const limiter = new FixedWindowRateLimiter({ limit: 3, windowSeconds: 60 });
    const t = 6000;
    expect([1, 2, 3].map(() => limiter.hit('a', t).allowed)).toEqual([true, true, true]);
    expect(limiter.hit('a', t + 10)).toEqual({ allowed: false, retryAfter: 50 });
    expect(limiter.hit('b', t + 10)).toEqual({ allowed: true });
    expect(limiter.hit('a', t + 60)).toEqual({ allowed: true });
  });
});
