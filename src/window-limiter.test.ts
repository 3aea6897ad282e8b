import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.ts';
import { WindowLimiter } from './window-limiter.ts';

describe('WindowLimiter', () => {
  it('allows up to the limit of failures, then asks to wait until the window ends', () => {
    const clock = new ManualClock(1000);
    const limiter = new WindowLimiter(clock, 3);
    for (let i = 0; i < 2; i++) limiter.record('a');
    expect(limiter.retryAfter('a')).toBe(0);
    limiter.record('a');
    expect(limiter.retryAfter('a')).toBe(60);
    clock.advance(59);
    expect(limiter.retryAfter('a')).toBe(1);
    clock.advance(1);
    expect(limiter.retryAfter('a')).toBe(0);
  });

  it('keeps keys apart', () => {
    const limiter = new WindowLimiter(new ManualClock(0), 1);
    limiter.record('a');
    expect(limiter.retryAfter('a')).toBe(60);
    expect(limiter.retryAfter('b')).toBe(0);
  });

  it('starts a fresh window once the old one is over', () => {
    const clock = new ManualClock(0);
    const limiter = new WindowLimiter(clock, 2);
    limiter.record('a');
    clock.advance(60);
    limiter.record('a');
    expect(limiter.retryAfter('a')).toBe(0);
  });

  it('stays bounded when many keys fail', () => {
    const limiter = new WindowLimiter(new ManualClock(0), 1, 60, 100);
    for (let i = 0; i < 1000; i++) limiter.record(`k${i}`);
    expect((limiter as unknown as { windows: Map<string, unknown> }).windows.size).toBeLessThanOrEqual(100);
    expect(limiter.retryAfter('k999')).toBe(60);
  });
});
