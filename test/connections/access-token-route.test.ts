import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { registerConnectionRoutes } from '../../src/connections/connection-routes.ts';
import { sha512Hex } from '../../src/crypto/hash.ts';
import { createHttpServer } from '../../src/http/server.ts';
import { createTestApp, type TestApp } from '../harness.ts';
import { makeConnection, principalOf } from './helpers.ts';

let t: TestApp;
let clock: ManualClock;
let conn: { orgId: number; nid: number; token: string };

beforeEach(async () => {
  clock = new ManualClock();
  t = await createTestApp({ clock });
  conn = await makeConnection(t.ctx);
});
afterEach(async () => {
  await t.close();
});

async function getSat(nid: number | string) {
  return t.app.inject({ method: 'GET', url: `/access-token/${nid}` });
}

describe('GET /access-token/{nid}', () => {
  it('answers a bare JSON string that is not cached', async () => {
    const res = await getSat(conn.nid);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toMatch(/^"[A-Za-z0-9_-]{32}"$/);
    const sat = JSON.parse(res.body) as unknown;
    expect(typeof sat).toBe('string');
  });

  it('hands out a different SAT every time', async () => {
    const a = (await getSat(conn.nid)).json<string>();
    const b = (await getSat(conn.nid)).json<string>();
    expect(a).not.toBe(b);
  });

  it('stores only a hash of the SAT', async () => {
    const sat = (await getSat(conn.nid)).json<string>();
    const rows = await t.ctx.db.selectFrom('short_access_tokens').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(sat);
    expect(rows[0]).toMatchObject({ nid: conn.nid, expires_at: clock.now() + 300, used_at: null });
  });

  it('answers 404 with the exact body for an unknown or non-numeric NID', async () => {
    for (const nid of ['39999', '49999', 'abc', '40000x', '-1', '0']) {
      const res = await getSat(nid);
      expect(res.statusCode).toBe(404);
      expect(res.body).toBe('{"error":{"message":"Unknown connection"}}');
    }
  });

  it('issues a SAT that works once, for its NID, until satTtl', async () => {
    const principal = principalOf(conn.orgId);
    const creds = (sat: string) => ({
      principal,
      nid: conn.nid,
      sat,
      authentication: sha512Hex(sat + conn.token),
      connectionTokenHash: sha512Hex(conn.token),
    });
    const first = (await getSat(conn.nid)).json<string>();
    await expect(t.ctx.connections.verifyConnectionRequest(creds(first))).resolves.toMatchObject({ nid: conn.nid });
    await expect(t.ctx.connections.verifyConnectionRequest(creds(first))).rejects.toMatchObject({ status: 401 });

    const late = (await getSat(conn.nid)).json<string>();
    clock.advance(300);
    await expect(t.ctx.connections.verifyConnectionRequest(creds(late))).rejects.toMatchObject({
      status: 401,
      code: 'sat_expired',
    });
  });

  it('deletes expired SATs when new ones are issued', async () => {
    await getSat(conn.nid);
    clock.advance(400);
    await getSat(conn.nid);
    const rows = await t.ctx.db.selectFrom('short_access_tokens').select('expires_at').execute();
    expect(rows).toEqual([{ expires_at: clock.now() + 300 }]);
  });

  it('rate limits each client address with 429 and Retry-After in the PDX format', async () => {
    const app = createHttpServer(t.ctx.logger);
    registerConnectionRoutes(app, t.ctx, { accessTokenRateLimit: { limit: 2, windowSeconds: 60 } });
    const from = (remoteAddress: string) => app.inject({ method: 'GET', url: `/access-token/${conn.nid}`, remoteAddress });
    expect((await from('10.0.0.1')).statusCode).toBe(200);
    expect((await from('10.0.0.1')).statusCode).toBe(200);
    const res = await from('10.0.0.1');
    expect(res.statusCode).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await from('10.0.0.2')).statusCode).toBe(200);
    await app.close();
  });

  it('limits the real app at 60 requests a minute per address', async () => {
    for (let i = 0; i < 60; i++) expect((await getSat(conn.nid)).statusCode).toBe(200);
    const res = await getSat(conn.nid);
    expect(res.statusCode).toBe(429);
    expect(res.headers['retry-after']).toMatch(/^\d+$/);
    expect(res.json()).toEqual({
      error: { message: 'Too many requests', reason: expect.stringMatching(/^Too many short access token requests/) },
    });
    const forwarded = await t.app.inject({
      method: 'GET',
      url: `/access-token/${conn.nid}`,
      headers: { 'x-forwarded-for': '1.2.3.4' },
    });
    expect(forwarded.statusCode).toBe(429);
  });
});
