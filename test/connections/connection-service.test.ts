import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseGrantSpecs } from '../../src/connections/grant-spec.ts';
import { sha512Hex } from '../../src/crypto/hash.ts';
import type { Database } from '../../src/storage/schema.ts';
import { createTestApp, type TestApp } from '../harness.ts';
import { makeConnection } from './helpers.ts';

describe('ConnectionService', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  it('allocates NIDs from 40000 upwards', async () => {
    const a = await makeConnection(t.ctx);
    const b = await makeConnection(t.ctx, 'Other');
    const c = await makeConnection(t.ctx, 'Third');
    expect([a.nid, b.nid, c.nid]).toEqual([40000, 40001, 40002]);
  });

  it('allocates distinct NIDs to concurrent creations', async () => {
    const { orgId } = await t.ctx.connections.createOrganisation('Busy');
    const permissions = parseGrantSpecs(['ds_referrals:rw'], t.ctx.catalogue);
    const made = await Promise.all(
      Array.from({ length: 6 }, () =>
        t.ctx.connections.createConnection({ orgId, callbackUrl: 'https://example.org/cb', notifications: true, permissions }),
      ),
    );
    expect(made.map((m) => m.nid).sort()).toEqual([40000, 40001, 40002, 40003, 40004, 40005]);
  });

  it('returns a pdx_ct_ token that unseals back from the store', async () => {
    const { nid, token, orgId } = await makeConnection(t.ctx);
    expect(token).toMatch(/^pdx_ct_[A-Za-z0-9_-]{43}$/);
    expect(await t.ctx.connections.connectionToken(nid)).toBe(token);
    expect(await t.ctx.connections.getConnection(nid)).toEqual({
      nid,
      orgId,
      name: `Connection ${nid}`,
      callbackUrl: 'http://localhost:9999/callback',
      notifications: false,
      createdAt: expect.any(Number),
    });
    expect(await t.ctx.connections.connectionToken(99999)).toBeUndefined();
  });

  it('never stores the connection token or its sha512 hex in any column (MX-04)', async () => {
    const { token } = await makeConnection(t.ctx);
    const wire = [
      token,
      sha512Hex(token),
      Buffer.from(token).toString('base64'),
      Buffer.from(sha512Hex(token), 'hex').toString('base64'),
    ];
    const tables: (keyof Database)[] = ['organisations', 'connections', 'dssas', 'short_access_tokens'];
    let cells = 0;
    for (const table of tables) {
      const rows = (await t.ctx.db.selectFrom(table).selectAll().execute()) as Record<string, unknown>[];
      for (const row of rows) {
        for (const value of Object.values(row)) {
          cells++;
          for (const secret of wire) expect(String(value)).not.toContain(secret);
        }
      }
    }
    expect(cells).toBeGreaterThan(10);
  });

  it('creates DSSA version 1 with a UUID, then numbers new versions', async () => {
    const { nid } = await makeConnection(t.ctx);
    const v1 = await t.ctx.connections.latestDssa(nid);
    expect(v1).toMatchObject({ nid, version: 1, purpose: '', gdprStatement: '' });
    expect(v1?.uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(v1?.permissions.ds_personal_details?.field_personal_fname).toEqual({ r: { a: 1, s: 'A' }, w: { a: 1, s: 'A' } });

    const permissions = parseGrantSpecs(['ds_referrals:r'], t.ctx.catalogue);
    await expect(t.ctx.connections.addDssaVersion(nid, { permissions, purpose: 'Referrals' })).resolves.toEqual({ version: 2 });
    await expect(t.ctx.connections.addDssaVersion(nid, { permissions })).resolves.toEqual({ version: 3 });
    const v3 = await t.ctx.connections.latestDssa(nid);
    expect(v3).toMatchObject({ version: 3, purpose: 'Referrals', permissions });
    expect(await t.ctx.connections.dssa(nid, 1)).toEqual(v1);
    expect(await t.ctx.connections.dssaByUuid(v3!.uuid)).toEqual(v3);
    expect(await t.ctx.connections.dssa(nid, 9)).toBeUndefined();
    expect(await t.ctx.connections.dssaByUuid('00000000-0000-0000-0000-000000000000')).toBeUndefined();
  });

  it('lists organisations and connections, optionally by organisation', async () => {
    const a = await makeConnection(t.ctx, 'A');
    const b = await makeConnection(t.ctx, 'B');
    expect((await t.ctx.connections.listOrganisations()).map((o) => o.name)).toEqual(['A', 'B']);
    expect((await t.ctx.connections.listConnections()).map((c) => c.nid)).toEqual([a.nid, b.nid]);
    expect((await t.ctx.connections.listConnections(b.orgId)).map((c) => c.nid)).toEqual([b.nid]);
  });

  it('refuses an unknown organisation, a bad callback URL and unknown datasets with clear messages', async () => {
    const permissions = parseGrantSpecs(['ds_referrals:rw'], t.ctx.catalogue);
    await expect(
      t.ctx.connections.createConnection({ orgId: 77, callbackUrl: 'https://x.org/cb', notifications: false, permissions }),
    ).rejects.toMatchObject({ status: 404, reason: 'Organisation 77 does not exist.' });
    const { orgId } = await t.ctx.connections.createOrganisation('Acme');
    await expect(
      t.ctx.connections.createConnection({ orgId, callbackUrl: 'ftp://x.org/cb', notifications: false, permissions }),
    ).rejects.toMatchObject({ status: 400, message: 'Invalid callback URL' });
    await expect(
      t.ctx.connections.createConnection({
        orgId,
        callbackUrl: 'https://x.org/cb',
        notifications: false,
        permissions: { ds_nope: {} },
      }),
    ).rejects.toMatchObject({ status: 400, reason: 'Unknown dataset ds_nope.' });
    await expect(t.ctx.connections.addDssaVersion(40000, { permissions })).rejects.toMatchObject({ status: 404 });
    await expect(t.ctx.connections.createOrganisation('  ')).rejects.toMatchObject({ status: 400 });
  });
});

describe('ConnectionService in live', () => {
  it('refuses an http callback URL', async () => {
    const live = await createTestApp({ env: { OPENPDX_ENV: 'live', OPENPDX_PUBLIC_URL: 'https://pdx.example.org' } });
    try {
      const { orgId } = await live.ctx.connections.createOrganisation('Acme');
      const permissions = parseGrantSpecs(['ds_referrals:rw'], live.ctx.catalogue);
      await expect(
        live.ctx.connections.createConnection({ orgId, callbackUrl: 'http://x.org/cb', notifications: false, permissions }),
      ).rejects.toMatchObject({ status: 400, reason: 'The callback URL must use https in live.' });
    } finally {
      await live.close();
    }
  });
});
