import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../harness.ts';
import { bearer, connectMember, createSubscriber, type ConnectedMember, type Subscriber } from '../fixtures.ts';

const ACCESS_DENIED_401 = {
  error: {
    message: 'Access denied',
    reason: 'Unable to authorize the request. Please make sure you send an OAuth2.0 bearer token or an API key.',
  },
};

let t: TestApp;
let sub: Subscriber;
let alice: ConnectedMember;

function q(m: ConnectedMember, extra: Record<string, string> = {}): string {
  return new URLSearchParams({ key: m.key, con_id: m.conId, source_type: 'connection', ...extra }).toString();
}

beforeAll(async () => {
  t = await createTestApp();
  sub = await createSubscriber(t, ['ds_personal_details:rw', 'ds_home:r', 'ds_referrals:rw']);
  alice = await connectMember(t.ctx, sub, 'alice');
});
afterAll(() => t.close());

describe('metadata datasets (contract §6.1)', () => {
  it('writes fields with POST and reads them back in the Mydex shape', async () => {
    const write = await t.app.inject({
      method: 'POST',
      url: `/api/pds/pds/${alice.uid}.json?${q(alice, { dataset: 'ds_personal_details', instance: '0' })}`,
      headers: { ...bearer(sub), 'content-type': 'application/json' },
      payload: { ds_personal_details: { field_personal_fname: 'John', field_personal_faname: 'Smith' } },
    });
    expect(write.statusCode).toBe(200);
    expect(write.json()).toEqual({ success: 1 });

    const read = await t.app.inject({
      method: 'GET',
      url: `/api/pds/pds/${alice.uid}.json?${q(alice, { dataset: 'ds_personal_details', instance: '0' })}`,
      headers: bearer(sub),
    });
    expect(read.statusCode).toBe(200);
    expect(read.headers['cache-control']).toBe('no-store');
    const body = read.json();
    const rw = { r: { a: 1, s: 'A' }, w: { a: 1, s: 'A' } };
    expect(body.ds_personal_details.instance_0.field_personal_fname).toEqual({ value: 'John', access: rw });
    expect(body.ds_personal_details.instance_0.field_personal_faname).toEqual({ value: 'Smith', access: rw });
    expect(body.ds_personal_details.instance_0.field_personal_mname).toEqual({ value: null, access: rw });
  });

  it('suggests the closest field name for an unknown one', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/pds/pds/${alice.uid}.json?${q(alice, { dataset: 'ds_personal_details', instance: '0' })}`,
      headers: { ...bearer(sub), 'content-type': 'application/json' },
      payload: { ds_personal_details: { field_personal_fnam: 'Jo' } },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      error: {
        message: 'Unknown fields',
        reason: 'ds_personal_details has no field field_personal_fnam. Did you mean field_personal_fname?',
      },
    });
  });

  it('says where a broken JSON body stops being JSON, and stores nothing', async () => {
    const url = `/api/pds/pds/${alice.uid}.json?${q(alice, { dataset: 'ds_personal_details', instance: '0' })}`;
    const before = await t.app.inject({ method: 'GET', url, headers: bearer(sub) });
    const res = await t.app.inject({
      method: 'POST',
      url,
      headers: { ...bearer(sub), 'content-type': 'application/json' },
      payload: '{"ds_personal_details": {\n  "field_personal_fname": "Jo",\n  "field_personal_faname": }\n}',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      error: {
        message: 'Invalid request body',
        reason: 'The body is not valid JSON: a value was expected at line 3, column 28 (character 86).',
      },
    });
    expect((await t.app.inject({ method: 'GET', url, headers: bearer(sub) })).body).toBe(before.body);
  });

  it('reads form-encoded PHP-style bodies whatever the content type says', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/pds/pds/${alice.uid}.json?${q(alice, { dataset: 'ds_personal_details' })}`,
      headers: { ...bearer(sub), 'content-type': 'application/json' },
      payload: 'ds_personal_details%5Bfield_personal_nickname%5D=Johnny',
    });
    expect(res.statusCode).toBe(200);
    const read = await t.app.inject({
      method: 'GET',
      url: `/api/pds/pds/${alice.uid}.json?${q(alice, { dataset: 'ds_personal_details' })}`,
      headers: bearer(sub),
    });
    expect(read.json().ds_personal_details.instance_0.field_personal_nickname.value).toBe('Johnny');
  });

  it('updates with a flat PUT body and keeps the other fields', async () => {
    const res = await t.app.inject({
      method: 'PUT',
      url: `/api/pds/pds/${alice.uid}.json?${q(alice, { dataset: 'ds_personal_details', instance: '0', id: '1' })}`,
      headers: bearer(sub),
      payload: { field_personal_fname: 'Jon' },
    });
    expect(res.statusCode).toBe(200);
    const read = await t.app.inject({
      method: 'GET',
      url: `/api/pds/pds/${alice.uid}.json?${q(alice, { dataset: 'ds_personal_details' })}`,
      headers: bearer(sub),
    });
    const inst = read.json().ds_personal_details.instance_0;
    expect(inst.field_personal_fname.value).toBe('Jon');
    expect(inst.field_personal_faname.value).toBe('Smith');
  });

  it('keeps instances apart and lists every instance when none is named', async () => {
    await t.app.inject({
      method: 'POST',
      url: `/api/pds/pds/${alice.uid}.json?${q(alice, { dataset: 'ds_personal_details', instance: '2' })}`,
      headers: bearer(sub),
      payload: { ds_personal_details: { field_personal_fname: 'Second' } },
    });
    const all = await t.app.inject({
      method: 'GET',
      url: `/api/pds/pds/${alice.uid}.json?${q(alice, { dataset: 'ds_personal_details' })}`,
      headers: bearer(sub),
    });
    expect(Object.keys(all.json().ds_personal_details)).toEqual(['instance_0', 'instance_2']);
    expect(all.json().ds_personal_details.instance_2.field_personal_fname.value).toBe('Second');
  });

  it('reads several datasets joined with + and accepts legacy field_ds_ names', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/pds/pds/${alice.uid}.json?${q(alice)}&dataset=field_ds_personal_details+ds_home&instance=0`,
      headers: bearer(sub),
    });
    expect(res.statusCode).toBe(200);
    expect(Object.keys(res.json())).toEqual(['ds_personal_details', 'ds_home']);
    expect(res.json().ds_home.instance_0.field_home_postcode).toEqual({
      value: null,
      access: { r: { a: 1, s: 'A' }, w: { a: 0, s: 'A' } },
    });
  });

  it('answers in XML when the path ends in .xml', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/pds/pds/${alice.uid}.xml?${q(alice, { dataset: 'ds_personal_details', instance: '0' })}`,
      headers: bearer(sub),
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/application\/xml/);
    expect(res.body).toContain('<field_personal_fname><value>Jon</value>');
  });

  it('refuses a write to a read-only dataset with 403 and writes nothing (AZ-04)', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/pds/pds/${alice.uid}.json?${q(alice, { dataset: 'ds_home' })}`,
      headers: bearer(sub),
      payload: { ds_home: { field_home_postcode: 'EH1 1AA' } },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.message).toBe('Access denied');
    expect(res.json().error.reason).toContain('field_home_postcode');
  });

  it('refuses an unknown field with 400 naming it, and a bad value with 400 naming the field', async () => {
    const unknown = await t.app.inject({
      method: 'POST',
      url: `/api/pds/pds/${alice.uid}.json?${q(alice, { dataset: 'ds_personal_details' })}`,
      headers: bearer(sub),
      payload: { ds_personal_details: { field_personal_fname: 'X', field_nope: 'y' } },
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.reason).toContain('field_nope');
    const bad = await t.app.inject({
      method: 'POST',
      url: `/api/pds/pds/${alice.uid}.json?${q(alice, { dataset: 'ds_personal_details' })}`,
      headers: bearer(sub),
      payload: { ds_personal_details: { field_personal_title: 'Emperor' } },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.reason).toContain('field_personal_title');
    const read = await t.app.inject({
      method: 'GET',
      url: `/api/pds/pds/${alice.uid}.json?${q(alice, { dataset: 'ds_personal_details', instance: '0' })}`,
      headers: bearer(sub),
    });
    expect(read.json().ds_personal_details.instance_0.field_personal_fname.value).toBe('Jon');
  });

  it('refuses prototype-polluting and server-owned keys (AZ-05)', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/pds/pds/${alice.uid}.json?${q(alice, { dataset: 'ds_personal_details' })}`,
      headers: { ...bearer(sub), 'content-type': 'application/json' },
      payload: '{"ds_personal_details":{"__proto__":{"polluted":"yes"}}}',
    });
    expect(res.statusCode).toBe(400);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const owner = await t.app.inject({
      method: 'POST',
      url: `/api/pds/pds/${alice.uid}.json?${q(alice, { dataset: 'ds_personal_details' })}`,
      headers: bearer(sub),
      payload: { ds_personal_details: { uid: '1', permissions: 'all' } },
    });
    expect(owner.statusCode).toBe(400);
  });

  it('answers 404 for an unknown dataset and 400 for a transactional one', async () => {
    const unknown = await t.app.inject({
      method: 'GET',
      url: `/api/pds/pds/${alice.uid}.json?${q(alice, { dataset: 'ds_unicorns' })}`,
      headers: bearer(sub),
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual({ error: { message: 'Unknown dataset', reason: 'There is no dataset named ds_unicorns.' } });
    const typo = await t.app.inject({
      method: 'GET',
      url: `/api/pds/pds/${alice.uid}.json?${q(alice, { dataset: 'ds_personal_detail' })}`,
      headers: bearer(sub),
    });
    expect(typo.json()).toEqual({
      error: {
        message: 'Unknown dataset',
        reason: 'There is no dataset named ds_personal_detail. Did you mean ds_personal_details?',
      },
    });
    const wrongType = await t.app.inject({
      method: 'GET',
      url: `/api/pds/pds/${alice.uid}.json?${q(alice, { dataset: 'ds_referrals' })}`,
      headers: bearer(sub),
    });
    expect(wrongType.statusCode).toBe(400);
  });

  it('refuses a dataset the connection was not granted, for read and write (MX-10)', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/pds/pds/${alice.uid}.json?${q(alice)}&dataset=ds_personal_details+ds_passport`,
      headers: bearer(sub),
    });
    expect(res.statusCode).toBe(403);
    expect(res.body).not.toContain('Jon');
  });

  it('clears an instance with DELETE', async () => {
    const del = await t.app.inject({
      method: 'DELETE',
      url: `/api/pds/pds/${alice.uid}.json?${q(alice, { dataset: 'ds_personal_details', instance: '2' })}`,
      headers: bearer(sub),
    });
    expect(del.statusCode).toBe(200);
    expect(del.json()).toEqual({ success: 1 });
    const all = await t.app.inject({
      method: 'GET',
      url: `/api/pds/pds/${alice.uid}.json?${q(alice, { dataset: 'ds_personal_details' })}`,
      headers: bearer(sub),
    });
    expect(Object.keys(all.json().ds_personal_details)).toEqual(['instance_0']);
  });

  it('needs a bearer token: 401 with the exact Access denied body', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/pds/pds/${alice.uid}.json?${q(alice, { dataset: 'ds_personal_details' })}`,
    });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual(ACCESS_DENIED_401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
  });

  it('gives one identical 403 for a wrong key, a wrong member, a missing grant and another uid (MX-07)', async () => {
    const urls = [
      `/api/pds/pds/${alice.uid}.json?${q({ ...alice, key: 'A'.repeat(32) }, { dataset: 'ds_personal_details' })}`,
      `/api/pds/pds/999999.json?${q({ ...alice, conId: `999999-${sub.nid}` }, { dataset: 'ds_personal_details' })}`,
      `/api/pds/pds/${alice.uid}.json?${q({ ...alice, conId: `${alice.uid}-1` }, { dataset: 'ds_personal_details' })}`,
      `/api/pds/pds/${alice.uid + 1}.json?${q(alice, { dataset: 'ds_personal_details' })}`,
      `/api/pds/pds/${alice.uid}.json?${q({ ...alice, key: 'short' }, { dataset: 'ds_personal_details' })}`,
    ];
    const bodies = new Set<string>();
    for (const url of urls) {
      const res = await t.app.inject({ method: 'GET', url, headers: bearer(sub) });
      expect(res.statusCode).toBe(403);
      bodies.add(res.body);
    }
    expect(bodies.size).toBe(1);
  });

  it('says what is wrong with a missing key, or a missing or malformed con_id (400, judged on format alone)', async () => {
    const cases: [ConnectedMember, string, string][] = [
      [{ ...alice, key: '' }, 'Missing parameter', 'key is required: the member key that the consent callback sent'],
      [{ ...alice, conId: '' }, 'Missing parameter', 'con_id is required: the connection id (<uid>-<nid>)'],
      [{ ...alice, conId: `${alice.uid}_${sub.nid}` }, 'Invalid parameter', 'con_id must be <uid>-<nid>, two numbers'],
      [{ ...alice, conId: 'abc' }, 'Invalid parameter', 'con_id must be <uid>-<nid>, two numbers'],
    ];
    for (const [creds, message, reason] of cases) {
      const res = await t.app.inject({
        method: 'GET',
        url: `/api/pds/pds/${alice.uid}.json?${q(creds, { dataset: 'ds_personal_details' })}`,
        headers: bearer(sub),
      });
      expect(res.statusCode, JSON.stringify(creds)).toBe(400);
      expect(res.json().error.message).toBe(message);
      expect(res.json().error.reason).toContain(reason);
    }
  });

  it("refuses another subscriber's client even with this member's key (AZ-02)", async () => {
    const other = await createSubscriber(t, ['ds_personal_details:rw']);
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/pds/pds/${alice.uid}.json?${q(alice, { dataset: 'ds_personal_details' })}`,
      headers: bearer(other),
    });
    expect(res.statusCode).toBe(403);
    expect(res.body).not.toContain('Jon');
  });

  it('accepts the member key in a Connection-Token header instead of ?key=', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/pds/pds/${alice.uid}.json?con_id=${alice.conId}&dataset=ds_personal_details&instance=0`,
      headers: { ...bearer(sub), 'connection-token': alice.key },
    });
    expect(res.statusCode).toBe(200);
  });

  it('records every read and write in the access log', async () => {
    const log = await t.ctx.db.selectFrom('access_log').selectAll().where('uid', '=', alice.uid).execute();
    const actions = new Set(log.map((l) => `${l.action}:${l.dataset}`));
    expect(actions).toContain('write:ds_personal_details');
    expect(actions).toContain('read:ds_personal_details');
    expect(actions).toContain('delete:ds_personal_details');
    expect(log.every((l) => l.nid === sub.nid && l.actor === 'connection')).toBe(true);
  });
});

