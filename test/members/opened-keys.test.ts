/**
 * The in-memory cache of data keys a verified member key has unwrapped (OPENPDX_KEY_CACHE_MS):
 * reuse never skips the key check, and revocation, re-consent, erasure and shutdown drop the keys.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../harness.ts';
import { bearer, connectMember, createSubscriber, type ConnectedMember, type Subscriber } from '../fixtures.ts';

const DS = 'ds_personal_details';

function readUrl(m: ConnectedMember, key = m.key): string {
  const q = new URLSearchParams({ key, con_id: m.conId, source_type: 'connection', dataset: DS, instance: '0' });
  return `/api/pds/pds/${m.uid}.json?${q}`;
}

async function grantIdOf(t: TestApp, m: ConnectedMember): Promise<number> {
  const g = await t.ctx.db
    .selectFrom('grants')
    .select('id')
    .where('uid', '=', m.uid)
    .where('revoked_at', 'is', null)
    .executeTakeFirstOrThrow();
  return g.id;
}

describe('opened data keys, cached (default 900 ms)', () => {
  let t: TestApp;
  let sub: Subscriber;
  beforeAll(async () => {
    t = await createTestApp();
    sub = await createSubscriber(t, [`${DS}:rw`]);
  });
  afterAll(() => t.close());

  async function write(m: ConnectedMember, value: string) {
    const res = await t.app.inject({
      method: 'POST',
      url: readUrl(m),
      headers: { ...bearer(sub), 'content-type': 'application/json' },
      payload: { [DS]: { field_personal_fname: value } },
    });
    expect(res.statusCode).toBe(200);
  }

  it('reuses the keys a verified member key opened, and still refuses a wrong key for the same grant', async () => {
    const m = await connectMember(t.ctx, sub, 'cached');
    await write(m, 'Grace');
    const grantId = await grantIdOf(t, m);
    expect(t.ctx.members.grants.openedKeys.get(grantId, DS)).toBeDefined();

    const ok = await t.app.inject({ method: 'GET', url: readUrl(m), headers: bearer(sub) });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()[DS].instance_0.field_personal_fname.value).toBe('Grace');

    // Same con_id, wrong key, while the grant's keys sit in the cache: refused like any wrong key.
    const wrongKey = m.key.slice(0, -1) + (m.key.endsWith('A') ? 'B' : 'A');
    const denied = await t.app.inject({ method: 'GET', url: readUrl(m, wrongKey), headers: bearer(sub) });
    expect(denied.statusCode).toBe(403);
    expect(denied.body).not.toContain('Grace');
  });

  it('holds the verified member key with the grant’s keys, and a wrong key is still checked and refused', async () => {
    const m = await connectMember(t.ctx, sub, 'memo');
    await write(m, 'Ida');
    const grantId = await grantIdOf(t, m);
    const { openedKeys } = t.ctx.members.grants;
    expect(openedKeys.holdsMemberKey(grantId, m.key)).toBe(true);
    const wrongKey = m.key.slice(0, -1) + (m.key.endsWith('A') ? 'B' : 'A');
    expect(openedKeys.holdsMemberKey(grantId, wrongKey)).toBe(false);
    const denied = await t.app.inject({ method: 'GET', url: readUrl(m, wrongKey), headers: bearer(sub) });
    expect(denied.statusCode).toBe(403);
    // The refused key did not replace the held one.
    expect(openedKeys.holdsMemberKey(grantId, m.key)).toBe(true);
    const ok = await t.app.inject({ method: 'GET', url: readUrl(m), headers: bearer(sub) });
    expect(ok.json()[DS].instance_0.field_personal_fname.value).toBe('Ida');
    // Once the grant is forgotten the key is checked against the verifier again, and still works.
    openedKeys.forget(grantId);
    expect(openedKeys.holdsMemberKey(grantId, m.key)).toBe(false);
    const again = await t.app.inject({ method: 'GET', url: readUrl(m), headers: bearer(sub) });
    expect(again.statusCode).toBe(200);
    expect(openedKeys.holdsMemberKey(grantId, m.key)).toBe(true);
  });

  it('forgets a grant at once when the member revokes it', async () => {
    const m = await connectMember(t.ctx, sub, 'revoker');
    await write(m, 'Ada');
    const grantId = await grantIdOf(t, m);
    expect(t.ctx.members.grants.openedKeys.get(grantId, DS)).toBeDefined();
    expect(await t.ctx.members.grants.revoke(m.uid, sub.nid)).toBe(true);
    expect(t.ctx.members.grants.openedKeys.get(grantId, DS)).toBeUndefined();
    expect(t.ctx.members.grants.openedKeys.holdsMemberKey(grantId, m.key)).toBe(false);
    const res = await t.app.inject({ method: 'GET', url: readUrl(m), headers: bearer(sub) });
    expect(res.statusCode).toBe(403);
  });

  it('forgets the old grant on re-consent; the old key stops working and the new one works', async () => {
    const m = await connectMember(t.ctx, sub, 'reconsent');
    await write(m, 'Mary');
    const oldGrant = await grantIdOf(t, m);
    const again = await t.ctx.members.grants.consent({ uid: m.uid, nid: sub.nid, privateKey: m.privateKey });
    expect(t.ctx.members.grants.openedKeys.get(oldGrant, DS)).toBeUndefined();
    expect((await t.app.inject({ method: 'GET', url: readUrl(m), headers: bearer(sub) })).statusCode).toBe(403);
    const fresh = { ...m, key: again.memberKey };
    const res = await t.app.inject({ method: 'GET', url: readUrl(fresh), headers: bearer(sub) });
    expect(res.statusCode).toBe(200);
    expect(res.json()[DS].instance_0.field_personal_fname.value).toBe('Mary');
  });

  it('forgets every grant of a member who deletes the account', async () => {
    const m = await connectMember(t.ctx, sub, 'leaver');
    await write(m, 'Eve');
    const grantId = await grantIdOf(t, m);
    await t.ctx.accounts.deleteMember(m.uid, m.password);
    expect(t.ctx.members.grants.openedKeys.get(grantId, DS)).toBeUndefined();
  });
});

describe('opened data keys, cache off (OPENPDX_KEY_CACHE_MS=0)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { OPENPDX_KEY_CACHE_MS: '0' } });
  });
  afterAll(() => t.close());

  it('unwraps on every call and keeps nothing', async () => {
    const sub = await createSubscriber(t, [`${DS}:rw`]);
    const m = await connectMember(t.ctx, sub, 'nocache');
    for (const value of ['One', 'Two']) {
      const w = await t.app.inject({
        method: 'POST',
        url: readUrl(m),
        headers: { ...bearer(sub), 'content-type': 'application/json' },
        payload: { [DS]: { field_personal_fname: value } },
      });
      expect(w.statusCode).toBe(200);
      const r = await t.app.inject({ method: 'GET', url: readUrl(m), headers: bearer(sub) });
      expect(r.json()[DS].instance_0.field_personal_fname.value).toBe(value);
    }
    expect(t.ctx.members.grants.openedKeys.size).toBe(0);
  });
});
