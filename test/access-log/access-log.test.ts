/**
 * The tamper-evident access log (docs/access-log.md): every entry is chained per member, by the
 * read log's group commit and by the data writes' own transactions alike, with no gap or fork
 * under concurrent requests; checkpoints are signed for the chains that grew; the member
 * downloads the whole log with them; and an entry edited, deleted or reordered straight in the
 * database is caught by the offline check (the one `openpdx log verify` runs), even when the
 * tamperer recomputes every hash after it. On both databases.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAccessLog, type AccessLogDownload } from '../../src/access-log/access-log-format.ts';
import { AccessLogStore } from '../../src/access-log/access-log-store.ts';
import { entryHash, GENESIS, type AccessFields } from '../../src/crypto/access-chain.mjs';
import { createTestCli } from '../cli/cli-harness.ts';
import { bearer, connectMember, createSubscriber, type ConnectedMember, type Subscriber } from '../fixtures.ts';
import { createTestApp, TEST_PG_URL, type TestApp } from '../harness.ts';
import { signInFrom } from '../web/helpers.ts';

let t: TestApp;
let sub: Subscriber;
let jwks: JSONWebKeySet;

function url(m: ConnectedMember, extra: Record<string, string>): string {
  const q = new URLSearchParams({ key: m.key, con_id: m.conId, source_type: 'connection', ...extra });
  return `/api/pds/pds/${m.uid}.json?${q}`;
}

async function write(m: ConnectedMember, town: string): Promise<void> {
  const res = await t.app.inject({
    method: 'POST',
    url: url(m, { dataset: 'ds_home', instance: '0' }),
    headers: { ...bearer(sub), 'content-type': 'application/json' },
    payload: { ds_home: { field_home_town: town } },
  });
  expect(res.statusCode, res.body).toBe(200);
}

async function read(m: ConnectedMember): Promise<void> {
  const res = await t.app.inject({ method: 'GET', url: url(m, { dataset: 'ds_home' }), headers: bearer(sub) });
  expect(res.statusCode, res.body).toBe(200);
}

async function download(uid: number): Promise<AccessLogDownload> {
  let text = '';
  for await (const piece of t.ctx.accessLog.download(uid)) text += piece;
  return JSON.parse(text) as AccessLogDownload;
}

/** A member with `n` logged entries (writes and reads, some at once), all under a checkpoint. */
async function memberWithLog(name: string, n = 6): Promise<ConnectedMember> {
  const m = await connectMember(t.ctx, sub, name);
  await write(m, 'Leeds');
  await Promise.all(Array.from({ length: n - 2 }, () => read(m)));
  await write(m, 'York');
  await t.ctx.accessLog.checkpoint();
  return m;
}

type Row = AccessFields & { id: number; seq: number | null };

async function rowsOf(uid: number): Promise<Row[]> {
  return (await t.ctx.db
    .selectFrom('access_log')
    .select(['id', 'seq', 'uid', 'nid', 'actor', 'dataset', 'fields', 'action', 'at'])
    .where('uid', '=', uid)
    .orderBy('seq')
    .execute()) as Row[];
}

/** What a tamperer with write access to the database does to hide a change: every hash recomputed. */
async function rechain(uid: number): Promise<void> {
  let previous = GENESIS;
  for (const [i, r] of (await rowsOf(uid)).entries()) {
    previous = entryHash(previous, i + 1, r);
    await t.ctx.db
      .updateTable('access_log')
      .set({ seq: i + 1, hash: previous })
      .where('id', '=', r.id)
      .execute();
  }
  await t.ctx.db.updateTable('access_log_heads').set({ head: previous }).where('uid', '=', uid).execute();
}

async function check(uid: number, earlier: AccessLogDownload[] = []) {
  return verifyAccessLog(await download(uid), jwks, earlier);
}

beforeAll(async () => {
  t = await createTestApp({ startWorkers: false });
  sub = await createSubscriber(t, ['ds_home:rw']);
  jwks = (await t.app.inject({ method: 'GET', url: '/.well-known/access-log-keys.json' })).json() as JSONWebKeySet;
});
afterAll(() => t.close());

