import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WrongPasswordError } from '../../src/members/account-service.ts';
import { WrongPrivateKeyError } from '../../src/members/member-keys.ts';
import { createTestApp, type TestApp } from '../harness.ts';
import { bearer, connectMember, createSubscriber, type ConnectedMember, type Subscriber } from '../fixtures.ts';

let t: TestApp;
let sub: Subscriber;
let m: ConnectedMember;

const read = (who: ConnectedMember) =>
  t.app.inject({
    method: 'GET',
    url: `/api/pds/pds/${who.uid}.json?key=${who.key}&con_id=${who.conId}&dataset=ds_personal_details&instance=0`,
    headers: bearer(sub),
  });

beforeAll(async () => {
  t = await createTestApp();
  sub = await createSubscriber(t, ['ds_personal_details:rw', 'ds_referrals:rw']);
  m = await connectMember(t.ctx, sub, 'acct');
  await t.ctx.memberData.edit(m.uid, m.privateKey, 'ds_personal_details', { instance: 0 }, { field_personal_fname: 'Ada' });
  await t.ctx.memberData.edit(m.uid, m.privateKey, 'ds_referrals', {}, { contact_name: 'Own row' });
});
afterAll(() => t.close());

describe("the member's own data", () => {
  it('shows every dataset after the Private Key, with what the member wrote', async () => {
    const view = await t.ctx.memberData.view(m.uid, m.privateKey);
    const pd = view.find((d) => d.name === 'ds_personal_details')!;
    expect(pd.instances['0']).toEqual({ field_personal_fname: 'Ada' });
    const refs = view.find((d) => d.name === 'ds_referrals')!;
    expect(refs.rows.map((r) => [r.values.contact_name, r.source])).toEqual([['Own row', 'user']]);
    expect(view.length).toBe(t.ctx.catalogue.datasets().length);
  });

  it('refuses a wrong Private Key and reveals nothing (CR-05)', async () => {
    await expect(t.ctx.memberData.view(m.uid, 'not-the-key')).rejects.toBeInstanceOf(WrongPrivateKeyError);
  });

  it('validates member edits against the schema', async () => {
    await expect(
      t.ctx.memberData.edit(m.uid, m.privateKey, 'ds_personal_details', { instance: 0 }, { field_personal_title: 'Emperor' }),
    ).rejects.toThrow(/Invalid value/);
  });

  it('the subscriber sees the member edit, and the access log shows who did what', async () => {
    const res = await read(m);
    expect(res.json().ds_personal_details.instance_0.field_personal_fname.value).toBe('Ada');
    const log = await t.ctx.accounts.accessLog(m.uid);
    expect(log[0]).toMatchObject({ nid: sub.nid, action: 'read', dataset: 'ds_personal_details' });
    expect(log.some((e) => e.subscriberName === 'You' && e.action === 'write')).toBe(true);
    expect(log[0]!.subscriberName).toMatch(/^Org /);
  });

  it('exports everything as one JSON document', async () => {
    const doc = await t.ctx.memberData.export(m.uid, m.privateKey);
    expect(doc.member).toMatchObject({ uid: m.uid, mydexid: 'acct' });
    expect(doc.datasets).toMatchObject({
      ds_personal_details: { instance_0: { field_personal_fname: 'Ada' } },
      ds_referrals: [expect.objectContaining({ contact_name: 'Own row', source: 'user' })],
    });
    expect((doc.connections as unknown[]).length).toBe(1);
  });

  it('lists connections with what each may see', async () => {
    const list = await t.ctx.accounts.connections(m.uid);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ nid: sub.nid, conId: m.conId, dssaVersion: 1 });
    expect(Object.keys(list[0]!.permissions).sort()).toEqual(['ds_personal_details', 'ds_referrals']);
  });
});

