/**
 * DPoP-bound access tokens (RFC 9449; docs/security.md, "DPoP-bound tokens"): a maintained client
 * library (openid-client) gets a bound token and reads a member's data with it; a client
 * registered as DPoP-bound gets nothing without a proof; a bound token is refused as a bearer
 * token, without a proof, and with every kind of wrong or replayed proof; server nonces work when
 * configured. Clients that send no proof keep Mydex's bearer tokens. On both databases.
 */
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import * as oc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/crypto/hash.ts';
import { connectMember, createSubscriber, type ConnectedMember, type Subscriber } from '../fixtures.ts';
import { createTestApp, type TestApp } from '../harness.ts';
import { basic, discoveredClient, ISSUER, postForm } from './helpers.ts';

const TOKEN_URL = `${ISSUER}/oauth2/token`;
const GRANT = 'grant_type=client_credentials&scope=mydex:pdx';
const ALGS = 'ES256 ES384 ES512 PS256 PS384 PS512 RS256 RS384 RS512 EdDSA';

let t: TestApp;
let sub: Subscriber;
let member: ConnectedMember;
let bound: { clientId: string; clientSecret: string };

interface ProofKey {
  privateKey: CryptoKey;
  jwk: JWK;
}

async function proofKey(): Promise<ProofKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  return { privateKey, jwk: await exportJWK(publicKey) };
}

/** A DPoP proof (RFC 9449 §4.2) for `method` `url`, with `claims` changed. */
async function proof(
  key: ProofKey,
  method: string,
  url: string,
  claims: JWTPayload = {},
  header: Record<string, unknown> = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ htm: method, htu: url, iat: now, jti: randomUUID(), ...claims })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: key.jwk, ...header })
    .sign(key.privateKey);
}

const ath = (token: string) => sha256(token).toString('base64url');

function readPath(m: ConnectedMember): string {
  const q = new URLSearchParams({ key: m.key, con_id: m.conId, source_type: 'connection', dataset: 'ds_personal_details' });
  return `/api/pds/pds/${m.uid}.json?${q}`;
}

async function boundToken(key: ProofKey, client = bound): Promise<string> {
  const res = await postForm(t.app, '/oauth2/token', GRANT, {
    authorization: basic(client.clientId, client.clientSecret),
    dpop: await proof(key, 'POST', TOKEN_URL),
  });
  expect(res.statusCode).toBe(200);
  expect(res.json()).toMatchObject({ token_type: 'DPoP' });
  return (res.json() as { access_token: string }).access_token;
}

function read(headers: Record<string, string | string[]>) {
  return t.app.inject({ method: 'GET', url: readPath(member), headers });
}

function expectDpopRefusal(res: Awaited<ReturnType<typeof read>>, error: string, description: string): void {
  expect(res.statusCode).toBe(401);
  expect(res.json()).toMatchObject({ error: { message: 'Access denied' } });
  expect(res.headers['www-authenticate']).toBe(`DPoP algs="${ALGS}", error="${error}", error_description="${description}"`);
}

beforeAll(async () => {
  t = await createTestApp({ env: { OPENPDX_TOKEN_RATE_LIMIT: '100000' } });
  sub = await createSubscriber(t);
  member = await connectMember(t.ctx, sub);
  bound = await t.ctx.oauth.createClient({ orgId: sub.orgId, scopes: ['mydex:pdx'], dpopBound: true });
});
afterAll(() => t.close());

