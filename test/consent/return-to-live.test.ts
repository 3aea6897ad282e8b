/** BCP-05 in live: the member is sent back only to the origin the subscriber registered. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGrantSpecs } from '../../src/connections/grant-spec.ts';
import { tokenFor, type Subscriber } from '../fixtures.ts';
import { createTestApp, type TestApp } from '../harness.ts';
import { CONNECT, linkCall } from './helpers.ts';

let t: TestApp;
let sub: Subscriber;

beforeAll(async () => {
  t = await createTestApp({ env: { OPENPDX_ENV: 'live', OPENPDX_PUBLIC_URL: 'https://pdx.example.net' } });
  const ctx = t.ctx;
  const { orgId } = await ctx.connections.createOrganisation('Live Subscriber');
  const { nid, token } = await ctx.connections.createConnection({
    orgId,
    callbackUrl: 'https://subscriber.example.org/pdx/callback',
    notifications: false,
    permissions: parseGrantSpecs(['ds_personal_details:r'], ctx.catalogue),
  });
  const { clientId, clientSecret } = await ctx.oauth.createClient({ orgId, scopes: ['mydex:pdx'] });
  sub = { orgId, nid, connectionToken: token, clientId, clientSecret, accessToken: await tokenFor(t, clientId, clientSecret) };
});
afterAll(() => t.close());

describe('return_to in live', () => {
  it('accepts an https URL on the origin of the callback URL, and links use the public URL', async () => {
    const res = await linkCall(t, sub, CONNECT, { return_to: 'https://subscriber.example.org/hello-world' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatch(new RegExp(`^https://pdx\\.example\\.net/ftc/begin/${sub.nid}/pdx_ln_[A-Za-z0-9_-]{43}/1$`));
  });

  it('refuses http and other origins', async () => {
    const http = await linkCall(t, sub, CONNECT, { return_to: 'http://subscriber.example.org/hello-world' });
    expect(http.statusCode).toBe(400);
    expect(http.json().error.message).toBe('return_to must use https.');
    const elsewhere = await linkCall(t, sub, CONNECT, { return_to: 'https://example.com/hello-world' });
    expect(elsewhere.statusCode).toBe(400);
    expect(elsewhere.json().error.message).toBe(
      "return_to must be on the origin of the connection's callback URL (https://subscriber.example.org).",
    );
  });
});
