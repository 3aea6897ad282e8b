/** BCP-04: a forged X-Forwarded-For from an untrusted hop does not pick the rate-limit bucket. */
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../harness.ts';
import { createSubscriber } from '../fixtures.ts';

let t: TestApp | undefined;
afterEach(() => t?.close());

async function satRequests(app: TestApp, nid: number, forwardedFor: (i: number) => string): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < 62; i++) {
    const res = await app.app.inject({
      method: 'GET',
      url: `/access-token/${nid}`,
      headers: { 'x-forwarded-for': forwardedFor(i) },
    });
    statuses.push(res.statusCode);
  }
  return statuses;
}

describe('client addresses behind proxies', () => {
  it('ignores X-Forwarded-For by default: rotating forged addresses still hits one limit', async () => {
    t = await createTestApp();
    const sub = await createSubscriber(t);
    const statuses = await satRequests(t, sub.nid, (i) => `203.0.113.${i}`);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
  });

  it('uses X-Forwarded-For when the proxy is trusted, so clients get buckets of their own', async () => {
    t = await createTestApp({ env: { OPENPDX_TRUST_PROXY: '127.0.0.1' } });
    const sub = await createSubscriber(t);
    const statuses = await satRequests(t, sub.nid, (i) => `203.0.113.${i}`);
    expect(statuses.every((s) => s === 200)).toBe(true);
  });
});

describe('a trusted hop count', () => {
  it('takes the client address from X-Forwarded-For one hop back', async () => {
    t = await createTestApp({ env: { OPENPDX_TRUST_PROXY: '1' } });
    const sub = await createSubscriber(t);
    const statuses = await satRequests(t, sub.nid, (i) => `203.0.113.${i}`);
    expect(statuses.every((s) => s === 200)).toBe(true);
  });
});
