/** RFC 7662 introspection and RFC 7009 revocation (IN-01…IN-06, RV-01…RV-05), across processes too. */
import { generateKeyPairSync } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppContext, type AppContext } from '../../src/app-context.ts';
import { ManualClock } from '../../src/clock.ts';
import { createTestApp, type TestApp } from '../harness.ts';
import {
  BASIC_CHALLENGE,
  CLIENT_AUTH_FAILED,
  ISSUER,
  JSON_UTF8,
  basic,
  basicOf,
  createClient,
  decodePart,
  forgeToken,
  issueToken,
  pgSchemaOf,
  postForm,
  sleep,
  validClaims,
  type TestClient,
} from './helpers.ts';

let t: TestApp;
let clock: ManualClock;
let alice: TestClient;
let bob: TestClient;

beforeAll(async () => {
  clock = new ManualClock(1_800_000_000);
  t = await createTestApp({ clock });
  alice = await createClient(t.ctx);
  bob = await createClient(t.ctx);
});
afterAll(() => t.close());

const introspect = (c: TestClient | undefined, body: string) =>
  postForm(t.app, '/oauth2/introspect', body, c ? { authorization: basicOf(c) } : {});
const revoke = (c: TestClient | undefined, body: string) =>
  postForm(t.app, '/oauth2/revoke', body, c ? { authorization: basicOf(c) } : {});

async function expectInactive(c: TestClient, token: string, extra = ''): Promise<void> {
  const res = await introspect(c, `token=${encodeURIComponent(token)}${extra}`);
  expect(res.statusCode).toBe(200);
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.body).toBe('{"active":false}');
}