describe(`the access log's chain (${TEST_PG_URL ? 'PostgreSQL' : 'SQLite'})`, () => {
  it('numbers every member’s entries 1, 2, … without a gap or fork under concurrent reads and writes of two members', async () => {
    const a = await connectMember(t.ctx, sub, 'chain.a');
    const b = await connectMember(t.ctx, sub, 'chain.b');
    await Promise.all([
      ...Array.from({ length: 12 }, (_, i) => read(i % 2 ? a : b)),
      write(a, 'Bath'),
      write(b, 'Hull'),
      ...Array.from({ length: 12 }, (_, i) => read(i % 3 ? a : b)),
    ]);
    for (const m of [a, b]) {
      // Reads are chained as they are logged; a write's entry commits with the write, unchained.
      const logged = await rowsOf(m.uid);
      expect(logged.filter((r) => r.seq === null).map((r) => r.action)).toEqual(['write']);
      expect(logged.filter((r) => r.action === 'read').every((r) => r.seq !== null)).toBe(true);
      // The download chains it first (as the checkpoint pass does).
      const result = await check(m.uid);
      const rows = await rowsOf(m.uid);
      expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => i + 1));
      expect(rows.at(-1)!.action).toBe('write');
      const head = await t.ctx.db.selectFrom('access_log_heads').selectAll().where('uid', '=', m.uid).executeTakeFirstOrThrow();
      expect(head.seq).toBe(rows.length);
      expect(result).toMatchObject({ ok: true, entries: rows.length, problems: [] });
      // Nothing signed yet: the check passes, but no entry is covered by a checkpoint.
      expect(result.covered).toBe(0);
    }
  });

  it('signs a checkpoint for each chain that grew, and none again until it grows', async () => {
    const m = await connectMember(t.ctx, sub, 'signed');
    await write(m, 'Ely');
    await read(m);
    expect(await t.ctx.accessLog.checkpoint()).toBeGreaterThanOrEqual(1);
    expect(await t.ctx.accessLog.checkpoint()).toBe(0);
    const first = await download(m.uid);
    expect(first.checkpoints).toHaveLength(1);
    const jws = first.checkpoints[0]!.jws;
    expect(decodeProtectedHeader(jws)).toMatchObject({ alg: 'ES256', typ: 'access-log-checkpoint+jwt' });
    expect(decodeJwt(jws)).toMatchObject({
      iss: 'http://localhost:8080',
      access_log_checkpoint: { member: m.uid, seq: 2, head: first.entries[1]!.hash },
    });
    await read(m);
    expect(await t.ctx.accessLog.checkpoint()).toBe(1);
    const result = await check(m.uid);
    expect(result).toMatchObject({ ok: true, entries: 3, checkpointsVerified: 2, covered: 3 });
  });

  it('leaves a chain marked as grown when it grew past the count a checkpoint signed', async () => {
    const m = await connectMember(t.ctx, sub, 'raced');
    await read(m);
    await t.ctx.accessLog.checkpoint();
    const head = () =>
      t.ctx.db
        .selectFrom('access_log_heads')
        .select(['seq', 'checkpointed_seq', 'grown'])
        .where('uid', '=', m.uid)
        .executeTakeFirstOrThrow();
    expect(await head()).toEqual({ seq: 1, checkpointed_seq: 1, grown: 0 });
    await read(m);
    expect(await head()).toEqual({ seq: 2, checkpointed_seq: 1, grown: 1 });
    // Another process's pass read the head at 2, and this read appended the third entry meanwhile.
    await read(m);
    const store = new AccessLogStore(t.ctx.db);
    await store.save([{ uid: m.uid, seq: 2, head: 'signed-elsewhere', jws: 'x.y.z', signed_at: 1 }]);
    expect(await head()).toEqual({ seq: 3, checkpointed_seq: 2, grown: 1 });
    expect((await store.grown(0, 1000)).map((h) => h.uid)).toContain(m.uid);
    expect(await t.ctx.accessLog.checkpoint()).toBeGreaterThanOrEqual(1);
    expect(await head()).toEqual({ seq: 3, checkpointed_seq: 3, grown: 0 });
    expect((await store.grown(0, 1000)).map((h) => h.uid)).not.toContain(m.uid);
  });

  it('gives the member the download from /me/activity, and the consent receipts from /me/connections', async () => {
    const m = await memberWithLog('downloader');
    const login = await signInFrom(t.app, m.mydexid, m.password);
    const cookie = String(login.headers['set-cookie']).split(';')[0]!;
    const res = await t.app.inject({ method: 'GET', url: '/me/activity/download', headers: { cookie } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-disposition']).toBe('attachment; filename="access-log.json"');
    const doc = res.json() as AccessLogDownload;
    expect(doc).toMatchObject({
      format: 'openpdx-access-log/1',
      member: m.uid,
      keys: 'http://localhost:8080/.well-known/access-log-keys.json',
    });
    expect(await verifyAccessLog(doc, jwks)).toMatchObject({ ok: true, entries: 6, covered: 6 });
    const receipts = await t.app.inject({ method: 'GET', url: '/me/connections/receipts', headers: { cookie } });
    expect(receipts.statusCode).toBe(200);
    expect(receipts.json()).toMatchObject({ receipts: [{ nid: sub.nid, sequence: 1, event: 'consent.given' }] });
    const page = await t.app.inject({ method: 'GET', url: '/me/activity', headers: { cookie } });
    expect(page.body).toContain('href="/me/activity/download"');
    const anonymous = await t.app.inject({ method: 'GET', url: '/me/activity/download' });
    expect(anonymous.statusCode).toBe(303);
  });
});

const REWRITTEN = /over 6 entries: the entries give another chain: entries 1 to 6 were altered/;

/**
 * The tampered log fails the check with `naive`; with every hash after the change recomputed (as
 * a tamperer would), the entries agree with each other and the checkpoint alone says `hidden`.
 */
async function expectCaught(uid: number, naive: RegExp, hidden: RegExp): Promise<void> {
  const first = await check(uid);
  expect(first.ok).toBe(false);
  expect(first.problems.join('\n')).toMatch(naive);
  await rechain(uid);
  const second = await check(uid);
  expect(second.ok).toBe(false);
  expect(second.problems).toEqual([expect.stringMatching(hidden)]);
}

