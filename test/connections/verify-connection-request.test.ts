import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { readConnectionCredentials, type ConnectionRequestCredentials } from '../../src/connections/connection-credentials.ts';
import { sha512Hex } from '../../src/crypto/hash.ts';
import { PdxError } from '../../src/errors.ts';
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

/** A fresh SAT and credentials that pass every check. */
async function goodRequest(overrides: Partial<ConnectionRequestCredentials> = {}): Promise<ConnectionRequestCredentials> {
  const sat = await t.ctx.connections.issueShortAccessToken(conn.nid);
  return {
    principal: principalOf(conn.orgId),
    nid: conn.nid,
    sat,
    authentication: sha512Hex(sat + conn.token),
    connectionTokenHash: sha512Hex(conn.token),
    ...overrides,
  };
}

async function refusal(creds: ConnectionRequestCredentials): Promise<{ status: number; code: string; message: string }> {
  try {
    await t.ctx.connections.verifyConnectionRequest(creds);
  } catch (err) {
    expect(err).toBeInstanceOf(PdxError);
    const e = err as PdxError;
    expect(e.reason).toEqual(expect.any(String));
    return { status: e.status, code: e.code, message: e.message };
  }
  throw new Error('the request was accepted');
}

describe('verifyConnectionRequest', () => {
  it('accepts matching credentials', async () => {
    const c = await t.ctx.connections.verifyConnectionRequest(await goodRequest());
    expect(c).toMatchObject({ nid: conn.nid, orgId: conn.orgId });
  });

  it('accepts upper-case hex in the Authentication header and the token hash', async () => {
    const creds = await goodRequest();
    creds.authentication = String(creds.authentication).toUpperCase();
    creds.connectionTokenHash = String(creds.connectionTokenHash).toUpperCase();
    await expect(t.ctx.connections.verifyConnectionRequest(creds)).resolves.toMatchObject({ nid: conn.nid });
  });

  it('refuses a reused SAT with 401', async () => {
    const creds = await goodRequest();
    await t.ctx.connections.verifyConnectionRequest(creds);
    expect(await refusal(creds)).toEqual({ status: 401, code: 'sat_unknown_or_used', message: 'Access denied' });
  });

  it('spends the SAT even when the request fails', async () => {
    const creds = await goodRequest();
    expect((await refusal({ ...creds, authentication: 'nope' })).status).toBe(401);
    expect((await refusal(creds)).code).toBe('sat_unknown_or_used');
  });

  it('lets only one of two concurrent uses of a SAT succeed', async () => {
    const creds = await goodRequest();
    const results = await Promise.allSettled([
      t.ctx.connections.verifyConnectionRequest(creds),
      t.ctx.connections.verifyConnectionRequest(creds),
      t.ctx.connections.verifyConnectionRequest(creds),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  it('refuses an expired SAT with 401', async () => {
    const creds = await goodRequest();
    clock.advance(t.ctx.config.satTtl);
    expect(await refusal(creds)).toMatchObject({ status: 401, code: 'sat_expired' });
  });

  it('accepts a SAT just before it expires', async () => {
    const creds = await goodRequest();
    clock.advance(t.ctx.config.satTtl - 1);
    await expect(t.ctx.connections.verifyConnectionRequest(creds)).resolves.toMatchObject({ nid: conn.nid });
  });

  it('refuses a missing or unknown SAT with 401', async () => {
    expect(await refusal(await goodRequest({ sat: undefined }))).toMatchObject({ status: 401, code: 'sat_missing' });
    expect(await refusal(await goodRequest({ sat: '' }))).toMatchObject({ status: 401, code: 'sat_missing' });
    expect(await refusal(await goodRequest({ sat: 'not-a-sat' }))).toMatchObject({ status: 401, code: 'sat_unknown_or_used' });
  });

  it('refuses a SAT issued for another connection of the same organisation with 401', async () => {
    const other = await t.ctx.connections.createConnection({
      orgId: conn.orgId,
      callbackUrl: 'https://example.org/cb',
      notifications: false,
      permissions: {},
    });
    const sat = await t.ctx.connections.issueShortAccessToken(other.nid);
    const creds = await goodRequest({ sat, authentication: sha512Hex(sat + conn.token) });
    expect(await refusal(creds)).toMatchObject({ status: 401, code: 'sat_other_connection' });
  });

  it('refuses a wrong Authentication header with 401', async () => {
    const creds = await goodRequest();
    creds.authentication = sha512Hex(`${String(creds.sat)}wrong-token`);
    expect(await refusal(creds)).toMatchObject({ status: 401, code: 'authentication_mismatch' });
  });

  it('refuses a wrong connection_token_hash with 401', async () => {
    expect(await refusal(await goodRequest({ connectionTokenHash: sha512Hex('pdx_ct_other') }))).toMatchObject({
      status: 401,
      code: 'token_hash_mismatch',
    });
  });

  it('refuses the raw connection token, or its stored verifier, in place of the hash', async () => {
    const row = await t.ctx.db.selectFrom('connections').select('token_hash_verifier').executeTakeFirstOrThrow();
    expect((await refusal(await goodRequest({ connectionTokenHash: conn.token }))).code).toBe('token_hash_mismatch');
    expect((await refusal(await goodRequest({ connectionTokenHash: row.token_hash_verifier }))).code).toBe('token_hash_mismatch');
  });

  it("refuses another organisation's client with 403", async () => {
    const { orgId: otherOrg } = await t.ctx.connections.createOrganisation('Mallory Ltd');
    expect(await refusal(await goodRequest({ principal: principalOf(otherOrg) }))).toEqual({
      status: 403,
      code: 'connection_forbidden',
      message: 'Access denied',
    });
  });

  it('refuses an unknown NID exactly like a foreign one (403)', async () => {
    const foreign = await refusal(await goodRequest({ principal: principalOf(conn.orgId + 100) }));
    const unknown = await refusal(await goodRequest({ nid: 49999 }));
    expect(unknown).toEqual(foreign);
  });

  it('never throws anything but a 400 (no NID), 401 or 403 for malformed input, as the route reads it', async () => {
    const junk: unknown[] = [
      undefined,
      null,
      '',
      'zz',
      'abc',
      '0'.repeat(127),
      'f'.repeat(129),
      'é'.repeat(128),
      42,
      {},
      ['a', 'b'],
      '\u0000',
    ];
    for (const value of junk) {
      for (const field of ['connection_nid', 'short-access-token', 'authentication', 'connection_token_hash'] as const) {
        const good = await goodRequest();
        const headers: Record<string, unknown> = { 'short-access-token': good.sat, authentication: good.authentication };
        const body: Record<string, unknown> = { connection_nid: good.nid, connection_token_hash: good.connectionTokenHash };
        (field in headers ? headers : body)[field] = value;
        const creds = readConnectionCredentials(good.principal, headers as Record<string, string>, body);
        const { status } = await refusal(creds);
        // No usable NID is the caller's omission (400, listing what is missing); anything else is refused as credentials.
        const noNid = field === 'connection_nid' && typeof value !== 'number';
        expect(noNid ? [400] : [401, 403]).toContain(status);
      }
    }
  });
});
