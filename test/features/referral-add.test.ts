import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGrantSpecs } from '../../src/connections/grant-spec.ts';
import { FeatureBlocks } from '../../src/features/feature-blocks.ts';
import type { FtcLinkIssuer, FtcLinkRequest } from '../../src/features/referral-add-service.ts';
import { registerFeatureBlockRoutes } from '../../src/features/feature-routes.ts';
import { createHttpServer } from '../../src/http/server.ts';
import { connectMember, createSubscriber, type ConnectedMember, type Subscriber } from '../fixtures.ts';
import { createTestApp, type TestApp } from '../harness.ts';
import { ALL_BLOCK_GRANTS, ALL_BLOCK_SCOPES, block } from './helpers.ts';

let t: TestApp;
let caller: Subscriber;
let m: ConnectedMember;
/** The service the member is referred to: reads ds_referrals, notifications on. */
let remote: { nid: number; uuid: string };
let stubbed: FastifyInstance;
const links: FtcLinkRequest[] = [];

const SERVICE = '5d3c1a70-6c1b-4d8e-9f2a-1e2d3c4b5a69';
const RETURN_TO = 'https://caller.example.org/after-consent';

async function createRemoteService(name: string): Promise<{ nid: number; uuid: string }> {
  const { orgId } = await t.ctx.connections.createOrganisation(name);
  const { nid } = await t.ctx.connections.createConnection({
    orgId,
    callbackUrl: 'http://127.0.0.1:9/remote',
    notifications: true,
    permissions: parseGrantSpecs(['ds_referrals:r'], t.ctx.catalogue),
  });
  return { nid, uuid: (await t.ctx.connections.latestDssa(nid))!.uuid };
}

const body = (overrides: Record<string, unknown> = {}) => ({
  remote_dssa_uuid: remote.uuid,
  member_present: true,
  return_to: RETURN_TO,
  referral_data: { service_identifier: SERVICE, service_name: 'Grad Careers UK', memo: 'Please call' },
  ...overrides,
});

/** The caller's app with the consent module's link maker replaced by a recorder. */
async function appWithRecordedLinks(): Promise<FastifyInstance> {
  const issuer: FtcLinkIssuer = {
    async createLink(input) {
      links.push(input);
      return `${t.ctx.config.publicUrl}/ftc/begin/${input.nid}/pdx_ln_recorded/${input.version}`;
    },
  };
  const { ctx } = t;
  const features = new FeatureBlocks({
    ...ctx,
    dialect: ctx.database.dialect,
    appendAccessLog: ctx.database.appendAccessLog,
    selectNow: ctx.database.selectNow,
    runSideJobs: ctx.database.runSideJobs,
    writeTransaction: ctx.database.writeTransaction,
    links: issuer,
  });
  const app = createHttpServer(ctx.logger);
  registerFeatureBlockRoutes(app, { oauth: ctx.oauth, features });
  await app.ready();
  return app;
}

async function referralRows(): Promise<Record<string, Record<string, string>>> {
  const res = await t.app.inject({
    method: 'GET',
    url: `/api/pds/transaction/${m.uid}.json?key=${m.key}&con_id=${m.conId}&dataset=ds_referrals`,
    headers: { authorization: `Bearer ${caller.accessToken}` },
  });
  return res.json();
}

beforeAll(async () => {
  t = await createTestApp();
  caller = await createSubscriber(t, ALL_BLOCK_GRANTS, ALL_BLOCK_SCOPES);
  m = await connectMember(t.ctx, caller, 'referred-member');
  remote = await createRemoteService('Grad Careers UK');
  stubbed = await appWithRecordedLinks();
});
afterAll(async () => {
  await stubbed.close();
  await t.close();
});

const addVia = (app: FastifyInstance, payload: unknown) =>
  app.inject({
    method: 'POST',
    url: `/referrals/add?uid=${m.uid}&con_id=${m.conId}`,
    headers: { authorization: `Bearer ${caller.accessToken}`, 'connection-token': m.key, 'content-type': 'application/json' },
    payload: JSON.stringify(payload),
  });

