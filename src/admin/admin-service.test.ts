import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/harness.ts';
import { AdminService } from './admin-service.ts';

let t: TestApp;
let admin: AdminService;
beforeEach(async () => {
  t = await createTestApp();
  admin = new AdminService(t.ctx);
});
afterEach(async () => {
  await t.close();
});

describe('AdminService', () => {
  it('turns grant specs into DSSA permissions', async () => {
    const { org_id } = await admin.createOrganisation('Acme');
    const { nid } = await admin.createConnection({
      orgId: org_id,
      callbackUrl: 'https://acme.example/cb',
      notifications: false,
      grants: ['ds_personal_details:r:field_personal_fname', 'ds_personal_details:w:field_personal_fname'],
    });
    expect((await t.ctx.connections.latestDssa(nid))?.permissions).toEqual({
      ds_personal_details: { field_personal_fname: { r: { a: 1, s: 'A' }, w: { a: 1, s: 'A' } } },
    });
  });

  it('reports grant problems as 400 validation errors', async () => {
    const { org_id } = await admin.createOrganisation('Acme');
    const base = { orgId: org_id, callbackUrl: 'https://acme.example/cb', notifications: false };
    await expect(admin.createConnection({ ...base, grants: [] })).rejects.toMatchObject({ status: 400, message: 'No grants' });
    await expect(admin.createConnection({ ...base, grants: ['ds_referrals'] })).rejects.toMatchObject({
      status: 400,
      message: 'Invalid grant',
      reason: 'grant "ds_referrals" must look like dataset:rw or dataset:r:field1,field2',
    });
  });

  it('keeps the purpose of the previous DSSA when a new version gives none', async () => {
    const { org_id } = await admin.createOrganisation('Acme');
    const { nid } = await admin.createConnection({
      orgId: org_id,
      callbackUrl: 'https://acme.example/cb',
      notifications: false,
      grants: ['ds_referrals:rw'],
      purpose: 'Referrals',
      gdprStatement: 'Consent',
    });
    expect(await admin.addDssaVersion({ nid, grants: ['ds_referrals:r'] })).toEqual({ version: 2 });
    expect(await t.ctx.connections.latestDssa(nid)).toMatchObject({ version: 2, purpose: 'Referrals', gdprStatement: 'Consent' });
  });
});
