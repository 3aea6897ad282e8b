/**
 * AZ-01 / MX-07: every dataset route, called with credentials that do not grant access (another
 * subscriber's client, another member's uid, a wrong key, a revoked grant, a made-up con_id), is
 * refused with one byte-identical 403 body, and nothing is read or written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../harness.ts';
import { bearer, connectMember, createSubscriber, type ConnectedMember, type Subscriber } from '../fixtures.ts';

let t: TestApp;
let a: Subscriber;
let b: Subscriber;
let m1: ConnectedMember;
let m2: ConnectedMember;
let revoked: ConnectedMember;

beforeAll(async () => {
  t = await createTestApp();
  a = await createSubscriber(t, ['ds_personal_details:rw', 'ds_referrals:rw']);
  b = await createSubscriber(t, ['ds_personal_details:rw', 'ds_referrals:rw']);
  m1 = await connectMember(t.ctx, a, 'bola1');
  m2 = await connectMember(t.ctx, b, 'bola2');
  revoked = await connectMember(t.ctx, a, 'bola3');
  await t.ctx.members.grants.revoke(revoked.uid, a.nid);
});
afterAll(() => t.close());

interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: (uid: number) => string;
  dataset: string;
  body?: object;
}

const ROUTES: Route[] = [
  { method: 'GET', path: (u) => `/api/pds/pds/${u}.json`, dataset: 'ds_personal_details' },
  { method: 'GET', path: (u) => `/api/pds/pds/${u}.xml`, dataset: 'ds_personal_details' },
  {
    method: 'POST',
    path: (u) => `/api/pds/pds/${u}.json`,
    dataset: 'ds_personal_details',
    body: { ds_personal_details: { field_personal_fname: 'Mallory' } },
  },
  {
    method: 'PUT',
    path: (u) => `/api/pds/pds/${u}.json`,
    dataset: 'ds_personal_details',
    body: { field_personal_fname: 'Mallory' },
  },
  { method: 'DELETE', path: (u) => `/api/pds/pds/${u}.json`, dataset: 'ds_personal_details' },
  { method: 'GET', path: (u) => `/api/pds/transaction/${u}.json`, dataset: 'ds_referrals' },
  {
    method: 'POST',
    path: (u) => `/api/pds/transaction?uid=${u}`,
    dataset: 'ds_referrals',
    body: { ds_referrals: { contact_name: 'Mallory' } },
  },
  { method: 'PUT', path: (u) => `/api/pds/transaction/${u}.json`, dataset: 'ds_referrals', body: { contact_name: 'Mallory' } },
  { method: 'DELETE', path: (u) => `/api/pds/transaction/${u}.json`, dataset: 'ds_referrals' },
];

function url(r: Route, uid: number, conId: string, key: string): string {
  const p = r.path(uid);
  return `${p}${p.includes('?') ? '&' : '?'}key=${key}&con_id=${conId}&dataset=${r.dataset}&instance=0&id=1`;
}

describe('BOLA matrix (AZ-01)', () => {
  it('refuses every route × every ungranted combination with one identical 403', async () => {
    const combos = () => [
      { who: 'A token, B member credentials', sub: a, uid: m2.uid, conId: m2.conId, key: m2.key },
      { who: 'B token, A member credentials', sub: b, uid: m1.uid, conId: m1.conId, key: m1.key },
      { who: 'A token, m1 con_id, path uid of m2', sub: a, uid: m2.uid, conId: m1.conId, key: m1.key },
      { who: 'A token, wrong key', sub: a, uid: m1.uid, conId: m1.conId, key: m2.key },
      { who: 'A token, revoked grant', sub: a, uid: revoked.uid, conId: revoked.conId, key: revoked.key },
      { who: 'A token, made-up member', sub: a, uid: 987654, conId: `987654-${a.nid}`, key: m1.key },
      { who: 'A token, made-up connection', sub: a, uid: m1.uid, conId: `${m1.uid}-1`, key: m1.key },
    ];
    const bodies = new Set<string>();
    let calls = 0;
    for (const r of ROUTES) {
      for (const c of combos()) {
        const res = await t.app.inject({
          method: r.method,
          url: url(r, c.uid, c.conId, c.key),
          headers: bearer(c.sub),
          ...(r.body ? { payload: r.body } : {}),
        });
        expect(res.statusCode, `${r.method} ${r.path(c.uid)} — ${c.who}`).toBe(403);
        bodies.add(res.body);
        calls++;
      }
    }
    expect(calls).toBe(ROUTES.length * 7);
    expect(bodies.size).toBe(1);
    const log = await t.ctx.db.selectFrom('access_log').selectAll().execute();
    expect(log).toEqual([]);
    const rows = await t.ctx.db.selectFrom('transaction_rows').selectAll().execute();
    const records = await t.ctx.db.selectFrom('metadata_records').selectAll().execute();
    expect(rows.length + records.length).toBe(0);
  });

  it('still serves the rightful owner on the same routes (the matrix is not refusing everything)', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: url(ROUTES[2]!, m1.uid, m1.conId, m1.key),
      headers: bearer(a),
      payload: ROUTES[2]!.body!,
    });
    expect(res.statusCode).toBe(200);
  });
});

describe('health', () => {
  it('answers /healthz and /readyz', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await t.app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ready' });
  });
});
