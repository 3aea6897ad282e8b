/**
 * The resource server's token check (contract §3): BT-01…BT-09, OA-21, JW-01, JW-03…JW-05, on a
 * small Fastify instance guarded by requireBearer with the real OAuthService as verifier.
 */
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { requireBearer } from '../../src/http/auth.ts';
import { routeScopeOf } from '../../src/oauth/principal.ts';
import { createHttpServer } from '../../src/http/server.ts';
import { createTestApp, type TestApp } from '../harness.ts';
import { basicOf, createClient, forgeToken, issueToken, postForm, signingKey, validClaims, type TestClient } from './helpers.ts';

const DENIED = {
  error: {
    message: 'Access denied',
    reason: 'Unable to authorize the request. Please make sure you send an OAuth2.0 bearer token or an API key.',
  },
};
/** RFC 6750 §3 challenges: the Mydex body stays the same, the header says what was wrong and what to do. */
const invalidToken = (description: string) => `Bearer error="invalid_token", error_description="${description}"`;
const MISSING = invalidToken(
  'No access token was sent. Send Authorization: Bearer <token>, with a token from POST /oauth2/token.',
);
const MALFORMED_HEADER = invalidToken('The Authorization header is not Bearer <token>.');
const MALFORMED = invalidToken('The access token is not a JWT.');
const NOT_OURS = invalidToken(
  'The access token was not issued by this server (signature, type, issuer or audience do not match).',
);
const EXPIRED = invalidToken('The access token has expired. Request a new one from POST /oauth2/token.');
const REVOKED = invalidToken('The access token has been revoked. Request a new one from POST /oauth2/token.');
const lacking = (scope: string) =>
  `Bearer error="insufficient_scope", error_description="The access token lacks the scope ${scope}. ` +
  'Request a token with it from POST /oauth2/token; the client must be allowed the scope ' +
  `(openpdx admin client create --scope).", scope="${scope}"`;
