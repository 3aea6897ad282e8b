import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../harness.ts';
import { bearer, connectMember, createSubscriber, type ConnectedMember, type Subscriber } from '../fixtures.ts';

let t: TestApp;
let sub: Subscriber;
let m: ConnectedMember;

const qs = (extra: Record<string, string> = {}) =>
  new URLSearchParams({ key: m.key, con_id: m.conId, source_type: 'connection', dataset: 'ds_referrals', ...extra }).toString();

async function post(payload: unknown, extra: Record<string, string> = {}) {
  return t.app.inject({
    method: 'POST',
    url: `/api/pds/transaction?uid=${m.uid}&${qs(extra)}`,
    headers: bearer(sub),
    payload: payload as object,
  });
}

async function get(extra: Record<string, string> = {}) {
  return t.app.inject({ method: 'GET', url: `/api/pds/transaction/${m.uid}.json?${qs(extra)}`, headers: bearer(sub) });
}

beforeAll(async () => {
  t = await createTestApp();
  sub = await createSubscriber(t, ['ds_referrals:rw', 'ds_events:r']);
  m = await connectMember(t.ctx, sub, 'rowan');
});
afterAll(() => t.close());

describe('transactional datasets (contract §6.2)', () => {
  let firstId: number;

  it('inserts one row and answers with last_insert_id', async () => {
    const res = await post({
      ds_referrals: {
        contact_name: 'Ann Other',
        duration: '30',
        start_time: 1700000000,
        referree_availability: { AM: [1, 2], PM: [3] },
      },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toEqual({ success: 1, last_insert_id: expect.any(Number) });
    firstId = body.last_insert_id;
  });

  it('reads rows keyed by id with id, ds_id and every value as a string', async () => {
    const res = await get();
    expect(res.statusCode).toBe(200);
    const row = res.json()[String(firstId)];
    expect(row.id).toBe(String(firstId));
    expect(row.ds_id).toBe(String(firstId));
    expect(row.contact_name).toBe('Ann Other');
    expect(row.duration).toBe('30');
    expect(row.start_time).toBe('1700000000');
    expect(row.source).toBe('connection');
    expect(row.instance).toBe('0');
    expect(JSON.parse(row.referree_availability)).toEqual({ AM: [1, 2], PM: [3] });
    expect(typeof row.created_timestamp).toBe('string');
  });

  it('inserts a batch all or nothing and returns every id', async () => {
    const rows = Array.from({ length: 5 }, (_, i) => ({
      contact_name: `Batch ${i}`,
      duration: i * 10,
      status: i % 2 ? 'open' : 'closed',
    }));
    const res = await post({ ds_referrals: rows });
    expect(res.statusCode).toBe(200);
    expect(res.json().insert_ids).toHaveLength(5);
    expect(res.json().last_insert_id).toBe(res.json().insert_ids[4]);

    const before = Object.keys((await get()).json()).length;
    const bad = await post({ ds_referrals: [{ contact_name: 'ok' }, { duration: 'ten' }] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.reason).toContain('duration');
    expect(Object.keys((await get()).json()).length).toBe(before);
  });

  it('refuses a batch over 1000 rows with 413', async () => {
    const res = await post({ ds_referrals: Array.from({ length: 1001 }, () => ({ contact_name: 'x' })) });
    expect(res.statusCode).toBe(413);
  });

  it('filters with =, LIKE, IN and numeric comparisons', async () => {
    const eq = await get({ 'filters[status][operator]': '=', 'filters[status][value]': 'open' });
    expect(Object.values(eq.json()).map((r) => (r as { contact_name: string }).contact_name)).toEqual(['Batch 1', 'Batch 3']);
    const like = await get({ 'filters[contact_name][operator]': 'LIKE', 'filters[contact_name][value]': 'batch%' });
    expect(Object.keys(like.json())).toHaveLength(5);
    const inList = await get({ 'filters[contact_name][operator]': 'IN', 'filters[contact_name][value]': 'Batch 0,Batch 4' });
    expect(Object.keys(inList.json())).toHaveLength(2);
    const gt = await get({ 'filters[duration][operator]': '>', 'filters[duration][value]': '9' });
    // 10, 20, 30, 40 and the first row's 30: numeric, not string, comparison
    expect(Object.keys(gt.json())).toHaveLength(5);
  });

  it('refuses an operator outside the allow-list with 400 (MX-11)', async () => {
    for (const op of ['OR 1=1', ';', 'REGEXP']) {
      const res = await get({ 'filters[status][operator]': op, 'filters[status][value]': 'x' });
      expect(res.statusCode).toBe(400);
    }
  });

  // JSON.parse reorders integer-like keys, so the order is read from the body text itself.
  const durationsInBodyOrder = (body: string) => [...body.matchAll(/"duration":"(\d+)"/g)].map((m) => m[1]);

  it('sorts, limits, offsets and fetches one row by id, keeping the order in the JSON', async () => {
    const sorted = await get({ sort: '-duration', limit: '3' });
    expect(durationsInBodyOrder(sorted.body)).toEqual(['40', '30', '30']);
    const page = await get({ sort: 'duration', limit: '2', offset: '1' });
    expect(durationsInBodyOrder(page.body)).toEqual(['10', '20']);
    const one = await get({ id: String(firstId) });
    expect(Object.keys(one.json())).toEqual([String(firstId)]);
  });

  it('updates a row with PUT and deletes it with DELETE', async () => {
    const put = await t.app.inject({
      method: 'PUT',
      url: `/api/pds/transaction/${m.uid}.json?${qs({ id: String(firstId) })}`,
      headers: bearer(sub),
      payload: { contact_name: 'Ann Updated' },
    });
    expect(put.statusCode).toBe(200);
    expect((await get({ id: String(firstId) })).json()[String(firstId)].contact_name).toBe('Ann Updated');
    const del = await t.app.inject({
      method: 'DELETE',
      url: `/api/pds/transaction/${m.uid}.json?${qs({ id: String(firstId) })}`,
      headers: bearer(sub),
    });
    expect(del.json()).toEqual({ success: 1 });
    expect((await get({ id: String(firstId) })).json()).toEqual({});
    const again = await t.app.inject({
      method: 'DELETE',
      url: `/api/pds/transaction/${m.uid}.json?${qs({ id: String(firstId) })}`,
      headers: bearer(sub),
    });
    expect(again.statusCode).toBe(404);
  });

  it('refuses a body that tries to choose the row id (AZ-05)', async () => {
    for (const field of ['id', 'ds_id']) {
      const res = await post({ ds_referrals: { contact_name: 'x', [field]: '1' } });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.reason).toContain(field);
    }
  });

  it('ignores the timestamps and source a body sends, as Mydex examples do, and sets its own', async () => {
    const res = await post({ ds_referrals: { contact_name: 'Stamped', created_timestamp: '1642137822', source: 'user' } });
    expect(res.statusCode).toBe(200);
    const row = (await get({ id: String(res.json().last_insert_id) })).json()[String(res.json().last_insert_id)];
    expect(row.created_timestamp).not.toBe('1642137822');
    expect(row.source).toBe('connection');
    await t.app.inject({
      method: 'DELETE',
      url: `/api/pds/transaction/${m.uid}.json?${qs({ id: String(res.json().last_insert_id) })}`,
      headers: bearer(sub),
    });
  });

  it('refuses writes to a read-only transactional dataset (AZ-04)', async () => {
    const res = await post({ ds_events: { title: 'Party' } }, { dataset: 'ds_events' });
    expect(res.statusCode).toBe(403);
  });

  it('refuses a body for one dataset sent with ?dataset= naming another', async () => {
    const res = await post({ ds_events: { title: 'Party' } });
    expect(res.statusCode).toBe(400);
  });

  it('answers XML rows when the path ends in .xml', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/pds/transaction/${m.uid}.xml?${qs({ limit: '1' })}`,
      headers: bearer(sub),
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/<item key="\d+"><id>\d+<\/id>/);
  });
});