describe('POST /referrals/add (contract §7)', () => {
  it('answers pending with a one-time FTC url and its QR code when the member is present', async () => {
    const res = await addVia(stubbed, body());
    expect(res.statusCode).toBe(200);
    const answer = res.json();
    expect(answer).toEqual({
      success: 1,
      status: 'pending',
      url: `${t.ctx.config.publicUrl}/ftc/begin/${remote.nid}/pdx_ln_recorded/1`,
      qr: expect.stringMatching(/^data:image\/png;base64,/),
      referral_id: expect.any(Number),
    });
    const png = Buffer.from(answer.qr.slice('data:image/png;base64,'.length), 'base64');
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(links.at(-1)).toEqual({ kind: 'ftc', nid: remote.nid, version: 1, mydexid: m.mydexid, returnTo: RETURN_TO });
    expect((await referralRows())[String(answer.referral_id)]).toMatchObject({
      type: 'Referral',
      status: 'Referred',
      service_identifier: SERVICE,
      service_name: 'Grad Careers UK',
      referree_availability: '{"AM":[],"PM":[]}',
    });
  });

  it('emails the link to the member and says so when the member is not present', async () => {
    const res = await addVia(stubbed, body({ member_present: false }));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      success: 1,
      status: 'pending',
      message: 'The member was sent an email asking them to connect to Grad Careers UK.',
      referral_id: expect.any(Number),
    });
    const mail = (await t.ctx.outbox.listSandboxMessages()).find((msg) => msg.recipient === `${m.mydexid}@example.org`);
    expect(mail?.body).toContain(`/ftc/begin/${remote.nid}/pdx_ln_recorded/1`);
  });

  it('answers complete when the member is already connected, and the other service is notified', async () => {
    await t.ctx.members.grants.consent({ uid: m.uid, nid: remote.nid, privateKey: m.privateKey });
    const made = links.length;
    const res = await addVia(stubbed, body());
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ success: 1, status: 'complete', referral_id: expect.any(Number) });
    expect(links).toHaveLength(made);
    const deliveries = await t.ctx.outbox.listDeliveries({ limit: 200 });
    const notified = deliveries.filter((d) => d.kind === 'notification' && d.uid === m.uid);
    expect(notified.map((d) => d.nid)).toContain(remote.nid);
    expect(notified.map((d) => d.nid)).not.toContain(caller.nid);
  });

  describe('refusals, before any link is made', () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ['no remote_dssa_uuid', { remote_dssa_uuid: undefined }, 'remote_dssa_uuid is required.'],
      ['a remote_dssa_uuid that is not a UUID', { remote_dssa_uuid: 'abc' }, 'remote_dssa_uuid must be a UUID.'],
      [
        'an unknown DSSA',
        { remote_dssa_uuid: '00000000-0000-4000-8000-000000000000' },
        'remote_dssa_uuid does not name a data sharing agreement.',
      ],
      ['no member_present', { member_present: undefined }, 'member_present is required.'],
      ['a member_present that is not a boolean', { member_present: 'maybe' }, 'member_present must be true or false.'],
      [
        'a return_to that is not an http URL',
        { return_to: 'javascript:alert(1)' },
        'return_to must be an absolute http or https URL.',
      ],
      ['referral data without service_identifier', { referral_data: { service_name: 'x' } }, 'service_identifier is required.'],
      ['an unknown field', { colour: 'red' }, 'Unknown field: colour.'],
    ];
    for (const [what, overrides, message] of cases) {
      it(`refuses ${what} with 400`, async () => {
        const made = links.length;
        const res = await addVia(stubbed, body(overrides));
        expect(res.statusCode).toBe(400);
        expect(res.json()).toEqual({ success: 0, message });
        expect(links).toHaveLength(made);
      });
    }

    it('refuses a caller that may not write ds_referrals with 403', async () => {
      const eventsOnly = await createSubscriber(t, ['ds_events:rw'], ALL_BLOCK_SCOPES);
      const member = await connectMember(t.ctx, eventsOnly, 'referred-member-2');
      const made = links.length;
      const res = await stubbed.inject({
        method: 'POST',
        url: `/referrals/add?uid=${member.uid}&con_id=${member.conId}`,
        headers: { authorization: `Bearer ${eventsOnly.accessToken}`, 'connection-token': member.key },
        payload: body(),
      });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toEqual({
        error: { message: 'Access denied', reason: expect.stringMatching(/^This connection may not write: /) },
      });
      expect(links).toHaveLength(made);
    });
  });

  it('makes a real one-time FTC link through the consent module', async () => {
    const other = await createRemoteService('Second Service');
    const res = await block(t, caller, m, 'POST', '/referrals/add', { body: body({ remote_dssa_uuid: other.uuid }) });
    expect(res.statusCode).toBe(200);
    const url = new URL(res.json().url as string);
    const [, , , nid, token] = url.pathname.split('/');
    expect(Number(nid)).toBe(other.nid);
    const view = await t.ctx.consent.viewLink(token!);
    expect(view).toMatchObject({ kind: 'ftc', nid: other.nid, mydexid: m.mydexid });
  });
});
