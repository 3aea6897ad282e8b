/**
 * `private_key_jwt` client authentication (RFC 7523; docs/security.md, "Client authentication"):
 * a maintained client library (openid-client) gets tokens, introspects and revokes with it, a key
 * set can be registered inline or at a URL, and every malformed, mis-addressed, expired, foreign
 * or replayed assertion is refused with a reason. On both databases (the replay record is a row).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import * as oc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkClientKeys } from '../../src/oauth/client-keys.ts';
import { createTestApp, type TestApp } from '../harness.ts';
import { createOrg, discoveredClient, ISSUER, JSON_UTF8, postForm } from './helpers.ts';

const TOKEN_ENDPOINT = `${ISSUER}/oauth2/token`;
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const GRANT = 'grant_type=client_credentials&scope=mydex:pdx';

let t: TestApp;
let orgId: number;
let es: { privateKey: CryptoKey; publicJwk: JWK };
let rs: { privateKey: CryptoKey; publicJwk: JWK };
let clientId: string;
let jwksServer: Server;
let jwksUrl: string;

async function keyPair(alg: 'ES256' | 'RS256', kid: string) {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

function libraryConfig(id: string, key: CryptoKey, kid: string): Promise<oc.Configuration> {
  return discoveredClient(() => t.app, id, oc.PrivateKeyJwt({ key, kid }));
}

/** An assertion as RFC 7523 §3 wants it, with `claims` changed; `key` signs it (default: the ES256 key). */
async function assertion(
  claims: JWTPayload = {},
  o: { key?: CryptoKey; alg?: string; kid?: string; id?: string } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const id = o.id ?? clientId;
  return new SignJWT({ iss: id, sub: id, aud: TOKEN_ENDPOINT, iat: now, exp: now + 60, jti: randomUUID(), ...claims })
    .setProtectedHeader({ alg: o.alg ?? 'ES256', kid: o.kid ?? 'es-1' })
    .sign(o.key ?? es.privateKey);
}

function tokenWith(jwt: string, extra = '') {
  return postForm(
    t.app,
    '/oauth2/token',
    `${GRANT}&client_assertion_type=${encodeURIComponent(JWT_BEARER)}&client_assertion=${jwt}${extra}`,
  );
}

function expectRefused(res: Awaited<ReturnType<typeof tokenWith>>, status: number, error: string, description: string): void {
  expect(res.statusCode).toBe(status);
  expect(res.headers['content-type']).toBe(JSON_UTF8);
  expect(res.headers['www-authenticate']).toBeUndefined();
  expect(res.json()).toStrictEqual({ error, error_description: description });
}

beforeAll(async () => {
  t = await createTestApp({ env: { OPENPDX_TOKEN_RATE_LIMIT: '100000' } });
  orgId = await createOrg(t.ctx);
  es = await keyPair('ES256', 'es-1');
  rs = await keyPair('RS256', 'rs-1');
  ({ clientId } = await t.ctx.oauth.createClient({ orgId, scopes: ['mydex:pdx'], jwks: { keys: [es.publicJwk, rs.publicJwk] } }));
  jwksServer = createServer((req, res) => {
    if (req.url === '/jwks.json') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [es.publicJwk] }));
    } else {
      res.writeHead(500);
      res.end();
    }
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await t.close();
  await new Promise((resolve) => jwksServer.close(resolve));
});

describe('private_key_jwt with openid-client (MD-02)', () => {
  it('gets a token, introspects it and revokes it, each request authenticated by a fresh assertion', async () => {
    const config = await libraryConfig(clientId, es.privateKey, 'es-1');
    expect(config.serverMetadata().token_endpoint_auth_methods_supported).toContain('private_key_jwt');
    const token = await oc.clientCredentialsGrant(config, { scope: 'mydex:pdx' });
    expect(token.token_type).toBe('bearer');
    expect(token.scope).toBe('mydex:pdx');
    const introspected = await oc.tokenIntrospection(config, token.access_token);
    expect(introspected).toMatchObject({ active: true, client_id: clientId, scope: 'mydex:pdx' });
    await oc.tokenRevocation(config, token.access_token);
    expect(await oc.tokenIntrospection(config, token.access_token)).toStrictEqual({ active: false });
  });

  it('accepts any key of the registered set (RS256 here), picked by kid', async () => {
    const config = await libraryConfig(clientId, rs.privateKey, 'rs-1');
    expect((await oc.clientCredentialsGrant(config, { scope: 'mydex:pdx' })).access_token).toMatch(/^ey/);
  });

  it('fetches the key set from a registered jwks_uri', async () => {
    const viaUri = await t.ctx.oauth.createClient({ orgId, scopes: ['mydex:pdx'], jwksUri: `${jwksUrl}/jwks.json` });
    const config = await libraryConfig(viaUri.clientId, es.privateKey, 'es-1');
    expect((await oc.clientCredentialsGrant(config, { scope: 'mydex:pdx' })).access_token).toMatch(/^ey/);
  });

  it('accepts the issuer as aud as well as the token endpoint, and client_id in the form when it matches', async () => {
    const res = await tokenWith(await assertion({ aud: ISSUER }), `&client_id=${clientId}`);
    expect(res.statusCode).toBe(200);
  });
});

