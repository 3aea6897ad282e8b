/**
 * A metadata read and its access-log entries: on a SQLite file both run on the side thread as one
 * job, on PostgreSQL the read runs on the event loop and the entries follow it. Either way the
 * entries are committed before the response, every dataset of the read is logged, and a read that
 * fails (a record that does not authenticate) answers 500 and logs nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, TEST_PG_URL, type TestApp } from '../harness.ts';
import { bearer, connectMember, createSubscriber, type ConnectedMember, type Subscriber } from '../fixtures.ts';

let t: TestApp;
let sub: Subscriber;

function url(m: ConnectedMember, extra: Record<string, string>): string {
  const q = new URLSearchParams({ key: m.key, con_id: m.conId, source_type: 'connection', ...extra });
  return `/api/pds/pds/${m.uid}.json?${q}`;
}

async function write(m: ConnectedMember, dataset: string, instance: string, values: Record<string, string>) {
  const res = await t.app.inject({
    method: 'POST',
    url: url(m, { dataset, instance }),
    headers: { ...bearer(sub), 'content-type': 'application/json' },
    payload: { [dataset]: values },
  });
  expect(res.statusCode).toBe(200);
}

async function readLog(uid: number): Promise<string[]> {
  const rows = await t.ctx.db
    .selectFrom('access_log')
    .select(['dataset', 'fields'])
    .where('uid', '=', uid)
    .where('action', '=', 'read')
    .orderBy('id')
    .execute();
  return rows.map((r) => r.dataset);
}

beforeAll(async () => {
  t = await createTestApp();
  sub = await createSubscriber(t, ['ds_personal_details:rw', 'ds_home:rw']);
});
afterAll(() => t.close());

describe(`metadata reads and their log entries (${TEST_PG_URL ? 'PostgreSQL: read here, then log' : 'SQLite: one job on the side thread'})`, () => {
  it('takes the side-thread path exactly on SQLite', () => {
    expect(t.ctx.database.runSideJobs !== undefined).toBe(!TEST_PG_URL);
  });

  it('reads several datasets and instances, logging each dataset once, before it answers', async () => {
    const m = await connectMember(t.ctx, sub, 'several');
    await write(m, 'ds_personal_details', '0', { field_personal_fname: 'Ada' });
    await write(m, 'ds_home', '0', { field_home_town: 'London' });
    await write(m, 'ds_home', '2', { field_home_town: 'Paris' });
    const res = await t.app.inject({
      method: 'GET',
      url: url(m, { dataset: 'ds_personal_details+ds_home' }),
      headers: bearer(sub),
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.ds_personal_details.instance_0.field_personal_fname.value).toBe('Ada');
    expect(Object.keys(body.ds_home)).toEqual(['instance_0', 'instance_2']);
    expect(body.ds_home.instance_2.field_home_town.value).toBe('Paris');
    // Logged before the response: nothing to wait for here.
    expect(await readLog(m.uid)).toEqual(['ds_personal_details', 'ds_home']);
  });

  it('answers an instance with no record with empty fields, and logs the read', async () => {
    const m = await connectMember(t.ctx, sub, 'empty');
    const res = await t.app.inject({ method: 'GET', url: url(m, { dataset: 'ds_home', instance: '5' }), headers: bearer(sub) });
    expect(res.statusCode).toBe(200);
    expect(res.json().ds_home.instance_5.field_home_town.value).toBeNull();
    expect(await readLog(m.uid)).toEqual(['ds_home']);
  });

  it('refuses a record moved from another member (500, no details) and logs none of the read’s datasets', async () => {
    const victim = await connectMember(t.ctx, sub, 'victim');
    const thief = await connectMember(t.ctx, sub, 'thief');
    await write(victim, 'ds_home', '0', { field_home_town: 'Secretville' });
    await write(thief, 'ds_personal_details', '0', { field_personal_fname: 'Thief' });
    await write(thief, 'ds_home', '0', { field_home_town: 'Own town' });
    // Someone with database access copies the victim's sealed record over the thief's.
    const stolen = await t.ctx.db
      .selectFrom('metadata_records')
      .select('ciphertext')
      .where('uid', '=', victim.uid)
      .where('dataset', '=', 'ds_home')
      .executeTakeFirstOrThrow();
    await t.ctx.db
      .updateTable('metadata_records')
      .set({ ciphertext: stolen.ciphertext })
      .where('uid', '=', thief.uid)
      .where('dataset', '=', 'ds_home')
      .execute();
    const res = await t.app.inject({
      method: 'GET',
      url: url(thief, { dataset: 'ds_personal_details+ds_home' }),
      headers: bearer(sub),
    });
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('Secretville');
    expect(res.body).not.toContain('Thief');
    expect(await readLog(thief.uid)).toEqual([]);
    // The thief's other dataset still reads (and is logged) on its own.
    const own = await t.app.inject({ method: 'GET', url: url(thief, { dataset: 'ds_personal_details' }), headers: bearer(sub) });
    expect(own.json().ds_personal_details.instance_0.field_personal_fname.value).toBe('Thief');
    expect(await readLog(thief.uid)).toEqual(['ds_personal_details']);
  });

  it('serves many concurrent reads of different members, each with its own data and log entry', async () => {
    const members = await Promise.all(
      ['concurrent-a', 'concurrent-b', 'concurrent-c', 'concurrent-d'].map((n) => connectMember(t.ctx, sub, n)),
    );
    for (const m of members) await write(m, 'ds_personal_details', '0', { field_personal_fname: `Name ${m.uid}` });
    const reads = await Promise.all(
      Array.from({ length: 40 }, (_, i) => {
        const m = members[i % members.length]!;
        return t.app
          .inject({ method: 'GET', url: url(m, { dataset: 'ds_personal_details', instance: '0' }), headers: bearer(sub) })
          .then((res) => ({ m, res }));
      }),
    );
    for (const { m, res } of reads) {
      expect(res.statusCode).toBe(200);
      expect(res.json().ds_personal_details.instance_0.field_personal_fname.value).toBe(`Name ${m.uid}`);
    }
    for (const m of members) expect(await readLog(m.uid)).toHaveLength(10);
  });
});