const INSUFFICIENT_SCOPE = /^Bearer error="insufficient_scope", error_description="[^"]*", scope="[^"]*"$/;

let t: TestApp;
let rs: FastifyInstance;
let clock: ManualClock;
let client: TestClient;
let token: string;

beforeAll(async () => {
  clock = new ManualClock(1_800_000_000);
  t = await createTestApp({ clock });
  rs = createHttpServer(pino({ level: 'silent' }));
  // Every path is guarded: `mydex:pdx` plus the route scope of the concrete request.
  rs.route({
    method: ['GET', 'PUT', 'POST'],
    url: '/*',
    preHandler: requireBearer(t.ctx.oauth, { routeScope: (req) => routeScopeOf(req.method, req.url) }),
    handler: async (req) => ({ clientId: req.principal?.clientId, orgId: req.principal?.orgId }),
  });
  await rs.ready();
  client = await createClient(t.ctx, { scopes: ['mydex:pdx', 'get:/api/pds/mam'] });
  token = await issueToken(t.app, client, 'mydex:pdx get:/api/pds/mam');
});
afterAll(async () => {
  await rs.close();
  await t.close();
});

const call = (url: string, authorization?: string, method: 'GET' | 'PUT' | 'POST' = 'GET') =>
  rs.inject({ method, url, headers: authorization === undefined ? {} : { authorization } });

async function expectDenied(url: string, authorization: string | undefined, challenge: string, status = 401) {
  const res = await call(url, authorization);
  expect(res.statusCode).toBe(status);
  expect(res.headers['www-authenticate']).toBe(challenge);
  expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
  expect(res.json()).toStrictEqual(DENIED);
}

describe('bearer tokens at the resource server', () => {
  it('lets a valid token with the route scope through, with its principal', async () => {
    const res = await call('/api/pds/mam', `Bearer ${token}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toStrictEqual({ clientId: client.clientId, orgId: client.orgId });
  });

  it('BT-01 answers a request without credentials with 401 invalid_token (contract §3)', async () => {
    await expectDenied('/api/pds/mam', undefined, MISSING);
  });

  it.each([
    ['a bare scheme', 'Bearer'],
    ['two tokens', 'Bearer a b'],
    ['illegal characters', 'Bearer abc$def'],
    ['another scheme', `Basic ${Buffer.from('a:b').toString('base64')}`],
  ])('BT-02 answers a malformed header (%s) with 401 invalid_token (contract §3)', async (_name, authorization) => {
    await expectDenied('/api/pds/mam', authorization, MALFORMED_HEADER);
  });

  it.each([
    ['unknown', 'eyJhbGciOiJFUzI1NiJ9.e30.c2ln', NOT_OURS],
    ['garbage', 'not-a-jwt', MALFORMED],
    ['tampered', () => token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA'), NOT_OURS],
    [
      're-signed payload',
      () => `${token.split('.')[0]}.${Buffer.from('{"scope":"admin"}').toString('base64url')}.${token.split('.')[2]}`,
      NOT_OURS,
    ],
  ])('BT-03 answers a bad token (%s) with 401 invalid_token, saying why', async (_name, bad, challenge) => {
    await expectDenied('/api/pds/mam', `Bearer ${typeof bad === 'function' ? bad() : bad}`, challenge);
  });

  it('BT-04 answers a token without the route scope with 403 insufficient_scope, naming the scope', async () => {
    const narrow = await issueToken(t.app, client, 'mydex:pdx');
    await expectDenied('/api/pds/mam', `Bearer ${narrow}`, lacking('get:/api/pds/mam'), 403);
  });

  it('BT-10 answers a token without mydex:pdx with 403 even on its own route', async () => {
    const routeOnly = await issueToken(t.app, client, 'get:/api/pds/mam');
    await expectDenied('/api/pds/mam', `Bearer ${routeOnly}`, lacking('mydex:pdx'), 403);
  });

  it('says a token was revoked, or that its client is disabled', async () => {
    const c = await createClient(t.ctx, { scopes: ['mydex:pdx', 'get:/api/pds/mam'] });
    const doomed = await issueToken(t.app, c, 'mydex:pdx get:/api/pds/mam');
    expect((await call('/api/pds/mam', `Bearer ${doomed}`)).statusCode).toBe(200);
    const revoke = await postForm(t.app, '/oauth2/revoke', `token=${doomed}`, { authorization: basicOf(c) });
    expect(revoke.statusCode).toBe(200);
    await expectDenied('/api/pds/mam', `Bearer ${doomed}`, REVOKED);
    const other = await createClient(t.ctx, { scopes: ['mydex:pdx', 'get:/api/pds/mam'] });
    const live = await issueToken(t.app, other, 'mydex:pdx get:/api/pds/mam');
    await t.ctx.oauth.disableClient(other.clientId);
    await expectDenied('/api/pds/mam', `Bearer ${live}`, invalidToken('The client this access token was issued to is disabled.'));
  });

  it('keeps a route scope from breaking the challenge (only RFC 6750 characters reach the header)', async () => {
    const odd = createHttpServer(pino({ level: 'silent' }));
    odd.get(
      '/odd',
      { preHandler: requireBearer(t.ctx.oauth, { routeScope: () => 'get:/a"b\\c\u00e9\r\nX-Evil: 1' }) },
      () => ({}),
    );
    try {
      const res = await odd.inject({ method: 'GET', url: '/odd', headers: { authorization: `Bearer ${token}` } });
      expect(res.statusCode).toBe(403);
      expect(res.headers['x-evil']).toBeUndefined();
      const challenge = res.headers['www-authenticate'];
      expect(challenge).toMatch(INSUFFICIENT_SCOPE);
      expect(challenge).toContain('scope="get:/a?b?c???X-Evil: 1"');
    } finally {
      await odd.close();
    }
  });

  it.each(['bearer', 'BEARER', 'BeArEr'])('BT-05 accepts the scheme written %s', async (scheme) => {
    expect((await call('/api/pds/mam', `${scheme} ${token}`)).statusCode).toBe(200);
  });

  it('BT-06 ignores a token in the query string (treated as absent)', async () => {
    await expectDenied(`/api/pds/mam?access_token=${token}`, undefined, MISSING);
  });

  it('never reads a token from the request body', async () => {
    const res = await rs.inject({
      method: 'POST',
      url: '/api/pds/mam',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `access_token=${token}`,
    });
    expect(res.statusCode).toBe(401);
  });

  it.each([
    ['another method', 'PUT', '/api/pds/mam'],
    ['a longer name', 'GET', '/api/pds/mamx'],
    ['a suffixed name', 'GET', '/api/pds/mam-admin'],
    ['a child path', 'GET', '/api/pds/mam/admin'],
    ['dot segments', 'GET', '/api/pds/mam/../admin'],
    ['encoded dot segments', 'GET', '/api/pds/mam/%2e%2e/admin'],
    ['a double slash', 'GET', '/api//pds/mam'],
    ['a trailing slash', 'GET', '/api/pds/mam/'],
    ['a different case', 'GET', '/api/pds/MAM'],
  ] as const)('BT-09 matches route scopes exactly: %s is refused', async (_name, method, url) => {
    const res = await call(url, `Bearer ${token}`, method);
    expect(res.statusCode).toBe(403);
    expect(res.headers['www-authenticate']).toMatch(INSUFFICIENT_SCOPE);
  });

  it.each(['/api/pds/mam.json', '/api/pds/mam.xml', '/api/pds/mam?x=1'])('BT-09 treats %s as the same template', async (url) => {
    expect((await call(url, `Bearer ${token}`)).statusCode).toBe(200);
  });
});

describe('RFC 9068 checks', () => {
  it('accepts a token forged with our own key and exactly our claims (the control for the cases below)', async () => {
    const { kid, key } = await signingKey(t.ctx);
    const good = await forgeToken(key, { alg: 'ES256', kid, typ: 'at+jwt' }, validClaims(client.clientId, clock.now()));
    expect((await call('/api/pds/mam', `Bearer ${good}`)).statusCode).toBe(403); // valid, but no route scope
    expect(await t.ctx.oauth.verifyAccessToken(good)).toMatchObject({ clientId: client.clientId });
  });

  it.each([
    ['typ JWT', 'JWT'],
    ['no typ', undefined],
    ['typ application/jwt', 'application/jwt'],
  ])('JW-01 refuses a well-signed token with %s', async (_name, typ) => {
    const { kid, key } = await signingKey(t.ctx);
    const header = typ === undefined ? { alg: 'ES256', kid } : { alg: 'ES256', kid, typ };
    const forged = await forgeToken(key, header, validClaims(client.clientId, clock.now()));
    expect(await t.ctx.oauth.verifyAccessToken(forged)).toBeUndefined();
  });

  it('JW-03 refuses alg none', async () => {
    const { kid } = await signingKey(t.ctx);
    const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const unsigned = `${enc({ alg: 'none', kid, typ: 'at+jwt' })}.${enc(validClaims(client.clientId, clock.now()))}.`;
    expect(await t.ctx.oauth.verifyAccessToken(unsigned)).toBeUndefined();
    await expectDenied('/api/pds/mam', `Bearer ${unsigned}`, NOT_OURS);
  });

  it('JW-03 refuses HS256 keyed with the public key (key confusion)', async () => {
    const jwks = (await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json() as { keys: { kid: string }[] };
    const publicKey = jwks.keys[0]!;
    const forged = await forgeToken(
      Buffer.from(JSON.stringify(publicKey)),
      { alg: 'HS256', kid: publicKey.kid, typ: 'at+jwt' },
      validClaims(client.clientId, clock.now()),
    );
    expect(await t.ctx.oauth.verifyAccessToken(forged)).toBeUndefined();
  });

  it('JW-03 refuses an algorithm outside the allow-list (ES384)', async () => {
    const { kid } = await signingKey(t.ctx);
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey;
    const forged = await forgeToken(p384, { alg: 'ES384', kid, typ: 'at+jwt' }, validClaims(client.clientId, clock.now()));
    expect(await t.ctx.oauth.verifyAccessToken(forged)).toBeUndefined();
  });

  it('JW-04 refuses an unknown kid and never follows jku, x5u or an embedded jwk', async () => {
    const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const attackerJwk = attacker.publicKey.export({ format: 'jwk' });
    const { kid } = await signingKey(t.ctx);
    const claims = validClaims(client.clientId, clock.now());
    const headers = [
      { alg: 'ES256', kid: 'unknown-kid', typ: 'at+jwt' },
      { alg: 'ES256', typ: 'at+jwt' },
      { alg: 'ES256', kid, typ: 'at+jwt', jku: 'https://attacker.example/jwks.json' },
      { alg: 'ES256', kid, typ: 'at+jwt', x5u: 'https://attacker.example/cert.pem' },
      { alg: 'ES256', kid, typ: 'at+jwt', jwk: attackerJwk },
    ];
    for (const header of headers) {
      const forged = await forgeToken(
        createPrivateKey(attacker.privateKey.export({ format: 'pem', type: 'pkcs8' })),
        header,
        claims,
      );
      expect(await t.ctx.oauth.verifyAccessToken(forged)).toBeUndefined();
    }
  });

  it.each([
    ['a wrong audience', { aud: 'https://admin.example' }],
    ['an audience list without us', { aud: ['https://other.example'] }],
    ['a wrong issuer', { iss: 'https://evil.example' }],
    ['an expired exp', { exp: 1_800_000_000 - 1 }],
    ['a future nbf', { nbf: 1_800_000_000 + 120 }],
    ['an iat more than 60 s in the future', { iat: 1_800_000_000 + 61 }],
    ['an iat an hour in the future', { iat: 1_800_000_000 + 3600, exp: 1_800_000_000 + 7200 }],
    ['sub different from client_id', { sub: 'someone-else' }],
    ['no jti', { jti: undefined }],
    ['no client_id', { client_id: undefined }],
    ['a scope that is not a string', { scope: ['mydex:pdx'] }],
  ])('JW-05 refuses a well-signed token with %s', async (_name, override) => {
    const { kid, key } = await signingKey(t.ctx);
    const claims: Record<string, unknown> = { ...validClaims(client.clientId, clock.now()), ...override };
    for (const k of Object.keys(claims)) if (claims[k] === undefined) delete claims[k];
    const forged = await forgeToken(key, { alg: 'ES256', kid, typ: 'at+jwt' }, claims);
    expect(await t.ctx.oauth.verifyAccessToken(forged)).toBeUndefined();
  });

  it('accepts an iat up to 60 s in the future (a peer process whose clock runs ahead)', async () => {
    const { kid, key } = await signingKey(t.ctx);
    const claims = { ...validClaims(client.clientId, clock.now()), iat: clock.now() + 60 };
    const forged = await forgeToken(key, { alg: 'ES256', kid, typ: 'at+jwt' }, claims);
    expect(await t.ctx.oauth.verifyAccessToken(forged)).toBeDefined();
  });

  it('refuses a token for a client that does not exist', async () => {
    const { kid, key } = await signingKey(t.ctx);
    const forged = await forgeToken(key, { alg: 'ES256', kid, typ: 'at+jwt' }, validClaims('ghost', clock.now()));
    expect(await t.ctx.oauth.verifyAccessToken(forged)).toBeUndefined();
  });
});

describe('OA-21 lifetime', () => {
  it('accepts a token up to 3599 s after issue and refuses it at 3600 s (skew 0, pinned)', async () => {
    const c = await createClient(t.ctx, { scopes: ['mydex:pdx', 'get:/api/pds/mam'] });
    const fresh = await issueToken(t.app, c, 'mydex:pdx get:/api/pds/mam');
    const start = clock.now();
    try {
      clock.advance(3599);
      expect((await call('/api/pds/mam', `Bearer ${fresh}`)).statusCode).toBe(200);
      clock.advance(1);
      await expectDenied('/api/pds/mam', `Bearer ${fresh}`, EXPIRED);
    } finally {
      clock.advance(start - clock.now());
    }
  });

  it('refuses an expired token that was never seen before', async () => {
    const c = await createClient(t.ctx);
    const fresh = await issueToken(t.app, c);
    clock.advance(3600);
    try {
      expect(await t.ctx.oauth.verifyAccessToken(fresh)).toBeUndefined();
      expect(await t.ctx.oauth.checkAccessToken(fresh)).toStrictEqual({ refused: 'expired' });
    } finally {
      clock.advance(-3600);
    }
  });
});
