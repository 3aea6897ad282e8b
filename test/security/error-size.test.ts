/**
 * An error names what was wrong with a request, but never echoes megabytes of it: lists the request
 * controls show ten items at most, each cut short, and every reason is capped in the presenters.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listed, MAX_REASON_LENGTH } from '../../src/errors.ts';
import { createTestApp, type TestApp } from '../harness.ts';
import { bearer, connectMember, createSubscriber, type ConnectedMember, type Subscriber } from '../fixtures.ts';

let t: TestApp;
let sub: Subscriber;
let m: ConnectedMember;

beforeAll(async () => {
  t = await createTestApp({ startWorkers: false });
  sub = await createSubscriber(t, ['ds_referrals:rw']);
  m = await connectMember(t.ctx, sub, 'error.size');
});
afterAll(() => t.close());

describe('listed', () => {
  it('names ten items, cuts long ones and counts the rest', () => {
    expect(listed(['a', 'b'])).toBe('a, b');
    const many = Array.from({ length: 5000 }, (_, i) => `field_${i}`);
    expect(listed(many)).toBe(`${many.slice(0, 10).join(', ')} … and 4,990 more`);
    expect(listed(['x'.repeat(500)])).toBe(`${'x'.repeat(63)}…`);
  });
});

describe('errors about request-controlled lists', () => {
  it('answers 5,000 unknown fields of 200 characters each with a short 400', async () => {
    const values = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`unknown_${i}_${'z'.repeat(190)}`, 'v']));
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/pds/transaction?uid=${m.uid}&key=${m.key}&con_id=${m.conId}&dataset=ds_referrals`,
      headers: bearer(sub),
      payload: { ds_referrals: values },
    });
    expect(res.statusCode).toBe(400);
    expect(res.body.length).toBeLessThan(1500);
    expect(res.json().error.reason).toMatch(/^ds_referrals has no field unknown_0_z+…, .* … and 4,990 more\.$/);
  });

  it('answers a token request for thousands of scopes with a short error', async () => {
    const scope = Array.from({ length: 1000 }, (_, i) => `scope:${i}`).join(' ');
    const res = await t.app.inject({
      method: 'POST',
      url: '/oauth2/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: sub.clientId,
        client_secret: sub.clientSecret,
        scope,
      }).toString(),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error_description.length).toBeLessThan(MAX_REASON_LENGTH);
    expect(res.json().error_description).toContain('… and 990 more');
  });
});
