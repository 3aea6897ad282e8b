/** POST /members/invite, GET /members/invite/{invite} and POST /members/invite/status. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { sha256Hex } from '../../src/crypto/hash.ts';
import { INVITE_TTL_SECONDS } from '../../src/idaas/idaas-invites.ts';
import { connectMember, createSubscriber, tokenFor, type ConnectedMember, type Subscriber } from '../fixtures.ts';
import { createTestApp, type TestApp } from '../harness.ts';
import { IDAAS_SCOPES, idaas, identifierOf, inviteBody, inviteContext } from './helpers.ts';

const GET = '/members/invite/{invite}';

let t: TestApp;
let clock: ManualClock;
let sub: Subscriber;
let other: Subscriber;
let m: ConnectedMember;
let n = 0;

beforeAll(async () => {
  clock = new ManualClock();
  t = await createTestApp({ clock });
  sub = await createSubscriber(t, ['ds_personal_details:rw'], IDAAS_SCOPES);
  other = await createSubscriber(t, ['ds_personal_details:r'], IDAAS_SCOPES);
  m = await connectMember(t.ctx, sub, 'idaas-invite');
});
afterAll(() => t.close());

/** A fresh context per test, so invites of one test never supersede another's. */
function item(): string {
  return `item-${++n}`;
}

async function invite(extra: Record<string, unknown> = {}) {
  const res = await idaas(t, sub, 'POST', '/members/invite', { body: inviteBody(sub, m, extra) });
  expect(res.statusCode, res.body).toBe(200);
  return res.data as Record<string, string | number>;
}

async function status(itemId: string, who = sub) {
  return idaas(t, who, 'POST', '/members/invite/status', { body: inviteContext(sub, m, { item_id: itemId }) });
}

describe('POST /members/invite', () => {
  it('stores the invite and answers the GetInviteResponse with a one-time code', async () => {
    const itemId = item();
    const data = await invite({ item_id: itemId });
    expect(data).toEqual({
      success: 1,
      invite_url_code: expect.stringMatching(/^pdx_iv_[A-Za-z0-9_-]{43}$/),
      parent_uuid: identifierOf(m, sub),
      app_url: 'https://subscriber.example.org/invites',
      client_id: sub.clientId,
      con_nid: String(sub.nid),
      org_id: String(sub.orgId),
      project_id: 'proj123',
      item_id: itemId,
      type: 'identifier',
    });
    const stored = await t.ctx.db.selectFrom('idaas_invites').selectAll().where('item_id', '=', itemId).execute();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ code_hash: sha256Hex(String(data.invite_url_code)), status: 'pending', uid: m.uid });
    expect(stored[0]!.expires_at - stored[0]!.created_at).toBe(INVITE_TTL_SECONDS);
    expect(JSON.stringify(stored)).not.toContain(String(data.invite_url_code));
  });

  it('emails the member message_email and a link to app_url carrying the code', async () => {
    const data = await invite({ item_id: item(), message_email: 'Join our project' });
    const mail = (await t.ctx.outbox.listSandboxMessages()).find((msg) => msg.body.includes(String(data.invite_url_code)));
    const org = (await t.ctx.connections.getOrganisation(sub.orgId))!.name;
    expect(mail).toMatchObject({ channel: 'email', recipient: `${m.mydexid}@example.org`, subject: `${org} invites you` });
    expect(mail!.body).toMatch(/^Join our project\n/);
    expect(mail!.body).toContain(
      `Open this link to accept: https://subscriber.example.org/invites?invite=${data.invite_url_code}`,
    );
  });

  it('refuses with 400 and every problem a body missing the required fields', async () => {
    const res = await idaas(t, sub, 'POST', '/members/invite', { body: { identifier: 'nope' } });
    expect(res.statusCode).toBe(400);
    expect(res.data).toEqual({
      success: 0,
      message:
        'identifier must be a UUID. app_url is required. client_id is required. con_nid is required. org_id is required. ' +
        'project_id is required. item_id is required. type is required. message_email is required.',
    });
  });

  it('refuses with 400 an app_url that is not an absolute http(s) URL', async () => {
    const res = await idaas(t, sub, 'POST', '/members/invite', { body: inviteBody(sub, m, { app_url: '/relative' }) });
    expect(res.statusCode).toBe(400);
    expect(res.data).toEqual({ success: 0, message: 'app_url must be an absolute http or https URL.' });
  });

  it('answers 400 "Member does not exist." for an identifier of another connection', async () => {
    const res = await idaas(t, sub, 'POST', '/members/invite', {
      body: inviteBody(sub, m, { identifier: '550e8400-e29b-41d4-a716-446655440000' }),
    });
    expect(res.statusCode).toBe(400);
    expect(res.data).toEqual({ success: 0, message: 'Member does not exist.' });
  });

  it('refuses with 403 a con_nid of another organisation', async () => {
    const res = await idaas(t, sub, 'POST', '/members/invite', { body: inviteBody(sub, m, { con_nid: other.nid }) });
    expect(res.statusCode).toBe(403);
    expect(res.data).toEqual({
      error: { message: 'Access denied', reason: 'This connection does not belong to your organisation.' },
    });
  });
});

