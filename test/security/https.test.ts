/** OA-23: a live server refuses requests that did not come over HTTPS, with no silent redirect. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { createTestApp, type TestApp } from '../harness.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({
    env: {
      OPENPDX_ENV: 'live',
      OPENPDX_PUBLIC_URL: 'https://pdx.example.org',
      OPENPDX_REQUIRE_HTTPS: 'true',
      OPENPDX_TRUST_PROXY: '127.0.0.1',
    },
  });
});
afterAll(() => t.close());

describe('HTTPS only in live (OA-23)', () => {
  it('refuses plain HTTP on the token endpoint and the API, in each route format, without redirecting', async () => {
    const token = await t.app.inject({ method: 'POST', url: '/oauth2/token', payload: 'grant_type=client_credentials' });
    expect(token.statusCode).toBe(400);
    expect(token.headers.location).toBeUndefined();
    expect(token.json()).toEqual({ error: 'invalid_request', error_description: 'HTTPS required' });
    const api = await t.app.inject({ method: 'GET', url: '/api/pds/pds/1.json' });
    expect(api.statusCode).toBe(400);
    expect(api.json().error.message).toBe('HTTPS required');
  });

  it('serves requests the trusted proxy says came over HTTPS', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json', headers: { 'x-forwarded-proto': 'https' } });
    expect(res.statusCode).toBe(200);
  });

  it('keeps health checks reachable over plain HTTP for the load balancer', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('will not start live without a trusted proxy to say so', () => {
    const live = {
      OPENPDX_ENV: 'live',
      OPENPDX_PUBLIC_URL: 'https://x.example',
      OPENPDX_MASTER_KEY: `k:${Buffer.alloc(32).toString('base64')}`,
    };
    expect(() => loadConfig(live)).toThrow(/OPENPDX_TRUST_PROXY/);
    expect(loadConfig({ ...live, OPENPDX_TRUST_PROXY: '10.0.0.5' }).requireHttps).toBe(true);
    expect(loadConfig({}).requireHttps).toBe(false);
  });
});
