/** POST /oauth2/token (contract §2; security test plan §1.1, OA-01…OA-20, OA-26). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { sha256Hex } from '../../src/crypto/hash.ts';
import { createTestApp, type TestApp } from '../harness.ts';
import {
  BASIC_CHALLENGE,
  CLIENT_AUTH_FAILED,
  FORM,
  ISSUER,
  JSON_UTF8,
  basic,
  basicOf,
  createClient,
  createOrg,
  decodePart,
  postForm,
  tokenRequest,
  type TestClient,
} from './helpers.ts';

const GRANT = 'grant_type=client_credentials&scope=mydex:pdx';
const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

let t: TestApp;
let clock: ManualClock;
let client: TestClient;

beforeAll(async () => {
  clock = new ManualClock(1_800_000_000);
  // Failures here are many and deliberate; OA-22 has its own app with the default limit.
  t = await createTestApp({ clock, env: { OPENPDX_TOKEN_RATE_LIMIT: '100000' } });
  client = await createClient(t.ctx);
});
afterAll(() => t.close());

function expectError(res: Awaited<ReturnType<typeof tokenRequest>>, status: number, body: object): void {
  expect(res.statusCode).toBe(status);
  expect(res.headers['content-type']).toBe(JSON_UTF8);
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.headers['pragma']).toBe('no-cache');
  expect(res.json()).toStrictEqual(body);
}

describe('OA-01 the happy path', () => {
  it('issues a one-hour bearer token for client_credentials with HTTP Basic', async () => {
    const res = await tokenRequest(t.app, client);
    expect(res.statusCode).toBe(200);
    expect(res.headers).toMatchObject({ ...NO_STORE, 'content-type': JSON_UTF8 });
    const body = res.json();
    expect(Object.keys(body).sort()).toStrictEqual(['access_token', 'expires_in', 'scope', 'token_type']);
    expect(body).toMatchObject({ token_type: 'bearer', expires_in: 3600, scope: 'mydex:pdx' });
    expect(body).not.toHaveProperty('refresh_token');
  });

  it('issues an RFC 9068 JWT with the pinned header and claims', async () => {
    const res = await tokenRequest(t.app, client);
    const token = res.json().access_token as string;
    const header = decodePart(token, 0);
    const claims = decodePart(token, 1);
    const { kid } = await t.ctx.db.selectFrom('signing_keys').select('kid').executeTakeFirstOrThrow();
    expect(header).toStrictEqual({ alg: 'ES256', kid, typ: 'at+jwt' });
    expect(claims).toStrictEqual({
      iss: ISSUER,
      sub: client.clientId,
      aud: ISSUER,
      client_id: client.clientId,
      scope: 'mydex:pdx',
      iat: clock.now(),
      exp: clock.now() + 3600,
      jti: expect.stringMatching(/^[A-Za-z0-9_-]{24}$/),
    });
  });

  it('accepts client_secret_post as well', async () => {
    const body = `${GRANT}&client_id=${client.clientId}&client_secret=${client.clientSecret}`;
    const res = await postForm(t.app, '/oauth2/token', body);
    expect(res.statusCode).toBe(200);
    expect(res.json().scope).toBe('mydex:pdx');
  });

  it('accepts a Basic header whose parts were never URL-encoded', async () => {
    const raw = `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`;
    expect((await postForm(t.app, '/oauth2/token', GRANT, { authorization: raw })).statusCode).toBe(200);
  });

  it('accepts a charset parameter on the content type', async () => {
    const res = await postForm(t.app, '/oauth2/token', GRANT, {
      authorization: basicOf(client),
      'content-type': `${FORM}; charset=UTF-8`,
    });
    expect(res.statusCode).toBe(200);
  });

  it('grants several allow-listed scopes and echoes them in request order', async () => {
    const c = await createClient(t.ctx, { scopes: ['mydex:pdx', 'get:/api/pds/mam'] });
    const res = await tokenRequest(t.app, c, 'grant_type=client_credentials&scope=get:/api/pds/mam+mydex:pdx');
    expect(res.statusCode).toBe(200);
    expect(res.json().scope).toBe('get:/api/pds/mam mydex:pdx');
  });
});

describe('client authentication failures', () => {
  it('OA-02 answers a wrong Basic secret with 401 invalid_client and a Basic challenge', async () => {
    const res = await postForm(t.app, '/oauth2/token', GRANT, { authorization: basic(client.clientId, 'pdx_cs_wrong') });
    expectError(res, 401, CLIENT_AUTH_FAILED);
    expect(res.headers['www-authenticate']).toBe(BASIC_CHALLENGE);
  });

  it('OA-03 answers an unknown client id exactly like a wrong secret', async () => {
    const wrong = await postForm(t.app, '/oauth2/token', GRANT, { authorization: basic(client.clientId, 'nope') });
    const unknown = await postForm(t.app, '/oauth2/token', GRANT, {
      authorization: basic('00000000-0000-4000-8000-000000000000', 'nope'),
    });
    expect(unknown.statusCode).toBe(wrong.statusCode);
    expect(unknown.body).toBe(wrong.body);
    const headersOf = (h: Record<string, unknown>) => ({ ...h, date: undefined, 'content-length': undefined });
    expect(headersOf(unknown.headers)).toStrictEqual(headersOf(wrong.headers));
  });

  it('OA-03 takes as long for an unknown client id as for a wrong secret (medians of 200)', async () => {
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    const time = async (authorization: string) => {
      const start = process.hrtime.bigint();
      await postForm(t.app, '/oauth2/token', GRANT, { authorization });
      return Number(process.hrtime.bigint() - start) / 1e6;
    };
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 200; i++) {
      known.push(await time(basic(client.clientId, 'pdx_cs_wrong')));
      unknown.push(await time(basic('00000000-0000-4000-8000-000000000000', 'pdx_cs_wrong')));
    }
    expect(Math.abs(median(known) - median(unknown))).toBeLessThan(2);
  });

  it('OA-04 answers a wrong client_secret_post secret with 401 and no challenge (pinned)', async () => {
    const res = await postForm(t.app, '/oauth2/token', `${GRANT}&client_id=${client.clientId}&client_secret=wrong`);
    expectError(res, 401, CLIENT_AUTH_FAILED);
    expect(res.headers['www-authenticate']).toBeUndefined();
  });

  it('OA-05 answers a request without client authentication with 401 and a Basic challenge (pinned)', async () => {
    const res = await postForm(t.app, '/oauth2/token', GRANT);
    expectError(res, 401, { error: 'invalid_client', error_description: 'client authentication required' });
    expect(res.headers['www-authenticate']).toBe(BASIC_CHALLENGE);
  });

  it('OA-05 treats a bare client_id (a public client) as no authentication', async () => {
    const res = await postForm(t.app, '/oauth2/token', `${GRANT}&client_id=${client.clientId}`);
    expectError(res, 401, { error: 'invalid_client', error_description: 'client authentication required' });
  });

  it('refuses a client_assertion of a type other than RFC 7523 jwt-bearer (MD-02; private_key_jwt works: private-key-jwt.test.ts)', async () => {
    const res = await postForm(t.app, '/oauth2/token', `${GRANT}&client_assertion_type=x&client_assertion=y`);
    expectError(res, 400, {
      error: 'invalid_request',
      error_description: 'client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    });
  });

  it.each([
    ['Basic and client_secret in the body', (c: TestClient) => `&client_id=${c.clientId}&client_secret=${c.clientSecret}`],
    ['Basic and client_assertion', () => '&client_assertion_type=urn:x&client_assertion=abc'],
  ])('OA-06 refuses two authentication methods at once: %s', async (_name, extra) => {
    const res = await postForm(t.app, '/oauth2/token', GRANT + extra(client), { authorization: basicOf(client) });
    expectError(res, 400, { error: 'invalid_request', error_description: 'only one client authentication method may be used' });
  });

  it('OA-06 refuses client_secret_post combined with client_assertion', async () => {
    const body = `${GRANT}&client_id=${client.clientId}&client_secret=${client.clientSecret}&client_assertion=x`;
    const res = await postForm(t.app, '/oauth2/token', body);
    expectError(res, 400, { error: 'invalid_request', error_description: 'only one client authentication method may be used' });
  });

  it('refuses a body client_id that differs from the Basic one', async () => {
    const res = await postForm(t.app, '/oauth2/token', `${GRANT}&client_id=someone-else`, { authorization: basicOf(client) });
    expectError(res, 400, { error: 'invalid_request', error_description: 'client_id does not match the Authorization header' });
  });

  it('refuses client_secret without client_id', async () => {
    const res = await postForm(t.app, '/oauth2/token', `${GRANT}&client_secret=${client.clientSecret}`);
    expectError(res, 400, { error: 'invalid_request', error_description: 'client_secret was sent without client_id' });
  });

  const MALFORMED = { error: 'invalid_request', error_description: 'malformed Basic authorization header' };
  it.each([
    ['a bare scheme', 'Basic'],
    ['no colon', 'Basic Zm9v'],
    ['non-base64 characters', 'Basic Zm9v!YmFy'],
    ['an empty secret', `Basic ${Buffer.from('abc:').toString('base64')}`],
    ['an empty id', `Basic ${Buffer.from(':abc').toString('base64')}`],
    ['a broken % sequence', `Basic ${Buffer.from('abc:%zz').toString('base64')}`],
    ['invalid UTF-8', `Basic ${Buffer.from([0x61, 0x3a, 0xff, 0xfe]).toString('base64')}`],
  ])('OA-07 answers malformed Basic (%s) with 400 invalid_request', async (_name, authorization) => {
    expectError(await postForm(t.app, '/oauth2/token', GRANT, { authorization }), 400, MALFORMED);
  });

  it('OA-07 refuses a Bearer header on the token endpoint', async () => {
    const res = await postForm(t.app, '/oauth2/token', GRANT, { authorization: 'Bearer x' });
    expectError(res, 400, { error: 'invalid_request', error_description: 'unsupported authorization scheme; use Basic' });
  });

  it('OA-08 decodes Appendix-B encoded ids and secrets containing : % + and space', async () => {
    const orgId = await createOrg(t.ctx);
    const id = 'odd:id%+ é';
    const secret = 'se:cr%et+ with space';
    await t.ctx.db
      .insertInto('oauth_clients')
      .values({
        client_id: id,
        org_id: orgId,
        name: 'odd',
        secret_hash: sha256Hex(secret),
        previous_secret_hash: null,
        previous_secret_expires_at: null,
        scopes: 'mydex:pdx',
        grant_types: 'client_credentials',
        disabled: 0,
        created_at: 0,
      })
      .execute();
    const res = await postForm(t.app, '/oauth2/token', GRANT, { authorization: basic(id, secret) });
    expect(res.statusCode).toBe(200);
    expect(decodePart(res.json().access_token, 1).client_id).toBe(id);
  });
});

describe('grant and request checks', () => {
  it('OA-09 answers a missing grant_type with 400 invalid_request', async () => {
    expectError(await tokenRequest(t.app, client, 'scope=mydex:pdx'), 400, {
      error: 'invalid_request',
      error_description: 'grant_type is required',
    });
  });

  it.each(['password', 'urn:ietf:params:oauth:grant-type:jwt-bearer', 'foo'])(
    'OA-10 answers grant_type=%s with 400 unsupported_grant_type',
    async (grant) => {
      const res = await tokenRequest(t.app, client, `grant_type=${encodeURIComponent(grant)}&scope=mydex:pdx`);
      expectError(res, 400, { error: 'unsupported_grant_type', error_description: 'only client_credentials is supported' });
    },
  );

  it.each(['authorization_code', 'refresh_token'])(
    'OA-10 answers grant_type=%s from a client that does not sign members in with 400 unauthorized_client',
    async (grant) => {
      const res = await tokenRequest(t.app, client, `grant_type=${encodeURIComponent(grant)}&code=x&refresh_token=x`);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: 'unauthorized_client' });
    },
  );

  it('OA-11 answers a client not registered for client_credentials with 400 unauthorized_client', async () => {
    const c = await createClient(t.ctx, { grantTypes: ['authorization_code'] });
    expectError(await tokenRequest(t.app, c), 400, {
      error: 'unauthorized_client',
      error_description: 'this client may not use the client_credentials grant',
    });
  });

  it('OA-12 refuses a scope outside the client allow-list and issues no token', async () => {
    const res = await tokenRequest(t.app, client, 'grant_type=client_credentials&scope=mydex:pdx get:/api/pds/mam');
    expectError(res, 400, {
      error: 'invalid_scope',
      error_description: 'scope not allowed for this client: get:/api/pds/mam',
    });
  });

  it('OA-13 refuses an unknown scope value (pinned: no silent narrowing)', async () => {
    const res = await tokenRequest(t.app, client, 'grant_type=client_credentials&scope=mydex:pdx+foo');
    expectError(res, 400, { error: 'invalid_scope', error_description: 'scope not allowed for this client: foo' });
  });

  it('OA-14 accepts a route scope containing : and /', async () => {
    const c = await createClient(t.ctx, { scopes: ['get:/api/pds/mam'] });
    const res = await tokenRequest(t.app, c, 'grant_type=client_credentials&scope=get:/api/pds/mam');
    expect(res.statusCode).toBe(200);
  });

  it.each([
    ['LF', 'api:read\ninjected'],
    ['a double quote', 'mydex:"pdx'],
    ['a backslash', 'mydex:\\pdx'],
    ['a tab', 'mydex:pdx\tx'],
    ['a control character', 'mydex:\u0001pdx'],
    ['non-ASCII', 'mydex:pdé'],
  ])('OA-14 refuses a scope containing %s with 400 invalid_scope', async (_name, scope) => {
    const res = await tokenRequest(t.app, client, `grant_type=client_credentials&scope=${encodeURIComponent(scope)}`);
    expectError(res, 400, { error: 'invalid_scope', error_description: 'scope is malformed' });
  });

  it.each([
    ['omitted', 'grant_type=client_credentials'],
    ['empty', 'grant_type=client_credentials&scope='],
  ])('OA-15 answers a scope that is %s with invalid_scope naming mydex:pdx', async (_name, body) => {
    expectError(await tokenRequest(t.app, client, body), 400, {
      error: 'invalid_scope',
      error_description: 'scope is required: request mydex:pdx',
    });
  });

  it('refuses a scope made only of spaces', async () => {
    const res = await tokenRequest(t.app, client, 'grant_type=client_credentials&scope=++');
    expectError(res, 400, { error: 'invalid_scope', error_description: 'scope is malformed' });
  });

  it.each([
    ['grant_type', 'grant_type=client_credentials&grant_type=client_credentials&scope=mydex:pdx'],
    ['scope', 'grant_type=client_credentials&scope=mydex:pdx&scope=mydex:pdx'],
  ])('OA-16 refuses a repeated %s with 400 invalid_request', async (_name, body) => {
    expectError(await tokenRequest(t.app, client, body), 400, {
      error: 'invalid_request',
      error_description: 'request parameters must not be repeated',
    });
  });

  it('OA-17 ignores unknown parameters', async () => {
    expect((await tokenRequest(t.app, client, `${GRANT}&foo=bar&resource=x`)).statusCode).toBe(200);
  });

  it('OA-18 answers GET with 405 and Allow: POST, and never reads credentials from the query', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/oauth2/token?${GRANT}&client_id=${client.clientId}&client_secret=${client.clientSecret}`,
    });
    expectError(res, 405, { error: 'invalid_request', error_description: 'method not allowed; use POST' });
    expect(res.headers['allow']).toBe('POST');
  });

  it('OA-18 ignores credentials in the query string of a POST', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/oauth2/token?client_id=${client.clientId}&client_secret=${client.clientSecret}`,
      headers: { 'content-type': FORM },
      payload: GRANT,
    });
    expect(res.statusCode).toBe(401);
  });

  it.each(['PUT', 'DELETE', 'PATCH'] as const)('OA-18 answers %s with 405', async (method) => {
    const res = await t.app.inject({ method, url: '/oauth2/token' });
    expect(res.statusCode).toBe(405);
    expect(res.headers['allow']).toBe('POST');
  });

  it.each([
    ['application/json', { 'content-type': 'application/json' }],
    ['text/plain', { 'content-type': 'text/plain' }],
  ])('OA-19 refuses content type %s with 400 invalid_request', async (_name, headers) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/oauth2/token',
      headers: { authorization: basicOf(client), ...headers },
      payload: GRANT,
    });
    expectError(res, 400, {
      error: 'invalid_request',
      error_description: 'content type must be application/x-www-form-urlencoded',
    });
  });

  it('OA-19 refuses a body larger than 16 KiB with 413', async () => {
    const res = await tokenRequest(t.app, client, `${GRANT}&pad=${'x'.repeat(16 * 1024)}`);
    expectError(res, 413, { error: 'invalid_request', error_description: 'Request body too large' });
  });

  it('OA-26 error bodies hold only error and error_description and are never cached', async () => {
    const bad = [
      await postForm(t.app, '/oauth2/token', GRANT),
      await postForm(t.app, '/oauth2/token', GRANT, { authorization: 'Basic !!' }),
      await tokenRequest(t.app, client, 'grant_type=password'),
      await tokenRequest(t.app, client, 'grant_type=client_credentials&scope=x'),
      await t.app.inject({ method: 'GET', url: '/oauth2/token' }),
    ];
    for (const res of bad) {
      expect(Object.keys(res.json()).sort()).toStrictEqual(['error', 'error_description']);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).not.toMatch(/at .*\.ts|select |\/work\//i);
    }
  });
});

describe('OA-20 token entropy and storage', () => {
  it('issues 10 000 distinct tokens with distinct jti values', async () => {
    const issued = await Promise.all(
      Array.from({ length: 10_000 }, () => t.ctx.oauth.issueToken(client.clientId, ['mydex:pdx'])),
    );
    const tokens = new Set(issued.map((i) => i.accessToken));
    const jtis = new Set(issued.map((i) => i.jti));
    expect(tokens.size).toBe(10_000);
    expect(jtis.size).toBe(10_000);
  });

  it('stores no access token anywhere in the OAuth tables', async () => {
    const token = (await tokenRequest(t.app, client)).json().access_token as string;
    const signature = token.split('.')[2] ?? '';
    const dump = JSON.stringify([
      await t.ctx.db.selectFrom('oauth_clients').selectAll().execute(),
      await t.ctx.db.selectFrom('signing_keys').selectAll().execute(),
      await t.ctx.db.selectFrom('revoked_tokens').selectAll().execute(),
    ]);
    expect(signature.length).toBeGreaterThan(80);
    expect(dump).not.toContain(signature);
  });
});