describe('DPoP with openid-client', () => {
  it('gets a DPoP-bound token and reads a member’s data with it; introspection names the key', async () => {
    const config = await discoveredClient(() => t.app, bound.clientId, oc.ClientSecretBasic(bound.clientSecret));
    expect(config.serverMetadata().dpop_signing_alg_values_supported).toContain('ES256');
    const keyPair = await oc.randomDPoPKeyPair();
    const DPoP = oc.getDPoPHandle(config, keyPair);
    const token = await oc.clientCredentialsGrant(config, { scope: 'mydex:pdx' }, { DPoP });
    expect(token.token_type).toBe('dpop');
    const res = await oc.fetchProtectedResource(
      config,
      token.access_token,
      new URL(`${ISSUER}${readPath(member)}`),
      'GET',
      undefined,
      undefined,
      {
        DPoP,
      },
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toHaveProperty('ds_personal_details');
    const introspected = await oc.tokenIntrospection(config, token.access_token);
    expect(introspected).toMatchObject({ active: true, token_type: 'DPoP', cnf: { jkt: expect.any(String) } });
    const jkt = await import('jose').then(async (j) => j.calculateJwkThumbprint(await j.exportJWK(keyPair.publicKey)));
    expect(introspected.cnf).toStrictEqual({ jkt });
  });
});

describe('DPoP at the token endpoint', () => {
  it('refuses a DPoP-bound client’s token request without a proof', async () => {
    const res = await postForm(t.app, '/oauth2/token', GRANT, { authorization: basic(bound.clientId, bound.clientSecret) });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toStrictEqual({
      error: 'invalid_dpop_proof',
      error_description: 'This client only gets DPoP-bound tokens: send a DPoP proof (RFC 9449) in the DPoP header.',
    });
  });

  it('keeps bearer tokens for a client that sends no proof, and binds the token of one that does', async () => {
    const plain = await postForm(t.app, '/oauth2/token', GRANT, { authorization: basic(sub.clientId, sub.clientSecret) });
    expect(plain.json()).toMatchObject({ token_type: 'bearer' });
    const token = await boundToken(await proofKey(), sub);
    expect(JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString())).toHaveProperty('cnf.jkt');
  });

  it.each<[string, (k: ProofKey) => Promise<string>, string]>([
    ['for another method', (k) => proof(k, 'GET', TOKEN_URL), "The DPoP proof's htm must be POST, the request's method."],
    [
      'for another URL',
      (k) => proof(k, 'POST', `${ISSUER}/oauth2/introspect`),
      `The DPoP proof's htu must be ${TOKEN_URL}, the request's URL without its query.`,
    ],
    [
      'made long ago',
      (k) => proof(k, 'POST', TOKEN_URL, { iat: Math.floor(Date.now() / 1000) - 600 }),
      "The DPoP proof's iat must be within the last 60 seconds: make a new proof for each request.",
    ],
    [
      'without the dpop+jwt type',
      (k) => proof(k, 'POST', TOKEN_URL, {}, { typ: 'JWT' }),
      'The DPoP proof needs the header typ "dpop+jwt".',
    ],
    [
      'without a jti',
      (k) => proof(k, 'POST', TOKEN_URL, { jti: undefined }),
      "The DPoP proof's jti claim is missing or invalid.",
    ],
    [
      'whose jwk header is a private key',
      async (k) => proof(k, 'POST', TOKEN_URL, {}, { jwk: await exportJWK(k.privateKey) }),
      'The DPoP proof needs a public key in its jwk header (never a private one).',
    ],
    [
      'signed by a key other than its jwk header',
      async (k) => proof({ ...(await proofKey()), jwk: k.jwk }, 'POST', TOKEN_URL),
      'The DPoP proof is not signed by the key in its jwk header.',
    ],
    ['that is not a JWT', async () => 'not-a-jwt', 'The DPoP proof is not a signed JWT.'],
  ])('refuses a proof %s, saying why', async (_name, make, description) => {
    const res = await postForm(t.app, '/oauth2/token', GRANT, {
      authorization: basic(bound.clientId, bound.clientSecret),
      dpop: await make(await proofKey()),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toStrictEqual({ error: 'invalid_dpop_proof', error_description: description });
  });

  it('refuses a proof played twice', async () => {
    const key = await proofKey();
    const once = await proof(key, 'POST', TOKEN_URL);
    const headers = { authorization: basic(bound.clientId, bound.clientSecret), dpop: once };
    expect((await postForm(t.app, '/oauth2/token', GRANT, headers)).statusCode).toBe(200);
    const again = await postForm(t.app, '/oauth2/token', GRANT, headers);
    expect(again.json()).toStrictEqual({
      error: 'invalid_dpop_proof',
      error_description: 'This DPoP proof was already used (its jti is spent): make a new proof for each request.',
    });
  });
});

describe('DPoP at the PDX API', () => {
  let key: ProofKey;
  let token: string;
  const url = () => `${ISSUER}${readPath(member).split('?')[0]}`;

  beforeAll(async () => {
    key = await proofKey();
    token = await boundToken(key);
  });

  it('answers a bound token sent with a fresh proof of its key, every time', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await read({ authorization: `DPoP ${token}`, dpop: await proof(key, 'GET', url(), { ath: ath(token) }) });
      expect(res.statusCode).toBe(200);
    }
  });

  it('refuses a bound token sent as a bearer token, or without a proof', async () => {
    const asBearer = await read({ authorization: `Bearer ${token}`, dpop: await proof(key, 'GET', url(), { ath: ath(token) }) });
    expect(asBearer.statusCode).toBe(401);
    expect(asBearer.headers['www-authenticate']).toBe(
      `DPoP algs="${ALGS}", error="invalid_token", error_description="The access token is DPoP-bound: send Authorization: DPoP <token>, with a proof signed by its key in the DPoP header (RFC 9449)."`,
    );
    expectDpopRefusal(
      await read({ authorization: `DPoP ${token}` }),
      'invalid_dpop_proof',
      'A DPoP proof is required: send it in the DPoP header (RFC 9449).',
    );
  });

  it('refuses a bearer token sent with the DPoP scheme', async () => {
    const res = await read({ authorization: `DPoP ${sub.accessToken}` });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe(
      'Bearer error="invalid_token", error_description="The access token is not DPoP-bound: send it as Authorization: Bearer <token>."',
    );
  });

  it.each<[string, () => Promise<string>, string | (() => string)]>([
    [
      'without the token hash',
      () => proof(key, 'GET', url()),
      "The DPoP proof's ath must be the base64url SHA-256 of the access token it is sent with.",
    ],
    [
      'for another token',
      () => proof(key, 'GET', url(), { ath: ath(sub.accessToken) }),
      "The DPoP proof's ath must be the base64url SHA-256 of the access token it is sent with.",
    ],
    [
      'for another path',
      () => proof(key, 'GET', `${ISSUER}/api/pds/transaction`, { ath: ath(token) }),
      () => `The DPoP proof's htu must be ${url()}, the request's URL without its query.`,
    ],
    [
      'signed by a key the token is not bound to',
      async () => proof(await proofKey(), 'GET', url(), { ath: ath(token) }),
      'The DPoP proof is signed by another key than the one the token is bound to.',
    ],
    [
      'signed with HMAC',
      () =>
        new SignJWT({ htm: 'GET', htu: url(), iat: Math.floor(Date.now() / 1000), jti: randomUUID(), ath: ath(token) })
          .setProtectedHeader({ alg: 'HS256', typ: 'dpop+jwt', jwk: key.jwk })
          .sign(new Uint8Array(32)),
      `The DPoP proof's alg must be one of ${ALGS.split(' ').join(', ')}.`,
    ],
  ])('refuses a proof %s', async (_name, make, description) => {
    const expected = typeof description === 'string' ? description : description();
    expectDpopRefusal(await read({ authorization: `DPoP ${token}`, dpop: await make() }), 'invalid_dpop_proof', expected);
  });

  it('refuses a proof played twice, and sent as two headers', async () => {
    const once = await proof(key, 'GET', url(), { ath: ath(token) });
    expect((await read({ authorization: `DPoP ${token}`, dpop: once })).statusCode).toBe(200);
    expectDpopRefusal(
      await read({ authorization: `DPoP ${token}`, dpop: once }),
      'invalid_dpop_proof',
      'This DPoP proof was already used (its jti is spent): make a new proof for each request.',
    );
    const two = [await proof(key, 'GET', url(), { ath: ath(token) }), await proof(key, 'GET', url(), { ath: ath(token) })];
    expectDpopRefusal(
      await read({ authorization: `DPoP ${token}`, dpop: two }),
      'invalid_dpop_proof',
      'Send exactly one DPoP header.',
    );
  });
});

