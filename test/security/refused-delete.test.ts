/**
 * A delete refused for permissions names only fields the connection may read: the refusal must not
 * tell a subscriber which fields outside its DSSA hold data.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../harness.ts';
import { bearer, connectMember, createSubscriber, type ConnectedMember, type Subscriber } from '../fixtures.ts';

let t: TestApp;
let full: Subscriber;
let partial: Subscriber;
let asFull: ConnectedMember;
let asPartial: { uid: number; conId: string; key: string };

function call(
  sub: Subscriber,
  m: { uid: number; conId: string; key: string },
  method: 'POST' | 'DELETE',
  path: string,
  q: string,
  payload?: object,
) {
  return t.app.inject({
    method,
    url: `${path}?uid=${m.uid}&key=${m.key}&con_id=${m.conId}&source_type=connection&${q}`,
    headers: bearer(sub),
    ...(payload ? { payload } : {}),
  });
}

async function insertRow(values: Record<string, string>): Promise<number> {
  const res = await call(full, asFull, 'POST', '/api/pds/transaction', 'dataset=ds_referrals', { ds_referrals: values });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().last_insert_id as number;
}

const deleteRow = (id: number) =>
  call(partial, asPartial, 'DELETE', `/api/pds/transaction/${asPartial.uid}.json`, `dataset=ds_referrals&id=${id}`);

beforeAll(async () => {
  t = await createTestApp({ startWorkers: false });
  full = await createSubscriber(t, ['ds_referrals:rw', 'ds_personal_details:rw']);
  partial = await createSubscriber(t, [
    'ds_referrals:rw:contact_name',
    'ds_referrals:r:duration',
    'ds_personal_details:rw:field_personal_fname',
    'ds_personal_details:r:field_personal_mname',
  ]);
  asFull = await connectMember(t.ctx, full, 'shared.member');
  const c = await t.ctx.members.grants.consent({ uid: asFull.uid, nid: partial.nid, privateKey: asFull.privateKey });
  asPartial = { uid: asFull.uid, conId: c.conId, key: c.memberKey };
});
afterAll(() => t.close());

const denied = (reason: string) => ({ error: { message: 'Access denied', reason } });

describe('a delete refused for permissions', () => {
  it('names the readable fields it may not write, and only says that unreadable ones exist', async () => {
    const id = await insertRow({ contact_name: 'Ann', duration: '30', memo: 'private note', referree_background: 'history' });
    const res = await deleteRow(id);
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual(
      denied('This connection may not write: duration, and fields it may not read. Nothing was changed.'),
    );
    expect(res.body).not.toMatch(/memo|referree_background/);
  });

  it('names no field when every field it may not write is unreadable to it', async () => {
    const id = await insertRow({ contact_name: 'Bea', memo: 'private note' });
    const res = await deleteRow(id);
    expect(res.json()).toEqual(denied('This connection may not write every field this row holds. Nothing was changed.'));
  });

  it('names readable fields alone when those are all that stop it', async () => {
    const id = await insertRow({ contact_name: 'Cal', duration: '45' });
    expect((await deleteRow(id)).json()).toEqual(denied('This connection may not write: duration. Nothing was changed.'));
  });

  it('refuses to clear a metadata instance the same way, and keeps the values', async () => {
    const write = await call(full, asFull, 'POST', `/api/pds/pds/${asFull.uid}.json`, 'dataset=ds_personal_details&instance=0', {
      ds_personal_details: { field_personal_fname: 'Ann', field_personal_mname: 'Other', field_personal_faname: 'Secret' },
    });
    expect(write.statusCode, write.body).toBe(200);
    const res = await call(
      partial,
      asPartial,
      'DELETE',
      `/api/pds/pds/${asPartial.uid}.json`,
      'dataset=ds_personal_details&instance=0',
    );
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual(
      denied('This connection may not write: field_personal_mname, and fields it may not read. Nothing was changed.'),
    );
    expect(res.body).not.toContain('faname');
    const read = await t.app.inject({
      method: 'GET',
      url: `/api/pds/pds/${asFull.uid}.json?key=${asFull.key}&con_id=${asFull.conId}&dataset=ds_personal_details`,
      headers: bearer(full),
    });
    expect(read.json().ds_personal_details.instance_0.field_personal_faname.value).toBe('Secret');
  });
});