describe('account changes', () => {
  it('changes the password only with the current one', async () => {
    await expect(t.ctx.accounts.changePassword(m.uid, 'wrong-password', 'new-password-1')).rejects.toBeInstanceOf(
      WrongPasswordError,
    );
    await t.ctx.accounts.changePassword(m.uid, m.password, 'new-password-1');
    expect(await t.ctx.members.accounts.authenticate('acct', m.password)).toBeUndefined();
    expect((await t.ctx.members.accounts.authenticate('acct', 'new-password-1'))?.uid).toBe(m.uid);
  });

  it('changes the Private Key by re-wrapping: ciphertext unchanged, old key refused, new key and grants work (CR-09)', async () => {
    const before = await t.ctx.db.selectFrom('metadata_records').select('ciphertext').where('uid', '=', m.uid).execute();
    await expect(t.ctx.accounts.changePrivateKey(m.uid, 'wrong-key-123', 'brand-new-key')).rejects.toBeInstanceOf(
      WrongPrivateKeyError,
    );
    await t.ctx.accounts.changePrivateKey(m.uid, m.privateKey, 'brand-new-key');
    const after = await t.ctx.db.selectFrom('metadata_records').select('ciphertext').where('uid', '=', m.uid).execute();
    expect(after).toEqual(before);
    await expect(t.ctx.members.keys.unlock(m.uid, m.privateKey)).rejects.toBeInstanceOf(WrongPrivateKeyError);
    const keys = await t.ctx.members.keys.unlock(m.uid, 'brand-new-key');
    keys.wipe();
    expect((await read(m)).statusCode).toBe(200);
  });
});

describe('erasure (PV-03, CR-18)', () => {
  it('deletes everything of the member, and the old member key stops working', async () => {
    const gone = await connectMember(t.ctx, sub, 'leaving');
    await t.ctx.memberData.edit(
      gone.uid,
      gone.privateKey,
      'ds_personal_details',
      { instance: 0 },
      { field_personal_fname: 'Zz' },
    );
    // Transactional rows too, with their blind-index digests.
    const keys = await t.ctx.members.keys.unlock(gone.uid, gone.privateKey);
    await t.ctx.datasets.pds.transact(gone.uid, keys, (w) => w.insertRow('ds_referrals', 0, 'member', { status: 'open' }));
    keys.wipe();
    const cipher = (
      await t.ctx.db.selectFrom('metadata_records').select('ciphertext').where('uid', '=', gone.uid).executeTakeFirstOrThrow()
    ).ciphertext;
    // Every table that names a member by uid, found by looking (so a new one is covered too).
    const tables = (await t.ctx.db.introspection.getTables())
      .filter((tb) => tb.columns.some((c) => c.name === 'uid'))
      .filter((tb) => !t.ctx.database.pgSchema || tb.schema === t.ctx.database.pgSchema)
      .map((tb) => tb.name)
      // The outbox keeps what it must still deliver: the erasure's own member.deleted events
      // (checked below), sealed, for the subscribers the member was connected to. Consent
      // receipts are kept on purpose (docs/consent-receipts.md): checked below too.
      .filter((name) => name !== 'outbox' && name !== 'consent_receipts');
    expect(tables).toEqual(expect.arrayContaining(['members', 'transaction_rows', 'row_index', 'grants', 'access_log']));
    const holding = async () => {
      const out: string[] = [];
      for (const table of tables) {
        const { rows } = await sql<{ n: number }>`select count(*) as n from ${sql.table(table)} where uid = ${gone.uid}`.execute(
          t.ctx.db,
        );
        if (Number(rows[0]!.n) > 0) out.push(table);
      }
      return out.sort();
    };
    expect(await holding()).toEqual(expect.arrayContaining(['members', 'metadata_records', 'row_index', 'transaction_rows']));
    await expect(t.ctx.accounts.deleteMember(gone.uid, 'wrong password')).rejects.toBeInstanceOf(WrongPasswordError);
    await t.ctx.accounts.deleteMember(gone.uid, gone.password);
    expect(await holding()).toEqual([]);
    const told = await t.ctx.db
      .selectFrom('outbox')
      .select(['kind', 'nid'])
      .where('uid', '=', gone.uid)
      .where('kind', '=', 'event')
      .execute();
    expect(told).toEqual([{ kind: 'event', nid: sub.nid }]);
    // The receipts stay, ending with the deletion: signed records holding the pairwise con_id, no details.
    const receipts = await t.ctx.db
      .selectFrom('consent_receipts')
      .select(['con_id', 'event'])
      .where('uid', '=', gone.uid)
      .execute();
    expect(receipts.at(-1)).toEqual({ con_id: `${gone.uid}-${sub.nid}`, event: 'consent.withdrawn' });
    expect((await read(gone)).statusCode).toBe(403);
    const path = t.ctx.database.sqlitePath;
    if (path) {
      await sql`pragma wal_checkpoint(TRUNCATE)`.execute(t.ctx.db);
      expect(readFileSync(path).includes(Buffer.from(cipher))).toBe(false);
    }
  });
});