describe('DPoP server nonces (OPENPDX_DPOP_NONCE=true)', () => {
  let n: TestApp;
  let client: { clientId: string; clientSecret: string };
  let nonceMember: ConnectedMember;

  beforeAll(async () => {
    n = await createTestApp({ env: { OPENPDX_DPOP_NONCE: 'true' } });
    const s = await createSubscriber(n);
    nonceMember = await connectMember(n.ctx, s);
    client = await n.ctx.oauth.createClient({ orgId: s.orgId, scopes: ['mydex:pdx'], dpopBound: true });
  });
  afterAll(() => n.close());

  it('asks for a nonce with use_dpop_nonce, accepts a proof that carries it, and openid-client follows by itself', async () => {
    const key = await proofKey();
    const auth = { authorization: basic(client.clientId, client.clientSecret) };
    const first = await postForm(n.app, '/oauth2/token', GRANT, { ...auth, dpop: await proof(key, 'POST', TOKEN_URL) });
    expect(first.statusCode).toBe(400);
    expect(first.json()).toStrictEqual({
      error: 'use_dpop_nonce',
      error_description: 'Sign the DPoP proof again with the nonce in the DPoP-Nonce header.',
    });
    const nonce = String(first.headers['dpop-nonce']);
    expect(nonce).toMatch(/^\d+\.[A-Za-z0-9_-]{22}$/);
    const forged = await postForm(n.app, '/oauth2/token', GRANT, {
      ...auth,
      dpop: await proof(key, 'POST', TOKEN_URL, { nonce: `${nonce.split('.')[0]}.AAAAAAAAAAAAAAAAAAAAAA` }),
    });
    expect(forged.json()).toMatchObject({ error: 'use_dpop_nonce' });
    const second = await postForm(n.app, '/oauth2/token', GRANT, {
      ...auth,
      dpop: await proof(key, 'POST', TOKEN_URL, { nonce }),
    });
    expect(second.statusCode).toBe(200);
    const token = (second.json() as { access_token: string }).access_token;
    const path = readPath(nonceMember);
    const noNonce = await n.app.inject({
      method: 'GET',
      url: path,
      headers: {
        authorization: `DPoP ${token}`,
        dpop: await proof(key, 'GET', `${ISSUER}${path.split('?')[0]}`, { ath: ath(token) }),
      },
    });
    expect(noNonce.statusCode).toBe(401);
    expect(noNonce.headers['www-authenticate']).toContain('error="use_dpop_nonce"');
    expect(noNonce.headers['dpop-nonce']).toBe(nonce);

    const config = await discoveredClient(() => n.app, client.clientId, oc.ClientSecretBasic(client.clientSecret));
    const DPoP = oc.getDPoPHandle(config, await oc.randomDPoPKeyPair());
    const viaLibrary = await oc.clientCredentialsGrant(config, { scope: 'mydex:pdx' }, { DPoP });
    const res = await oc.fetchProtectedResource(
      config,
      viaLibrary.access_token,
      new URL(`${ISSUER}${path}`),
      'GET',
      undefined,
      undefined,
      { DPoP },
    );
    expect(res.status).toBe(200);
  });
});