describe('private_key_jwt refusals', () => {
  it('refuses an assertion played twice, and of the same assertion sent at once exactly one wins', async () => {
    const jwt = await assertion();
    expect((await tokenWith(jwt)).statusCode).toBe(200);
    expectRefused(await tokenWith(jwt), 401, 'invalid_client', 'client_assertion was already used (its jti is spent)');
    const racing = await assertion();
    const answers = await Promise.all(Array.from({ length: 6 }, () => tokenWith(racing)));
    expect(answers.map((r) => r.statusCode).sort()).toEqual([200, 401, 401, 401, 401, 401]);
  });

  it.each<[string, () => Promise<string>, string]>([
    ['expired', () => assertion({ exp: Math.floor(Date.now() / 1000) - 120 }), 'client_assertion has expired'],
    [
      'addressed to another server',
      () => assertion({ aud: 'https://elsewhere.example/token' }),
      `client_assertion aud must be ${ISSUER} or ${TOKEN_ENDPOINT}`,
    ],
    [
      'with iss other than sub',
      () => assertion({ iss: 'someone-else' }),
      'client_assertion iss and sub must both be the client id',
    ],
    [
      'living longer than five minutes',
      () => assertion({ exp: Math.floor(Date.now() / 1000) + 3600 }),
      'client_assertion must expire within 300 seconds',
    ],
    ['without a jti', () => assertion({ jti: undefined }), 'client_assertion jti is missing or invalid'],
    ['from the future', () => assertion({ nbf: Math.floor(Date.now() / 1000) + 600 }), 'client_assertion nbf is in the future'],
    [
      'signed by a key the client did not register',
      async () => assertion({}, { key: (await keyPair('ES256', 'es-1')).privateKey }),
      'client_assertion signature does not verify with the client’s keys',
    ],
    [
      'naming a kid the set lacks',
      () => assertion({}, { kid: 'nope' }),
      'no key of the client’s JWK Set matches the client_assertion (kid, alg)',
    ],
    [
      'signed with HMAC (client_secret_jwt is not accepted)',
      () => assertion({}, { alg: 'HS256', key: new Uint8Array(32) as unknown as CryptoKey }),
      'client_assertion alg must be one of ES256, ES384, ES512, PS256, PS384, PS512, RS256, RS384, RS512, EdDSA',
    ],
  ])('refuses an assertion %s, saying why', async (_name, make, description) => {
    expectRefused(await tokenWith(await make()), 401, 'invalid_client', description);
  });

  it('refuses an unsigned (alg none) assertion', async () => {
    const now = Math.floor(Date.now() / 1000);
    const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const unsigned = `${part({ alg: 'none' })}.${part({ iss: clientId, sub: clientId, aud: TOKEN_ENDPOINT, exp: now + 60, jti: randomUUID() })}.`;
    expectRefused(
      await tokenWith(unsigned),
      401,
      'invalid_client',
      'client_assertion alg must be one of ES256, ES384, ES512, PS256, PS384, PS512, RS256, RS384, RS512, EdDSA',
    );
  });

  it('answers malformed requests with 400 invalid_request', async () => {
    expectRefused(await tokenWith('not-a-jwt'), 400, 'invalid_request', 'client_assertion is not a JWT');
    expectRefused(
      await tokenWith(await assertion({ sub: undefined })),
      400,
      'invalid_request',
      'client_assertion has no sub claim (the client id)',
    );
    expectRefused(
      await tokenWith(await assertion(), '&client_id=another'),
      400,
      'invalid_request',
      'client_id does not match the client_assertion sub',
    );
    const noAssertion = await postForm(
      t.app,
      '/oauth2/token',
      `${GRANT}&client_assertion_type=${encodeURIComponent(JWT_BEARER)}`,
    );
    expectRefused(noAssertion, 400, 'invalid_request', 'client_assertion is required with client_assertion_type');
  });

  it('keeps the methods apart: no secret for a key client, no assertion for a secret client, nothing for unknown ids', async () => {
    const secretClient = await t.ctx.oauth.createClient({ orgId, scopes: ['mydex:pdx'] });
    const forSecretClient = await assertion({}, { id: secretClient.clientId });
    expectRefused(
      await tokenWith(forSecretClient),
      401,
      'invalid_client',
      'this client authenticates with its client secret, not private_key_jwt',
    );
    // The key client was created with a secret nobody was shown; presenting any secret says how to authenticate instead.
    const post = await postForm(t.app, '/oauth2/token', `${GRANT}&client_id=${clientId}&client_secret=pdx_cs_guess`);
    expectRefused(
      post,
      401,
      'invalid_client',
      'this client authenticates with private_key_jwt (a signed client_assertion), not a client secret',
    );
    const unknown = await assertion({}, { id: randomUUID() });
    expectRefused(await tokenWith(unknown), 401, 'invalid_client', 'client authentication failed');
  });

  it('refuses a disabled key client, and says when its jwks_uri cannot be read', async () => {
    const disabled = await t.ctx.oauth.createClient({ orgId, scopes: ['mydex:pdx'], jwks: { keys: [es.publicJwk] } });
    await t.ctx.oauth.disableClient(disabled.clientId);
    expectRefused(
      await tokenWith(await assertion({}, { id: disabled.clientId })),
      401,
      'invalid_client',
      'client authentication failed',
    );
    const broken = await t.ctx.oauth.createClient({ orgId, scopes: ['mydex:pdx'], jwksUri: `${jwksUrl}/missing.json` });
    expectRefused(
      await tokenWith(await assertion({}, { id: broken.clientId })),
      401,
      'invalid_client',
      'the client’s jwks_uri could not be read',
    );
  });

  it('never rotates a secret the key client does not have', async () => {
    await expect(t.ctx.oauth.rotateSecret(clientId)).rejects.toThrow(/has no secret: it authenticates with private_key_jwt/);
  });

  it('keeps spent assertions only until they could no longer be accepted', async () => {
    const count = async () =>
      Number(
        (
          await t.ctx.db
            .selectFrom('spent_jtis')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    expect(await count()).toBeGreaterThan(0);
    const { SpentJtiStore } = await import('../../src/oauth/spent-jti-store.ts');
    await new SpentJtiStore(t.ctx.db).purge(Math.floor(Date.now() / 1000) + 10_000);
    expect(await count()).toBe(0);
  });
});

describe('registering a key client', () => {
  const jwk = () => es.publicJwk;

  it('refuses private or symmetric key material, unreadable keys, and algorithms assertions may not use', () => {
    expect(() => checkClientKeys({ jwks: { keys: [{ ...jwk(), d: 'secret' }] } }, 'sandbox')).toThrow(
      'Key 1 of the JWK Set holds private or symmetric key material (d): register the public keys only, and keep the private key with the client.',
    );
    expect(() => checkClientKeys({ jwks: { keys: [{ kty: 'oct', k: 'AAAA' }] } }, 'sandbox')).toThrow(
      /symmetric key material \(k\)/,
    );
    expect(() => checkClientKeys({ jwks: { keys: [] } }, 'sandbox')).toThrow(/non-empty "keys" array/);
    expect(() => checkClientKeys({ jwks: [] }, 'sandbox')).toThrow(/non-empty "keys" array/);
    expect(() => checkClientKeys({ jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' }] } }, 'sandbox')).toThrow(
      /Key 1 of the JWK Set is not a public key Node can read/,
    );
    expect(() => checkClientKeys({ jwks: { keys: [{ ...jwk(), alg: 'HS256' }] } }, 'sandbox')).toThrow(
      /"alg": "HS256"; client assertions may use ES256/,
    );
    expect(() => checkClientKeys({ jwks: { keys: [{ ...jwk(), use: 'enc' }] } }, 'sandbox')).toThrow(/signing keys need "sig"/);
  });

  it('takes the keys one way only, never for a public client, and a key set URL over https outside a sandbox', () => {
    expect(() => checkClientKeys({ jwks: { keys: [jwk()] }, jwksUri: 'https://a.example/jwks' }, 'live')).toThrow(/not both/);
    expect(() => checkClientKeys({ jwks: { keys: [jwk()] }, publicClient: true }, 'live')).toThrow(
      /public client has no credentials/,
    );
    expect(() => checkClientKeys({ jwksUri: 'http://a.example/jwks' }, 'live')).toThrow(/must use https/);
    expect(checkClientKeys({ jwksUri: 'http://a.example/jwks' }, 'sandbox')).toEqual({ jwksUri: 'http://a.example/jwks' });
    expect(checkClientKeys({ jwksUri: 'http://localhost:9000/jwks' }, 'live')).toEqual({ jwksUri: 'http://localhost:9000/jwks' });
    expect(() => checkClientKeys({ jwksUri: 'https://user:pw@a.example/jwks' }, 'live')).toThrow(/user name or password/);
    expect(() => checkClientKeys({ jwksUri: 'jwks.json' }, 'live')).toThrow(/not an absolute URL/);
  });

  it('lists a key client as such, with no secret', async () => {
    const listed = (await t.ctx.oauth.listClients(orgId)).find((c) => c.clientId === clientId);
    expect(listed).toMatchObject({ authMethod: 'private_key_jwt', jwksUri: null });
    expect(listed?.jwks?.keys).toHaveLength(2);
  });
});
