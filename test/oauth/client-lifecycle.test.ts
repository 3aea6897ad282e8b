/** Client registry, secrets and brute-force limits (OA-22, OA-24, OA-25). */
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { sha256Hex } from '../../src/crypto/hash.ts';
import { createTestApp, type TestApp } from '../harness.ts';
import {
  BASIC_CHALLENGE,
  CLIENT_AUTH_FAILED,
  basic,
  createClient,
  createOrg,
  issueToken,
  postForm,
  tokenRequest,
} from './helpers.ts';

const GRANT = 'grant_type=client_credentials&scope=mydex:pdx';

describe('client registry', () => {
  let t: TestApp;
  let clock: ManualClock;
  beforeAll(async () => {
    clock = new ManualClock(1_800_000_000);
    t = await createTestApp({ clock });
  });
  afterAll(() => t.close());

  it('creates a client with a UUID id and a 256-bit pdx_cs_ secret', async () => {
    const orgId = await createOrg(t.ctx);
    const { clientId, clientSecret } = await t.ctx.oauth.createClient({ orgId, scopes: ['mydex:pdx'], name: 'Acme' });
    expect(clientId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(clientSecret).toMatch(/^pdx_cs_[A-Za-z0-9_-]{43}$/);
    expect(await t.ctx.oauth.getClient(clientId)).toStrictEqual({
      clientId,
      orgId,
      name: 'Acme',
      scopes: ['mydex:pdx'],
      grantTypes: ['client_credentials'],
      disabled: false,
      createdAt: clock.now(),
      redirectUris: [],
      publicClient: false,
      authMethod: 'client_secret',
      jwks: null,
      jwksUri: null,
      dpopBound: false,
    });
  });

  it('OA-25 stores only the SHA-256 of the secret', async () => {
    const c = await createClient(t.ctx);
    const rows = await t.ctx.db.selectFrom('oauth_clients').selectAll().execute();
    const row = rows.find((r) => r.client_id === c.clientId);
    expect(row?.secret_hash).toBe(sha256Hex(c.clientSecret));
    expect(JSON.stringify(rows)).not.toContain(c.clientSecret);
    expect(JSON.stringify(rows)).not.toContain(c.clientSecret.slice('pdx_cs_'.length));
  });

  it.each([
    ['a space', ['mydex:pdx other']],
    ['a double quote', ['"x']],
    ['a backslash', ['a\\b']],
    ['non-ASCII', ['é']],
    ['nothing', []],
  ])('refuses to register a scope list with %s', async (_name, scopes) => {
    const orgId = await createOrg(t.ctx);
    await expect(t.ctx.oauth.createClient({ orgId, scopes })).rejects.toMatchObject({ status: 400 });
  });

  it('refuses to register a client for an unknown organisation', async () => {
    await expect(t.ctx.oauth.createClient({ orgId: 987654, scopes: ['mydex:pdx'] })).rejects.toMatchObject({ status: 404 });
  });

  it('lists clients, optionally for one organisation', async () => {
    const orgId = await createOrg(t.ctx);
    const a = await createClient(t.ctx, { orgId });
    const b = await createClient(t.ctx, { orgId });
    const other = await createClient(t.ctx);
    const mine = await t.ctx.oauth.listClients(orgId);
    expect(mine.map((c) => c.clientId).sort()).toStrictEqual([a.clientId, b.clientId].sort());
    const all = (await t.ctx.oauth.listClients()).map((c) => c.clientId);
    expect(all).toEqual(expect.arrayContaining([a.clientId, b.clientId, other.clientId]));
    expect(JSON.stringify(all)).not.toContain('secret');
  });

  it('returns undefined for an unknown client', async () => {
    expect(await t.ctx.oauth.getClient('nope')).toBeUndefined();
  });

  it('OA-24 a rotated secret replaces the old one at once by default', async () => {
    const c = await createClient(t.ctx);
    const { clientSecret } = await t.ctx.oauth.rotateSecret(c.clientId);
    expect(clientSecret).not.toBe(c.clientSecret);
    expect((await tokenRequest(t.app, c)).statusCode).toBe(401);
    expect((await tokenRequest(t.app, { ...c, clientSecret })).statusCode).toBe(200);
  });

  it('OA-24 the old secret works during the grace period and fails after it', async () => {
    const c = await createClient(t.ctx);
    const { clientSecret } = await t.ctx.oauth.rotateSecret(c.clientId, { graceSeconds: 60 });
    expect((await tokenRequest(t.app, c)).statusCode).toBe(200);
    expect((await tokenRequest(t.app, { ...c, clientSecret })).statusCode).toBe(200);
    clock.advance(59);
    expect((await tokenRequest(t.app, c)).statusCode).toBe(200);
    clock.advance(1);
    const expired = await tokenRequest(t.app, c);
    expect(expired.statusCode).toBe(401);
    expect(expired.json()).toStrictEqual(CLIENT_AUTH_FAILED);
    expect((await tokenRequest(t.app, { ...c, clientSecret })).statusCode).toBe(200);
  });

  it('refuses to rotate the secret of an unknown client or with a negative grace', async () => {
    await expect(t.ctx.oauth.rotateSecret('nope')).rejects.toMatchObject({ status: 404 });
    const c = await createClient(t.ctx);
    await expect(t.ctx.oauth.rotateSecret(c.clientId, { graceSeconds: -1 })).rejects.toMatchObject({ status: 400 });
  });

  it('OA-24 a disabled client gets 401 invalid_client for new tokens', async () => {
    const c = await createClient(t.ctx);
    await t.ctx.oauth.disableClient(c.clientId);
    const res = await tokenRequest(t.app, c);
    expect(res.statusCode).toBe(401);
    expect(res.json()).toStrictEqual(CLIENT_AUTH_FAILED);
    expect(res.headers['www-authenticate']).toBe(BASIC_CHALLENGE);
    expect((await t.ctx.oauth.getClient(c.clientId))?.disabled).toBe(true);
  });

  it('OA-24 the outstanding tokens of a disabled client are refused at once', async () => {
    const c = await createClient(t.ctx);
    const token = await issueToken(t.app, c);
    expect(await t.ctx.oauth.verifyAccessToken(token)).toBeDefined();
    await t.ctx.oauth.disableClient(c.clientId);
    expect(await t.ctx.oauth.verifyAccessToken(token)).toBeUndefined();
  });

  it('refuses to disable an unknown client', async () => {
    await expect(t.ctx.oauth.disableClient('nope')).rejects.toMatchObject({ status: 404 });
  });
});

describe('OA-22 brute force', () => {
  let t: TestApp;
  let clock: ManualClock;
  const logLines: string[] = [];
  beforeAll(async () => {
    clock = new ManualClock(1_800_000_000);
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        logLines.push(chunk.toString('utf8'));
        done();
      },
    });
    t = await createTestApp({ clock, logger: pino({ level: 'warn' }, sink) });
  });
  afterAll(() => t.close());

  const wrong = (clientId: string, remoteAddress?: string) =>
    postForm(t.app, '/oauth2/token', GRANT, { authorization: basic(clientId, 'pdx_cs_guess') }, remoteAddress);

  it('answers 429 with Retry-After to the 21st wrong secret from one address in a minute', async () => {
    const c = await createClient(t.ctx);
    for (let i = 0; i < 20; i++) expect((await wrong(c.clientId, '10.0.0.1')).statusCode).toBe(401);
    clock.advance(15);
    const limited = await wrong(c.clientId, '10.0.0.1');
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBe('45');
    expect(limited.headers['cache-control']).toBe('no-store');
    expect(limited.json()).toStrictEqual({ error: 'invalid_request', error_description: 'too many requests' });
    clock.advance(45);
    expect((await wrong(c.clientId, '10.0.0.1')).statusCode).toBe(401);
    clock.advance(60);
  });

  it('still gives the real client a token, from the guessing address and from its own (client ids are public)', async () => {
    const c = await createClient(t.ctx);
    for (let i = 0; i < 25; i++) await wrong(c.clientId, '10.0.0.2');
    expect((await wrong(c.clientId, '10.0.0.2')).statusCode).toBe(429);
    expect((await tokenRequest(t.app, c)).statusCode).toBe(200);
    const sameAddress = await postForm(
      t.app,
      '/oauth2/token',
      GRANT,
      { authorization: basic(c.clientId, c.clientSecret) },
      '10.0.0.2',
    );
    expect(sameAddress.statusCode).toBe(200);
    // A guesser elsewhere has its own count: the first address's failures do not limit it.
    expect((await wrong(c.clientId, '10.0.0.3')).statusCode).toBe(401);
    clock.advance(60);
  });

  it('leaves a different client unaffected', async () => {
    const victim = await createClient(t.ctx);
    const bystander = await createClient(t.ctx);
    for (let i = 0; i < 21; i++) await wrong(victim.clientId);
    expect((await wrong(victim.clientId)).statusCode).toBe(429);
    expect((await tokenRequest(t.app, bystander)).statusCode).toBe(200);
    clock.advance(60);
  });

  it('limits an address that sprays many client ids, and only that address, never the right secret', async () => {
    const c = await createClient(t.ctx);
    for (let i = 0; i < 100; i++) expect((await wrong(`guess-${i}`, '10.0.0.9')).statusCode).toBe(401);
    const limited = await wrong(c.clientId, '10.0.0.9');
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBe('60');
    expect((await wrong(c.clientId, '10.0.0.10')).statusCode).toBe(401);
    const right = await postForm(t.app, '/oauth2/token', GRANT, { authorization: basic(c.clientId, c.clientSecret) }, '10.0.0.9');
    expect(right.statusCode).toBe(200);
    clock.advance(60);
  });

  it('logs each failure with the client id and source address, never the secret', async () => {
    const c = await createClient(t.ctx);
    logLines.length = 0;
    await postForm(t.app, '/oauth2/token', GRANT, { authorization: basic(c.clientId, 'pdx_cs_canary') }, '10.1.2.3');
    const entries = logLines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(entries).toContainEqual(
      expect.objectContaining({ security: true, event: 'auth.client_failed', clientId: c.clientId, remoteAddress: '10.1.2.3' }),
    );
    expect(logLines.join('\n')).not.toContain('pdx_cs_canary');
  });
});
