/**
 * The blind index and the read shapes (src/pds/blind-index.ts, src/pds/row-read-store.ts): what a
 * read decrypts, the cap on reads no index serves, digests that never match across members or
 * datasets, and the backfill of rows written before migration 0006.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blindDigest, blindIndexKey, normalise } from '../../src/pds/blind-index.ts';
import { RowFinder, ScanLimitExceeded } from '../../src/pds/row-read-store.ts';
import { migrateTo, migrateToLatest } from '../../src/storage/migrator.ts';
import { createTestApp, type TestApp } from '../harness.ts';
import { bearer, connectMember, type ConnectedMember, createSubscriber, type Subscriber } from '../fixtures.ts';

const DS = 'ds_referrals';
const CAP = 100;

let t: TestApp;
let sub: Subscriber;
let big: ConnectedMember;
let twin: ConnectedMember;

function url(m: ConnectedMember, extra: Record<string, string> = {}, uidInPath = true): string {
  const q = new URLSearchParams({ key: m.key, con_id: m.conId, source_type: 'connection', dataset: DS, ...extra });
  return uidInPath ? `/api/pds/transaction/${m.uid}.json?${q}` : `/api/pds/transaction?uid=${m.uid}&${q}`;
}

const read = (m: ConnectedMember, extra: Record<string, string> = {}) =>
  t.app.inject({ method: 'GET', url: url(m, extra), headers: bearer(sub) });

const eq = (field: string, value: string) => ({ [`filters[${field}][operator]`]: '=', [`filters[${field}][value]`]: value });

/** 300 rows: status cycles through ten values, contact_name is unique, duration is the index. */
async function fill(m: ConnectedMember): Promise<number[]> {
  const rows = Array.from({ length: 300 }, (_, i) => ({ status: `s${i % 10}`, contact_name: `c${i}`, duration: String(i) }));
  const res = await t.app.inject({ method: 'POST', url: url(m, {}, false), headers: bearer(sub), payload: { [DS]: rows } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().insert_ids;
}

const ids = (body: string) => [...body.matchAll(/"(\d+)":\{/g)].map((x) => Number(x[1]));

beforeAll(async () => {
  t = await createTestApp({ env: { OPENPDX_MAX_ROWS_SCANNED: String(CAP) } });
  sub = await createSubscriber(t, ['ds_referrals:rw', 'ds_events:rw']);
  big = await connectMember(t.ctx, sub, 'index.big');
  twin = await connectMember(t.ctx, sub, 'index.twin');
  await fill(big);
  await fill(twin);
});
afterAll(() => t.close());

describe('what a read decrypts', () => {
  /** A finder over `m`'s rows that counts what it decrypts (and decrypts nothing). */
  function counting(m: ConnectedMember) {
    const counter = { opened: 0 };
    const finder = new RowFinder({ db: t.ctx.db, dialect: t.ctx.database.dialect.name }, m.uid, DS, () => {
      counter.opened++;
      return {};
    });
    return { finder, counter };
  }
  const base = { view: (r: { id: number }) => r.id, limit: 10, offset: 0, maxScanned: CAP };

  it('a page in id or creation order decrypts the page and nothing else, however deep', async () => {
    const { finder, counter } = counting(big);
    const page = await finder.find({ ...base, order: { column: 'id', dir: 'desc' }, offset: 250 });
    expect(page).toHaveLength(10);
    expect(counter.opened).toBe(10);
    await finder.find({ ...base, order: { column: 'created_at', dir: 'asc' }, offset: 290, limit: 25 });
    expect(counter.opened).toBe(20);
  });

  it('a filtered read in id order stops once the page is full', async () => {
    const { finder, counter } = counting(big);
    const page = await finder.find({ ...base, order: { column: 'id', dir: 'asc' }, matches: (id: number) => id % 2 === 0 });
    expect(page).toHaveLength(10);
    expect(counter.opened).toBeLessThanOrEqual(21);
    expect(counter.opened).toBeGreaterThanOrEqual(19);
  });

  it('an equality read decrypts only the rows whose digest matches', async () => {
    const keys = await t.ctx.members.keys.unlock(big.uid, big.privateKey);
    const key = blindIndexKey(keys.get(DS)!.key, big.uid, DS);
    keys.wipe();
    const { finder, counter } = counting(big);
    const found = await finder.find({
      ...base,
      limit: 100,
      order: { column: 'id', dir: 'asc' },
      digests: [[blindDigest(key, 'status', normalise('s3'))]],
    });
    expect(found).toHaveLength(30);
    expect(counter.opened).toBe(30);
  });

  it('a read no index serves stops at the cap', async () => {
    const { finder } = counting(big);
    await expect(finder.find({ ...base, order: { compare: () => 0 } })).rejects.toBeInstanceOf(ScanLimitExceeded);
  });
});

describe('the cap on reads no index serves (OPENPDX_MAX_ROWS_SCANNED)', () => {
  it('answers equality filters, pages and creation-order sorts over a dataset larger than the cap', async () => {
    const byStatus = await read(big, { ...eq('status', 's7'), limit: '100' });
    expect(byStatus.statusCode, byStatus.body).toBe(200);
    expect(Object.values(byStatus.json()).map((r) => (r as { status: string }).status)).toEqual(Array(30).fill('s7'));
    const one = await read(big, eq('contact_name', 'c123'));
    expect(Object.values(one.json())).toMatchObject([{ contact_name: 'c123', duration: '123' }]);
    const numeric = await read(big, { ...eq('duration', '042'), limit: '5' });
    expect(Object.values(numeric.json())).toMatchObject([{ contact_name: 'c42' }]);
    const inList = await read(big, {
      'filters[contact_name][operator]': 'IN',
      'filters[contact_name][value]': 'c1,c299,nobody',
    });
    expect(Object.values(inList.json()).map((r) => (r as { contact_name: string }).contact_name)).toEqual(['c1', 'c299']);
    const latest = await read(big, { sort: '-created_timestamp', limit: '3', offset: '200' });
    expect(latest.statusCode).toBe(200);
    expect(ids(latest.body)).toHaveLength(3);
  });

  it('refuses a LIKE filter or a data-field sort that would decrypt more, saying how to narrow it', async () => {
    for (const extra of [
      { 'filters[status][operator]': 'LIKE', 'filters[status][value]': '%9' } as Record<string, string>,
      { sort: 'contact_name' },
      { 'filters[duration][operator]': '>', 'filters[duration][value]': '250' },
    ]) {
      const res = await read(big, extra);
      expect(res.statusCode, JSON.stringify(extra)).toBe(400);
      expect(res.json().error.message).toBe('Read too broad');
      expect(res.json().error.reason).toContain(`more than ${CAP} rows of ds_referrals`);
      expect(res.json().error.reason).toContain('Add an equality (=) or IN filter');
    }
  });

  it('still serves those reads when the rows they consider fit under the cap', async () => {
    const res = await read(big, { ...eq('status', 's1'), sort: '-contact_name', limit: '3' });
    expect(res.statusCode, res.body).toBe(200);
    const names = ids(res.body).map((id) => (res.json()[String(id)] as { contact_name: string }).contact_name);
    expect(names).toEqual(['c91', 'c81', 'c71']);
  });
});

describe('digests never match across members or datasets', () => {
  it('gives the same value different digests for another member, dataset or field', () => {
    const key = Buffer.alloc(32, 7);
    const d = (uid: number, dataset: string, field: string) =>
      blindDigest(blindIndexKey(key, uid, dataset), field, normalise('x'));
    const all = [d(1, DS, 'status'), d(2, DS, 'status'), d(1, 'ds_events', 'status'), d(1, DS, 'memo')];
    expect(new Set(all).size).toBe(4);
    expect(d(1, DS, 'status')).toBe(d(1, DS, 'status'));
  });

  it('stores no digest that two members share, although their rows hold the same values', async () => {
    const digests = async (uid: number) =>
      (await t.ctx.db.selectFrom('row_index').select('digest').where('uid', '=', uid).execute()).map((r) => r.digest);
    const mine = new Set(await digests(big.uid));
    const theirs = await digests(twin.uid);
    expect(mine.size).toBeGreaterThan(300);
    expect(theirs.filter((x) => mine.has(x))).toEqual([]);
  });

  it("a member's equality read finds only their own rows", async () => {
    const mine = new Set(
      (await t.ctx.db.selectFrom('transaction_rows').select('id').where('uid', '=', big.uid).execute()).map((r) => r.id),
    );
    const res = await read(big, { ...eq('status', 's4'), limit: '1000' });
    expect(ids(res.body)).toHaveLength(30);
    expect(ids(res.body).every((id) => mine.has(id))).toBe(true);
  });

  it('keeps the index right through updates and deletes', async () => {
    const [first] = ids((await read(big, eq('contact_name', 'c5'))).body);
    const put = await t.app.inject({
      method: 'PUT',
      url: url(big, { id: String(first) }),
      headers: bearer(sub),
      payload: { [DS]: { status: 'moved' } },
    });
    expect(put.statusCode).toBe(200);
    expect(ids((await read(big, eq('status', 'moved'))).body)).toEqual([first]);
    expect(ids((await read(big, { ...eq('status', 's5'), limit: '1000' })).body)).not.toContain(first);
    await t.app.inject({ method: 'DELETE', url: url(big, { id: String(first) }), headers: bearer(sub) });
    expect(ids((await read(big, eq('status', 'moved'))).body)).toEqual([]);
    expect(await t.ctx.db.selectFrom('row_index').select('row_id').where('row_id', '=', first!).execute()).toEqual([]);
  });
});

describe('the index within one write transaction', () => {
  it('indexes a row inserted then changed by its final values, and a row inserted then deleted not at all', async () => {
    const keys = await t.ctx.members.keys.unlock(twin.uid, twin.privateKey);
    let kept = 0;
    try {
      await t.ctx.datasets.pds.transact(twin.uid, keys, async (w) => {
        kept = await w.insertRow(DS, 0, 'member', { status: 'first', contact_name: 'same-tx' });
        await w.updateRow(DS, kept, { status: 'final' });
        const gone = await w.insertRow(DS, 0, 'member', { status: 'final', contact_name: 'gone' });
        await w.deleteRow(DS, gone);
      });
    } finally {
      keys.wipe();
    }
    expect(ids((await read(twin, eq('status', 'final'))).body)).toEqual([kept]);
    expect(ids((await read(twin, eq('status', 'first'))).body)).toEqual([]);
    const digests = await t.ctx.db.selectFrom('row_index').select('digest').where('row_id', '=', kept).execute();
    expect(digests).toHaveLength(2);
  });
});

describe('rows written before the index existed (migration 0006)', () => {
  it('are indexed by readers holding the key, a batch per transaction, resuming where the last stopped', async () => {
    const m = await connectMember(t.ctx, sub, 'index.legacy');
    for (let i = 0; i < 3; i++) await fill(m); // 900 rows, more than one backfill batch
    const expected = await read(m, { ...eq('status', 's2'), limit: '1000' });
    expect(ids(expected.body)).toHaveLength(90);

    // Stand the database where an older release left it, then upgrade: the index is gone and
    // the migration lists every member's rows for the backfill.
    await migrateTo(t.ctx.database, '0005-health-probe');
    await migrateToLatest(t.ctx.database);
    const pending = () => t.ctx.db.selectFrom('row_index_backfill').selectAll().where('uid', '=', m.uid).executeTakeFirst();
    const before = await pending();
    expect(before).toMatchObject({ dataset: DS });
    expect(await t.ctx.db.selectFrom('row_index').select('row_id').where('uid', '=', m.uid).execute()).toEqual([]);

    // The first read indexes one batch (500 rows) and commits it; the rest would need a scan
    // larger than the cap, so it says the index is being built.
    const first = await read(m, { ...eq('status', 's2'), limit: '1000' });
    expect(first.statusCode).toBe(400);
    expect(first.json().error.reason).toContain('still being built');
    const midway = await pending();
    expect(midway!.next_id).toBeGreaterThan(before!.next_id);

    // The next read finishes the backfill and answers from the index, as before the upgrade.
    const second = await read(m, { ...eq('status', 's2'), limit: '1000' });
    expect(second.statusCode, second.body).toBe(200);
    expect(second.body).toBe(expected.body);
    expect(await pending()).toBeUndefined();
  });
});