describe('tampering in the database is detected', () => {
  it('an edited entry: its own hash no longer matches; recomputed hashes contradict the checkpoint', async () => {
    const m = await memberWithLog('edit');
    expect((await check(m.uid)).ok).toBe(true);
    await t.ctx.db.updateTable('access_log').set({ action: 'delete' }).where('uid', '=', m.uid).where('seq', '=', 3).execute();
    await expectCaught(m.uid, /entry 3 \(delete of ds_home .*\): its hash does not match/, REWRITTEN);
  });

  it('names the entries between the last checkpoint that holds and the first that does not', async () => {
    const m = await memberWithLog('narrowed');
    await read(m);
    await read(m);
    await t.ctx.accessLog.checkpoint();
    await t.ctx.db
      .updateTable('access_log')
      .set({ dataset: 'ds_personal_details' })
      .where('uid', '=', m.uid)
      .where('seq', '=', 7)
      .execute();
    await rechain(m.uid);
    const result = await check(m.uid);
    expect(result).toMatchObject({ ok: false, checkpointsVerified: 1, covered: 6 });
    expect(result.problems).toEqual([
      expect.stringMatching(/over 8 entries: the entries give another chain: entries 7 to 8 were altered/),
    ]);
  });

  it('a deleted entry: a gap in the numbers; renumbered and rechained, the checkpoint counts more entries', async () => {
    const m = await memberWithLog('delete');
    await t.ctx.db.deleteFrom('access_log').where('uid', '=', m.uid).where('seq', '=', 2).execute();
    await expectCaught(
      m.uid,
      /entry 2 of the file is numbered 3: entries before it were removed/,
      /over 6 entries: the file holds only 5: entries were removed/,
    );
  });

  it('reordered entries: the hashes break; rechained, the checkpoint differs', async () => {
    const m = await memberWithLog('reorder');
    const rows = await rowsOf(m.uid);
    // Swap the first read and the first write, each taking the other's number.
    const [read, write] = [rows.find((r) => r.action === 'read')!, rows.find((r) => r.action === 'write')!];
    await t.ctx.db.updateTable('access_log').set({ seq: -1 }).where('id', '=', read.id).execute();
    await t.ctx.db.updateTable('access_log').set({ seq: read.seq }).where('id', '=', write.id).execute();
    await t.ctx.db.updateTable('access_log').set({ seq: write.seq }).where('id', '=', read.id).execute();
    await expectCaught(m.uid, new RegExp(`entry ${read.seq} \\(write of ds_home.*\\): its hash does not match`), REWRITTEN);
  });

  it('checkpoints deleted too: a checkpoint kept from an earlier download still catches the change', async () => {
    const m = await memberWithLog('erased');
    const earlier = await download(m.uid);
    await t.ctx.db
      .updateTable('access_log')
      .set({ fields: 'field_home_postcode' })
      .where('uid', '=', m.uid)
      .where('seq', '=', 2)
      .execute();
    await rechain(m.uid);
    await t.ctx.db.deleteFrom('access_log_checkpoints').where('uid', '=', m.uid).execute();
    // Alone, the rewritten log is consistent and simply unsigned…
    expect(await check(m.uid)).toMatchObject({ ok: true, covered: 0 });
    // …but not with what the member downloaded before.
    const result = await check(m.uid, [earlier]);
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([expect.stringMatching(/over 6 entries: the entries give another chain: entries 1 to 6/)]);
  });
});

describe('openpdx log verify', () => {
  it('says OK for a download as it was made, and lists each problem (exit 1) for a tampered one', async () => {
    const m = await memberWithLog('cli');
    const cli = createTestCli();
    try {
      const keysFile = join(cli.dir, 'keys.json');
      writeFileSync(keysFile, JSON.stringify(jwks));
      const file = join(cli.dir, 'access-log.json');
      writeFileSync(file, JSON.stringify(await download(m.uid)));
      const ok = await cli.run(['log', 'verify', file, '--jwks', keysFile]);
      expect(ok.stderr).toBe('');
      expect(ok.stdout).toMatch(/^OK: 6 entries, every hash verified; 1 signed checkpoint match, covering 6\.\n$/);
      expect(ok.code).toBe(0);

      const doc = await download(m.uid);
      doc.entries.splice(1, 1);
      const tampered = join(cli.dir, 'tampered.json');
      writeFileSync(tampered, JSON.stringify(doc));
      const bad = await cli.run(['log', 'verify', tampered, '--jwks', keysFile, '--json']);
      expect(bad.code).not.toBe(0);
      const summary = JSON.parse(bad.stdout) as { ok: boolean; problems: string[] };
      expect(summary.ok).toBe(false);
      expect(summary.problems.length).toBeGreaterThanOrEqual(2);

      const notALog = await cli.run(['log', 'verify', keysFile, '--jwks', keysFile]);
      expect(notALog.code).not.toBe(0);
      expect(notALog.stderr).toMatch(/is not an access log download/);
    } finally {
      await cli.close();
    }
  });
});