describe('introspection', () => {
  it('IN-01 refuses an unauthenticated caller with 401 invalid_client', async () => {
    const token = await issueToken(t.app, alice);
    const res = await introspect(undefined, `token=${token}`);
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe(BASIC_CHALLENGE);
    expect(res.json()).toStrictEqual({ error: 'invalid_client', error_description: 'client authentication required' });
    const wrong = await postForm(t.app, '/oauth2/introspect', `token=${token}`, { authorization: basic(alice.clientId, 'x') });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toStrictEqual(CLIENT_AUTH_FAILED);
  });

  it('IN-02 describes a live token of the caller', async () => {
    const token = await issueToken(t.app, alice);
    const claims = decodePart(token, 1);
    const res = await introspect(alice, `token=${token}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers).toMatchObject({ 'cache-control': 'no-store', pragma: 'no-cache', 'content-type': JSON_UTF8 });
    expect(res.json()).toStrictEqual({
      active: true,
      scope: 'mydex:pdx',
      client_id: alice.clientId,
      sub: alice.clientId,
      aud: ISSUER,
      iss: ISSUER,
      exp: clock.now() + 3600,
      iat: clock.now(),
      jti: claims.jti,
      token_type: 'bearer',
    });
  });

  it('IN-03 answers only {"active":false} for an expired token', async () => {
    const token = await issueToken(t.app, alice);
    clock.advance(3600);
    try {
      await expectInactive(alice, token);
    } finally {
      clock.advance(-3600);
    }
  });

  it('IN-03 answers only {"active":false} for a revoked token', async () => {
    const token = await issueToken(t.app, alice);
    expect((await revoke(alice, `token=${token}`)).statusCode).toBe(200);
    await expectInactive(alice, token);
  });

  it.each([
    ['a random string', 'not-a-token'],
    ['a connection-key-shaped value', 'Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z'],
    ['a client secret', 'pdx_cs_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
  ])('IN-03 answers only {"active":false} for %s', async (_name, value) => {
    await expectInactive(alice, value);
  });

  it('IN-03 answers only {"active":false} for a JWT we did not issue', async () => {
    const foreign = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const token = await forgeToken(
      foreign,
      { alg: 'ES256', kid: 'theirs', typ: 'at+jwt' },
      validClaims(alice.clientId, clock.now()),
    );
    await expectInactive(alice, token);
  });

  it('IN-04 answers a missing token with 400 invalid_request', async () => {
    const res = await introspect(alice, 'token_type_hint=access_token');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toStrictEqual({ error: 'invalid_request', error_description: 'token is required' });
  });

  it('IN-05 answers {"active":false} to a client introspecting another client\'s token', async () => {
    const token = await issueToken(t.app, alice);
    await expectInactive(bob, token);
  });

  it.each(['access_token', 'refresh_token', 'foo'])('IN-06 ignores token_type_hint=%s', async (hint) => {
    const token = await issueToken(t.app, alice);
    const res = await introspect(alice, `token=${token}&token_type_hint=${hint}`);
    expect(res.json()).toMatchObject({ active: true, client_id: alice.clientId });
    await expectInactive(alice, 'garbage', `&token_type_hint=${hint}`);
  });

  it('refuses GET with 405', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/oauth2/introspect' });
    expect(res.statusCode).toBe(405);
    expect(res.headers['allow']).toBe('POST');
  });
});

describe('revocation', () => {
  it('RV-01 revokes the caller’s own token: 200 with an empty body, then refused everywhere', async () => {
    const token = await issueToken(t.app, alice);
    expect(await t.ctx.oauth.verifyAccessToken(token)).toBeDefined();
    const res = await revoke(alice, `token=${token}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(await t.ctx.oauth.verifyAccessToken(token)).toBeUndefined();
    await expectInactive(alice, token);
  });

  it('RV-01 is idempotent', async () => {
    const token = await issueToken(t.app, alice);
    expect((await revoke(alice, `token=${token}`)).statusCode).toBe(200);
    expect((await revoke(alice, `token=${token}`)).statusCode).toBe(200);
  });

  it('RV-02 answers a garbage token with 200 and an empty body', async () => {
    const res = await revoke(alice, 'token=garbage&token_type_hint=refresh_token');
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('');
  });

  it("RV-03 answers 200 for another client's token and leaves it working (pinned: silent)", async () => {
    const token = await issueToken(t.app, alice);
    const res = await revoke(bob, `token=${token}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('');
    expect(await t.ctx.oauth.verifyAccessToken(token)).toMatchObject({ clientId: alice.clientId });
  });

  it('RV-04 refuses a caller without or with wrong client authentication', async () => {
    const token = await issueToken(t.app, alice);
    const none = await revoke(undefined, `token=${token}`);
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toBe(BASIC_CHALLENGE);
    const wrong = await postForm(t.app, '/oauth2/revoke', `token=${token}`, { authorization: basic(alice.clientId, 'x') });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toStrictEqual(CLIENT_AUTH_FAILED);
    expect(await t.ctx.oauth.verifyAccessToken(token)).toBeDefined();
  });

  it('RV-05 answers a missing token with 400 invalid_request', async () => {
    const res = await revoke(alice, '');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toStrictEqual({ error: 'invalid_request', error_description: 'token is required' });
  });
});

describe('a second process on the same database', () => {
  let other: AppContext;
  beforeAll(async () => {
    const pgSchema = await pgSchemaOf(t.ctx);
    other = await createAppContext(t.ctx.config, {
      logger: pino({ level: 'silent' }),
      clock,
      migrate: false,
      ...(pgSchema ? { databaseOptions: { pgSchema } } : {}),
    });
  });
  afterAll(() => other.close());

  async function secondsUntilRefused(token: string): Promise<number> {
    const start = performance.now();
    while (await other.oauth.verifyAccessToken(token)) {
      if (performance.now() - start > 3000) break;
      await sleep(20);
    }
    return (performance.now() - start) / 1000;
  }

  it('accepts tokens the first process issued', async () => {
    const token = await issueToken(t.app, alice);
    expect(await other.oauth.verifyAccessToken(token)).toMatchObject({ clientId: alice.clientId, orgId: alice.orgId });
  });

  it('refuses a token revoked by the first process within one second', async () => {
    const token = await issueToken(t.app, alice);
    expect(await other.oauth.verifyAccessToken(token)).toBeDefined();
    expect((await revoke(alice, `token=${token}`)).statusCode).toBe(200);
    expect(await secondsUntilRefused(token)).toBeLessThan(1);
  });

  it("refuses a disabled client's tokens within one second", async () => {
    const c = await createClient(t.ctx);
    const token = await issueToken(t.app, c);
    expect(await other.oauth.verifyAccessToken(token)).toBeDefined();
    await t.ctx.oauth.disableClient(c.clientId);
    expect(await secondsUntilRefused(token)).toBeLessThan(1);
  });
});
