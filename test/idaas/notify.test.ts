/** POST /members/notify and PATCH /members/notify/status. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identifierFor } from '../../src/idaas/identifier.ts';
import { connectMember, createMember, createSubscriber, type ConnectedMember, type Subscriber } from '../fixtures.ts';
import { createTestApp, type TestApp } from '../harness.ts';
import { IDAAS_SCOPES, idaas, identifierOf, notifyBody } from './helpers.ts';

let t: TestApp;
let sub: Subscriber;
let other: Subscriber;
let m: ConnectedMember;

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

beforeAll(async () => {
  t = await createTestApp();
  sub = await createSubscriber(t, ['ds_personal_details:rw'], IDAAS_SCOPES);
  other = await createSubscriber(t, ['ds_personal_details:r'], IDAAS_SCOPES);
  m = await connectMember(t.ctx, sub, 'idaas-notify');
});
afterAll(() => t.close());

async function mailsTo(mydexid: string) {
  return (await t.ctx.outbox.listSandboxMessages()).filter((msg) => msg.recipient === `${mydexid}@example.org`);
}

describe('POST /members/notify', () => {
  it('emails message_email to the member named by parent_uuid and answers a new notification identifier', async () => {
    const before = (await mailsTo(m.mydexid)).length;
    const res = await idaas(t, sub, 'POST', '/members/notify', {
      body: notifyBody(sub, m, {}, { message_email: 'Your form is ready.' }),
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.data).toEqual({ success: 1, identifier: expect.stringMatching(UUID_V4) });
    const mails = await mailsTo(m.mydexid);
    expect(mails).toHaveLength(before + 1);
    const org = (await t.ctx.connections.getOrganisation(sub.orgId))!.name;
    expect(mails[0]).toMatchObject({ channel: 'email', subject: `Message from ${org}` });
    expect(mails[0]!.body).toMatch(/^Your form is ready\.\n\n--\n/);
    expect(mails[0]!.body).toContain('http://localhost:8080/me/connections');
  });

  it('stores the notification as a child of the member identifier, status sent', async () => {
    const res = await idaas(t, sub, 'POST', '/members/notify', { body: notifyBody(sub, m) });
    const row = await t.ctx.db
      .selectFrom('idaas_notifications')
      .selectAll()
      .where('identifier', '=', (res.data as { identifier: string }).identifier)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      parent_uuid: identifierOf(m, sub),
      org_id: sub.orgId,
      nid: sub.nid,
      uid: m.uid,
      status: 'sent',
      channels: 'email',
      project_id: 'proj123',
      item_id: 'item456',
      type: 'notification',
    });
  });

  it('needs only parent_uuid in identifier_auth, accepts an upper-case UUID, and an SMS text it cannot send', async () => {
    const body = { identifier_auth: { parent_uuid: identifierOf(m, sub).toUpperCase() }, message_email: 'Hi', message_sms: 'Hi' };
    const res = await idaas(t, sub, 'POST', '/members/notify', { body });
    expect(res.statusCode).toBe(200);
  });

  it('answers 400 "Member does not exist." alike for an unknown identifier, a revoked connection and another organisation', async () => {
    const revoked = await connectMember(t.ctx, sub, 'idaas-notify-revoked');
    await t.ctx.members.grants.revoke(revoked.uid, sub.nid);
    const notConnected = await createMember(t.ctx, 'idaas-notify-unconnected');
    const otherMember = await connectMember(t.ctx, other, 'idaas-notify-other');
    const identifiers = [
      '550e8400-e29b-41d4-a716-446655440000',
      identifierOf(revoked, sub),
      identifierFor({ uid: notConnected.uid, nid: sub.nid }),
      identifierFor({ uid: 999999, nid: sub.nid }),
      identifierOf(otherMember, other),
    ];
    for (const parent_uuid of identifiers) {
      const res = await idaas(t, sub, 'POST', '/members/notify', {
        body: { identifier_auth: { parent_uuid }, message_email: 'x' },
      });
      expect(res.statusCode, parent_uuid).toBe(400);
      expect(res.data).toEqual({ success: 0, message: 'Member does not exist.' });
    }
  });

  it('refuses with 403 a con_nid of another organisation', async () => {
    const res = await idaas(t, sub, 'POST', '/members/notify', { body: notifyBody(sub, m, { con_nid: String(other.nid) }) });
    expect(res.statusCode).toBe(403);
    expect(res.data).toEqual({
      error: { message: 'Access denied', reason: 'This connection does not belong to your organisation.' },
    });
  });

  it('refuses with 400 a client_id or org_id that is not the access token’s', async () => {
    const res = await idaas(t, sub, 'POST', '/members/notify', {
      body: notifyBody(sub, m, { client_id: other.clientId, org_id: 'org789' }),
    });
    expect(res.statusCode).toBe(400);
    expect(res.data).toEqual({
      success: 0,
      message:
        'identifier_auth.client_id must be the client id of the access token. ' +
        `identifier_auth.org_id must be the organisation id of the access token's client (${sub.orgId}).`,
    });
  });

  it('refuses with 400 and every problem a body without identifier_auth or message_email', async () => {
    const empty = await idaas(t, sub, 'POST', '/members/notify', { body: {} });
    expect(empty.statusCode).toBe(400);
    expect(empty.data).toEqual({ success: 0, message: 'identifier_auth is required. message_email is required.' });
    const bad = await idaas(t, sub, 'POST', '/members/notify', {
      body: { identifier_auth: { parent_uuid: 'not-a-uuid', con_nid: 'x' }, message_email: 'x'.repeat(10_001), message_sms: 5 },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.data).toEqual({
      success: 0,
      message:
        'message_email must be at most 10000 characters. identifier_auth.parent_uuid must be a UUID. ' +
        'identifier_auth.con_nid must be a connection NID (a positive whole number).',
    });
  });
});

describe('PATCH /members/notify/status', () => {
  async function notification(): Promise<string> {
    return ((await idaas(t, sub, 'POST', '/members/notify', { body: notifyBody(sub, m) })).data as { identifier: string })
      .identifier;
  }

  it('marks the notification used and answers its identifier', async () => {
    const identifier = await notification();
    const res = await idaas(t, sub, 'PATCH', '/members/notify/status', { body: { identifier } });
    expect(res.statusCode).toBe(200);
    expect(res.data).toEqual({ success: 1, identifier });
    const row = await t.ctx.db
      .selectFrom('idaas_notifications')
      .select('status')
      .where('identifier', '=', identifier)
      .executeTakeFirst();
    expect(row?.status).toBe('used');
  });

  it('refuses a second update: a notification is used once', async () => {
    const identifier = await notification();
    await idaas(t, sub, 'PATCH', '/members/notify/status', { body: { identifier } });
    const again = await idaas(t, sub, 'PATCH', '/members/notify/status', { body: { identifier } });
    expect(again.statusCode).toBe(400);
    expect(again.data).toEqual({ success: 0, message: 'Notification was already used.' });
  });

  it("answers 400 for an unknown identifier and for another organisation's notification alike", async () => {
    const identifier = await notification();
    for (const [who, id] of [
      [other, identifier],
      [sub, '550e8400-e29b-41d4-a716-446655440000'],
    ] as const) {
      const res = await idaas(t, who, 'PATCH', '/members/notify/status', { body: { identifier: id } });
      expect(res.statusCode).toBe(400);
      expect(res.data).toEqual({ success: 0, message: 'Notification does not exist.' });
    }
  });

  it('refuses with 400 a missing or malformed identifier', async () => {
    expect((await idaas(t, sub, 'PATCH', '/members/notify/status', { body: {} })).data).toEqual({
      success: 0,
      message: 'identifier is required.',
    });
    expect((await idaas(t, sub, 'PATCH', '/members/notify/status', { body: { identifier: 'x' } })).data).toEqual({
      success: 0,
      message: 'identifier must be a UUID.',
    });
  });
});