describe('field-level read permissions (AZ-03)', () => {
  it('shows only the granted fields, absent rather than null for the rest', async () => {
    const narrow = await createSubscriber(t, ['ds_personal_details:r:field_personal_fname']);
    const bob = await connectMember(t.ctx, narrow, 'bob');
    // Write bob's data through a member unlock, as the member would in the dashboard.
    const keys = await t.ctx.members.keys.unlock(bob.uid, bob.privateKey);
    await t.ctx.datasets.pds.transact(bob.uid, keys, (w) =>
      w.mergeMetadata('ds_personal_details', 0, { field_personal_fname: 'Bob', field_personal_faname: 'Secret' }),
    );
    keys.wipe();
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/pds/pds/${bob.uid}.json?${q(bob, { dataset: 'ds_personal_details', instance: '0' })}`,
      headers: bearer(narrow),
    });
    expect(res.statusCode).toBe(200);
    expect(Object.keys(res.json().ds_personal_details.instance_0)).toEqual(['field_personal_fname']);
    expect(res.body).not.toContain('Secret');
  });
});

describe('crypto-enforced grants (CR-06)', () => {
  it('holds wrapped keys only for the datasets the connection was granted', async () => {
    const grant = await t.ctx.db
      .selectFrom('grants')
      .select('id')
      .where('uid', '=', alice.uid)
      .where('revoked_at', 'is', null)
      .executeTakeFirstOrThrow();
    const rows = await t.ctx.db.selectFrom('grant_dataset_keys').select('dataset').where('grant_id', '=', grant.id).execute();
    expect(rows.map((r) => r.dataset).sort()).toEqual(['ds_home', 'ds_personal_details', 'ds_referrals']);
  });

  it('cannot decrypt an ungranted dataset even when asked directly', async () => {
    const own = await t.ctx.members.keys.unlock(alice.uid, alice.privateKey);
    await t.ctx.datasets.pds.transact(alice.uid, own, (w) => w.mergeMetadata('ds_passport', 0, { field_pp_number: '123456789' }));
    own.wipe();
    const access = await t.ctx.members.access.check(
      { clientId: sub.clientId, orgId: sub.orgId, scopes: new Set(['mydex:pdx']), jti: 'j', exp: 0 },
      alice.conId,
      alice.key,
      ['ds_passport'],
    );
    expect(access.keys.has('ds_passport')).toBe(false);
    await expect(t.ctx.datasets.pds.read(alice.uid, access.keys, (r) => r.metadata('ds_passport'))).rejects.toThrow(
      /no data key/,
    );
  });

  it('shreds the wrapped keys on revocation and refuses the old key (CR-10, AZ-07)', async () => {
    const carol = await connectMember(t.ctx, sub, 'carol');
    expect(await t.ctx.members.grants.revoke(carol.uid, sub.nid)).toBe(true);
    const grants = await t.ctx.db.selectFrom('grants').selectAll().where('uid', '=', carol.uid).execute();
    expect(grants[0]!.revoked_at).not.toBeNull();
    expect(grants[0]!.key_verifier).toMatch(/^revoked:/);
    const keys = await t.ctx.db.selectFrom('grant_dataset_keys').selectAll().where('grant_id', '=', grants[0]!.id).execute();
    expect(keys).toEqual([]);
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/pds/pds/${carol.uid}.json?${q(carol, { dataset: 'ds_personal_details' })}`,
      headers: bearer(sub),
    });
    expect(res.statusCode).toBe(403);
  });
});
