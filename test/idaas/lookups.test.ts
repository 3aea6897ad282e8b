/** GET /members/myaccount/{svt} and GET /members/scotaccount/{sub}, answered from external_identities. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMember, createSubscriber, type Subscriber } from '../fixtures.ts';
import { createTestApp, type TestApp } from '../harness.ts';
import { ACCESS_DENIED, IDAAS_SCOPES, idaas } from './helpers.ts';

const SUB = '123e4567-e89b-12d3-a456-426614174000';
const MYACCOUNT = '/members/myaccount/{svt}';
const SCOTACCOUNT = '/members/scotaccount/{sub}';

let t: TestApp;
let sub: Subscriber;

beforeAll(async () => {
  t = await createTestApp();
  sub = await createSubscriber(t, ['ds_personal_details:r'], IDAAS_SCOPES);
  await createMember(t.ctx, 'lookup.member');
  await createMember(t.ctx, 'lookup.other');
  await t.ctx.idaas.identities.map({ provider: 'myaccount', externalId: 'abc123xyz456', mydexid: 'lookup.member' });
  await t.ctx.idaas.identities.map({ provider: 'scotaccount', externalId: SUB.toUpperCase(), mydexid: 'lookup.other' });
});
afterAll(() => t.close());

describe('GET /members/myaccount/{svt}', () => {
  it('answers the mapped MydexID as a bare JSON string', async () => {
    const res = await idaas(t, sub, 'GET', '/members/myaccount/abc123xyz456', {}, MYACCOUNT);
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('"lookup.member"');
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('answers 400 "Member does not exist." for an SVT nobody is mapped to, and for the ScotAccount one', async () => {
    for (const svt of ['unknown-svt', SUB]) {
      const res = await idaas(t, sub, 'GET', `/members/myaccount/${svt}`, {}, MYACCOUNT);
      expect(res.statusCode).toBe(400);
      expect(res.data).toEqual({ success: 0, message: 'Member does not exist.' });
    }
  });

  it('stops answering once the mapping is removed', async () => {
    await createMember(t.ctx, 'lookup.gone');
    await t.ctx.idaas.identities.map({ provider: 'myaccount', externalId: 'svt-gone', mydexid: 'lookup.gone' });
    expect((await idaas(t, sub, 'GET', '/members/myaccount/svt-gone', {}, MYACCOUNT)).statusCode).toBe(200);
    await t.ctx.idaas.identities.unmap({ provider: 'myaccount', externalId: 'svt-gone' });
    expect((await idaas(t, sub, 'GET', '/members/myaccount/svt-gone', {}, MYACCOUNT)).statusCode).toBe(400);
  });
});

describe('GET /members/scotaccount/{sub}', () => {
  it('answers the mapped MydexID as a bare JSON string, whatever the case of the GUID', async () => {
    for (const guid of [SUB, SUB.toUpperCase()]) {
      const res = await idaas(t, sub, 'GET', `/members/scotaccount/${guid}`, {}, SCOTACCOUNT);
      expect(res.statusCode).toBe(200);
      expect(res.body).toBe('"lookup.other"');
    }
  });

  it('answers 400 for a sub that is not a UUID, and "Member does not exist." for an unmapped one', async () => {
    const bad = await idaas(t, sub, 'GET', '/members/scotaccount/not-a-guid', {}, SCOTACCOUNT);
    expect(bad.statusCode).toBe(400);
    expect(bad.data).toEqual({ success: 0, message: 'sub must be a UUID.' });
    const unknown = await idaas(t, sub, 'GET', '/members/scotaccount/00000000-0000-4000-8000-000000000000', {}, SCOTACCOUNT);
    expect(unknown.statusCode).toBe(400);
    expect(unknown.data).toEqual({ success: 0, message: 'Member does not exist.' });
  });

  it('answers 401 with the AuthErrorResponse without a token', async () => {
    const res = await idaas(t, sub, 'GET', `/members/scotaccount/${SUB}`, { token: 'x' }, SCOTACCOUNT);
    expect(res.statusCode).toBe(401);
    expect(res.data).toEqual(ACCESS_DENIED);
  });
});

describe('member deletion', () => {
  it("removes the member's mappings with the member", async () => {
    const m = await createMember(t.ctx, 'lookup.deleted');
    await t.ctx.idaas.identities.map({ provider: 'myaccount', externalId: 'svt-deleted', mydexid: m.mydexid });
    await t.ctx.accounts.deleteMember(m.uid, m.password);
    expect(await t.ctx.idaas.identities.list({ mydexid: m.mydexid })).toEqual([]);
    expect((await idaas(t, sub, 'GET', '/members/myaccount/svt-deleted', {}, MYACCOUNT)).statusCode).toBe(400);
  });
});

describe('paths under /members that the reference does not have', () => {
  it('answer 404 with the ErrorResponse body, not an HTML page', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/members/unknown',
      headers: { authorization: `Bearer ${sub.accessToken}` },
    });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toEqual({ success: 0, message: 'Not found: No route for GET /members/unknown' });
  });
});
