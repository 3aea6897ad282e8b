/** RFC 8414 metadata, the JWKS and signing-key rotation (MD-01, MD-03, JW-06). */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppContext } from '../../src/app-context.ts';
import { ManualClock } from '../../src/clock.ts';
import { createTestApp, type TestApp } from '../harness.ts';
import {
  ISSUER,
  JSON_UTF8,
  createClient,
  decodePart,
  forgeToken,
  issueToken,
  pgSchemaOf,
  signingKey,
  validClaims,
  type TestClient,
} from './helpers.ts';

const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt'];
const ASSERTION_ALGS = ['ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'RS256', 'RS384', 'RS512', 'EdDSA'];

interface Jwks {
  keys: { kid: string; kty: string; crv: string; x: string; y: string; alg: string; use: string; d?: string }[];
}

describe('RFC 8414 metadata', () => {
  it('MD-01 publishes exactly what the server does', async () => {
    const t = await createTestApp();
    try {
      const res = await t.app.inject({ method: 'GET', url: '/.well-known/oauth-authorization-server' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe(JSON_UTF8);
      expect(res.json()).toStrictEqual({
        issuer: ISSUER,
        token_endpoint: `${ISSUER}/oauth2/token`,
        jwks_uri: `${ISSUER}/.well-known/jwks.json`,
        introspection_endpoint: `${ISSUER}/oauth2/introspect`,
        revocation_endpoint: `${ISSUER}/oauth2/revoke`,
        grant_types_supported: ['client_credentials'],
        response_types_supported: [],
        token_endpoint_auth_methods_supported: AUTH_METHODS,
        token_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGS,
        introspection_endpoint_auth_methods_supported: AUTH_METHODS,
        introspection_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGS,
        revocation_endpoint_auth_methods_supported: AUTH_METHODS,
        revocation_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGS,
        dpop_signing_alg_values_supported: ASSERTION_ALGS,
        scopes_supported: ['mydex:pdx'],
      });
    } finally {
      await t.close();
    }
  });

  it('MD-03 inserts the well-known segment before the path of an issuer with a path', async () => {
    const t = await createTestApp({ env: { OPENPDX_PUBLIC_URL: 'https://pdx.example/tenant1' } });
    try {
      const res = await t.app.inject({ method: 'GET', url: '/.well-known/oauth-authorization-server/tenant1' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        issuer: 'https://pdx.example/tenant1',
        token_endpoint: 'https://pdx.example/tenant1/oauth2/token',
      });
      expect((await t.app.inject({ method: 'GET', url: '/.well-known/oauth-authorization-server' })).statusCode).toBe(404);
    } finally {
      await t.close();
    }
  });
});

describe('signing keys', () => {
  let t: TestApp;
  let clock: ManualClock;
  let client: TestClient;
  const jwks = async () => (await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json() as Jwks;

  beforeAll(async () => {
    clock = new ManualClock(1_800_000_000);
    t = await createTestApp({ clock });
    client = await createClient(t.ctx);
  });
  afterAll(() => t.close());

  it('publishes one public ES256 key on first start, and no private part', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
    expect(res.statusCode).toBe(200);
    const { keys } = res.json() as Jwks;
    expect(keys).toHaveLength(1);
    expect(keys[0]).toStrictEqual({
      kty: 'EC',
      crv: 'P-256',
      x: expect.any(String),
      y: expect.any(String),
      kid: expect.any(String),
      alg: 'ES256',
      use: 'sig',
    });
  });

  it('stores the private key sealed under the master key', async () => {
    const row = await t.ctx.db.selectFrom('signing_keys').selectAll().executeTakeFirstOrThrow();
    expect(row.private_jwk_enc.startsWith(`${t.ctx.masterKeys.currentKid}.`)).toBe(true);
    expect(row.private_jwk_enc).not.toContain('"d"');
    const opened = JSON.parse(t.ctx.masterKeys.open(row.private_jwk_enc, `signing-key|${row.kid}`).toString('utf8'));
    expect(opened).toMatchObject({ kty: 'EC', crv: 'P-256', d: expect.any(String) });
    expect(() => t.ctx.masterKeys.open(row.private_jwk_enc, 'signing-key|other')).toThrow();
  });

  it('JW-06 rotation: the new key signs and is published first, old tokens live until they expire', async () => {
    const oldToken = await issueToken(t.app, client);
    const oldKid = decodePart(oldToken, 0).kid as string;
    clock.advance(10);
    const { kid } = await t.ctx.oauth.rotateSigningKeys();
    expect(kid).not.toBe(oldKid);
    expect((await jwks()).keys.map((k) => k.kid)).toStrictEqual([kid, oldKid]);

    const newToken = await issueToken(t.app, client);
    expect(decodePart(newToken, 0).kid).toBe(kid);
    expect(await t.ctx.oauth.verifyAccessToken(newToken)).toBeDefined();
    expect(await t.ctx.oauth.verifyAccessToken(oldToken)).toBeDefined();

    // A token signed by the old key that claims to outlive it: refused once the key is withdrawn.
    const { key: oldKey } = await signingKey(t.ctx, oldKid);
    const longLived = await forgeToken(
      oldKey,
      { alg: 'ES256', kid: oldKid, typ: 'at+jwt' },
      {
        ...validClaims(client.clientId, clock.now()),
        exp: clock.now() + 100_000,
      },
    );
    expect(await t.ctx.oauth.verifyAccessToken(longLived)).toBeDefined();
    clock.advance(3600 + 60 - 1);
    expect((await jwks()).keys.map((k) => k.kid)).toStrictEqual([kid, oldKid]);
    clock.advance(1);
    expect((await jwks()).keys.map((k) => k.kid)).toStrictEqual([kid]);
    const { key } = await signingKey(t.ctx, oldKid);
    const unseen = await forgeToken(
      key,
      { alg: 'ES256', kid: oldKid, typ: 'at+jwt' },
      {
        ...validClaims(client.clientId, clock.now()),
        exp: clock.now() + 100,
      },
    );
    expect(await t.ctx.oauth.verifyAccessToken(unseen)).toBeUndefined();
  });

  it('a process started later signs with the newest key in the database, and verifies keys it has not seen', async () => {
    const pgSchema = await pgSchemaOf(t.ctx);
    const other = await createAppContext(t.ctx.config, {
      logger: pino({ level: 'silent' }),
      clock,
      migrate: false,
      ...(pgSchema ? { databaseOptions: { pgSchema } } : {}),
    });
    try {
      const { kid } = await other.oauth.rotateSigningKeys();
      // The first process has not refreshed yet: an unknown kid makes it re-read the key table.
      const fromOther = (await other.oauth.issueToken(client.clientId, ['mydex:pdx'])).accessToken;
      expect(decodePart(fromOther, 0).kid).toBe(kid);
      expect(await t.ctx.oauth.verifyAccessToken(fromOther)).toMatchObject({ clientId: client.clientId });
      expect((await jwks()).keys[0]?.kid).toBe(kid);
    } finally {
      await other.close();
    }
    const third = await createAppContext(t.ctx.config, {
      logger: pino({ level: 'silent' }),
      clock,
      migrate: false,
      ...(pgSchema ? { databaseOptions: { pgSchema } } : {}),
    });
    try {
      const newest = await t.ctx.db
        .selectFrom('signing_keys')
        .select('kid')
        .where('retired_at', 'is', null)
        .executeTakeFirstOrThrow();
      expect(decodePart((await third.oauth.issueToken(client.clientId, ['mydex:pdx'])).accessToken, 0).kid).toBe(newest.kid);
      expect(await t.ctx.db.selectFrom('signing_keys').select('kid').where('retired_at', 'is', null).execute()).toHaveLength(1);
    } finally {
      await third.close();
    }
  });
});