describe('GET /members/invite/{invite}', () => {
  it('answers the invite data once, and marks it used', async () => {
    const itemId = item();
    const created = await invite({ item_id: itemId });
    const code = String(created.invite_url_code);
    const res = await idaas(t, sub, 'GET', `/members/invite/${code}`, {}, GET);
    expect(res.statusCode).toBe(200);
    expect(res.data).toEqual(created);
    expect((await status(itemId)).data).toEqual({ success: 1, status: 'used' });
    const again = await idaas(t, sub, 'GET', `/members/invite/${code}`, {}, GET);
    expect(again.statusCode).toBe(410);
    expect(again.data).toEqual({ success: 0, message: 'Invite has already been used.' });
  });

  it("answers 404 for an unknown code and for another organisation's invite alike", async () => {
    const code = String((await invite({ item_id: item() })).invite_url_code);
    for (const [who, c] of [
      [sub, 'a1b2c3d4e5f6'],
      [other, code],
      [sub, 'x'.repeat(500)],
    ] as const) {
      const res = await idaas(t, who, 'GET', `/members/invite/${c}`, {}, GET);
      expect(res.statusCode).toBe(404);
      expect(res.data).toEqual({ success: 0, message: 'Invite does not exist.' });
    }
    // The other organisation's attempt did not spend it.
    expect((await idaas(t, sub, 'GET', `/members/invite/${code}`, {}, GET)).statusCode).toBe(200);
  });

  it('answers 410 once the invite expired', async () => {
    const itemId = item();
    const code = String((await invite({ item_id: itemId })).invite_url_code);
    clock.advance(INVITE_TTL_SECONDS);
    try {
      // The access token of a week ago has expired too.
      const later = { ...sub, accessToken: await tokenFor(t, sub.clientId, sub.clientSecret, IDAAS_SCOPES.join(' ')) };
      const res = await idaas(t, later, 'GET', `/members/invite/${code}`, {}, GET);
      expect(res.statusCode).toBe(410);
      expect(res.data).toEqual({ success: 0, message: 'Invite has expired.' });
      expect((await status(itemId, later)).data).toEqual({ success: 1, status: 'expired' });
    } finally {
      clock.advance(-INVITE_TTL_SECONDS);
    }
  });
});

describe('POST /members/invite/status', () => {
  it('answers pending for a new invite, without changing it', async () => {
    const itemId = item();
    const code = String((await invite({ item_id: itemId })).invite_url_code);
    const res = await status(itemId);
    expect(res.statusCode).toBe(200);
    expect(res.data).toEqual({ success: 1, status: 'pending' });
    expect((await status(itemId)).data).toEqual({ success: 1, status: 'pending' });
    expect((await idaas(t, sub, 'GET', `/members/invite/${code}`, {}, GET)).statusCode).toBe(200);
  });

  it('answers success 0 when no invite has this context', async () => {
    const res = await status(item());
    expect(res.statusCode).toBe(200);
    expect(res.data).toEqual({ success: 0, status: 'not_found' });
  });

  it('a new invite for the same context supersedes the pending one, whose code stops working', async () => {
    const itemId = item();
    // Within the same second, as a double submit would be.
    const first = String((await invite({ item_id: itemId })).invite_url_code);
    const second = String((await invite({ item_id: itemId })).invite_url_code);
    expect((await idaas(t, sub, 'GET', `/members/invite/${first}`, {}, GET)).statusCode).toBe(410);
    expect((await status(itemId)).data).toEqual({ success: 1, status: 'pending' });
    expect((await idaas(t, sub, 'GET', `/members/invite/${second}`, {}, GET)).statusCode).toBe(200);
    expect((await status(itemId)).data).toEqual({ success: 1, status: 'used' });
  });

  it("does not see another organisation's invites", async () => {
    const itemId = item();
    await invite({ item_id: itemId });
    const res = await idaas(t, other, 'POST', '/members/invite/status', {
      body: inviteContext(sub, m, {
        item_id: itemId,
        client_id: other.clientId,
        org_id: String(other.orgId),
        con_nid: String(other.nid),
      }),
    });
    expect(res.data).toEqual({ success: 0, status: 'not_found' });
  });
});

describe('member deletion', () => {
  it("deletes the member's invites and notifications with the member", async () => {
    const gone = await connectMember(t.ctx, sub, 'idaas-invite-deleted');
    await idaas(t, sub, 'POST', '/members/invite', { body: inviteBody(sub, gone) });
    await idaas(t, sub, 'POST', '/members/notify', {
      body: { identifier_auth: { parent_uuid: identifierOf(gone, sub) }, message_email: 'x' },
    });
    await t.ctx.accounts.deleteMember(gone.uid, gone.password);
    for (const table of ['idaas_invites', 'idaas_notifications'] as const) {
      expect(await t.ctx.db.selectFrom(table).select('uid').where('uid', '=', gone.uid).execute(), table).toEqual([]);
    }
  });
});
