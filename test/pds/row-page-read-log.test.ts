/**
 * A page of rows and its access-log entry: on a SQLite file a plain page (no filter, an order the
 * database knows) is read, decrypted and logged on the side thread as one job, in batches of at
 * most about a hundred expected rows; on PostgreSQL, and for filtered reads, the read runs on the
 * event loop and the entry follows it. Either way the entry is committed before the response, and
 * a page holding a row that does not authenticate answers 500 and logs nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, TEST_PG_URL, type TestApp } from '../harness.ts';
import { bearer, connectMember, createSubscriber, type ConnectedMember, type Subscriber } from '../fixtures.ts';

const DS = 'ds_referrals';
let t: TestApp;
let sub: Subscriber;

function url(m: ConnectedMember, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams({ key: m.key, con_id: m.conId, source_type: 'connection', dataset: DS, ...extra });
  return `/api/pds/transaction/${m.uid}.json?${q}`;
}

async function insert(m: ConnectedMember, rows: Record<string, string>[]): Promise<number[]> {
  const res = await t.app.inject({
    method: 'POST',
    url: url(m),
    headers: { ...bearer(sub), 'content-type': 'application/json' },
    payload: { [DS]: rows },
  });
  expect(res.statusCode).toBe(200);
  return res.json().insert_ids as number[];
}

async function readLog(uid: number): Promise<number> {
  const rows = await t.ctx.db.selectFrom('access_log').select('id').where('uid', '=', uid).where('action', '=', 'read').execute();
  return rows.length;
}

beforeAll(async () => {
  t = await createTestApp();
  sub = await createSubscriber(t, [`${DS}:rw`]);
});
afterAll(() => t.close());

describe(`row pages and their log entries (${TEST_PG_URL ? 'PostgreSQL: read here, then log' : 'SQLite: one job on the side thread'})`, () => {
  it('answers a page in order, paged, by instance and in reverse, logging each read before it answers', async () => {
    const m = await connectMember(t.ctx, sub, 'pages');
    const ids = await insert(
      m,
      Array.from({ length: 12 }, (_, i) => ({ contact_name: `Contact ${i}`, memo: i % 2 ? 'odd' : 'even' })),
    );
    const page = await t.app.inject({ method: 'GET', url: url(m, { limit: '5', offset: '3' }), headers: bearer(sub) });
    expect(page.statusCode).toBe(200);
    const body = page.json() as Record<string, Record<string, string | null>>;
    expect(Object.keys(body).map(Number)).toEqual(ids.slice(3, 8));
    expect(body[String(ids[3])]).toMatchObject({
      id: String(ids[3]),
      ds_id: String(ids[3]),
      contact_name: 'Contact 3',
      memo: 'odd',
    });
    expect(body[String(ids[3])]!.status).toBeNull();
    expect(await readLog(m.uid)).toBe(1);
    const reversed = await t.app.inject({ method: 'GET', url: url(m, { sort: '-id', limit: '3' }), headers: bearer(sub) });
    expect(reversed.body.indexOf(`"${ids[11]}":`)).toBeLessThan(reversed.body.indexOf(`"${ids[10]}":`));
    const other = await t.app.inject({ method: 'GET', url: url(m, { instance: '1' }), headers: bearer(sub) });
    expect(other.json()).toEqual({});
    expect(await readLog(m.uid)).toBe(3);
  });

  it('refuses a page holding a row moved from another place (500, no details) and logs nothing', async () => {
    const m = await connectMember(t.ctx, sub, 'moved-row');
    const [first, second] = await insert(m, [{ contact_name: 'First secret' }, { contact_name: 'Second secret' }]);
    // Someone with database access copies one sealed row over another of the same member.
    const copied = await t.ctx.db
      .selectFrom('transaction_rows')
      .select('ciphertext')
      .where('id', '=', first!)
      .executeTakeFirstOrThrow();
    await t.ctx.db.updateTable('transaction_rows').set({ ciphertext: copied.ciphertext }).where('id', '=', second!).execute();
    const res = await t.app.inject({ method: 'GET', url: url(m), headers: bearer(sub) });
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('secret');
    expect(await readLog(m.uid)).toBe(0);
    // The row that was not touched still reads on its own.
    const one = await t.app.inject({ method: 'GET', url: url(m, { limit: '1' }), headers: bearer(sub) });
    expect(one.json()[String(first)].contact_name).toBe('First secret');
    expect(await readLog(m.uid)).toBe(1);
  });

  it('serves many concurrent large and small pages of different members, each with its own rows and log entry', async () => {
    const members = await Promise.all(['page-a', 'page-b', 'page-c'].map((n) => connectMember(t.ctx, sub, n)));
    for (const m of members) {
      await insert(
        m,
        Array.from({ length: 120 }, (_, i) => ({ contact_name: `${m.uid}/${i}` })),
      );
    }
    const reads = await Promise.all(
      Array.from({ length: 30 }, (_, i) => {
        const m = members[i % members.length]!;
        const limit = i % 2 ? '100' : '7';
        return t.app.inject({ method: 'GET', url: url(m, { limit }), headers: bearer(sub) }).then((res) => ({ m, limit, res }));
      }),
    );
    for (const { m, limit, res } of reads) {
      expect(res.statusCode).toBe(200);
      const names = Object.values(res.json() as Record<string, { contact_name: string }>).map((r) => r.contact_name);
      expect(names).toEqual(Array.from({ length: Number(limit) }, (_, i) => `${m.uid}/${i}`));
    }
    for (const m of members) expect(await readLog(m.uid)).toBe(10);
  });
});
