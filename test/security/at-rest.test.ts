/**
 * CR-07 and contract §8: after a full workflow, neither the database file (with its WAL) nor any
 * table holds a personal value, a member key, a Private Key, a password or a client secret, in
 * raw, hex, base64 or base64url form.
 */
import { existsSync, readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../harness.ts';
import { bearer, connectMember, createSubscriber, type ConnectedMember, type Subscriber } from '../fixtures.ts';

let t: TestApp;
let sub: Subscriber;
let members: ConnectedMember[];
const PERSONAL = ['Zebedee', 'Quixotically-Named', 'ZX99 9ZZ', 'Unforgettable Referral Contact'];

function forms(secret: string): string[] {
  const b = Buffer.from(secret, 'utf8');
  return [secret, b.toString('hex'), b.toString('base64'), b.toString('base64url')];
}

beforeAll(async () => {
  t = await createTestApp();
  sub = await createSubscriber(t, ['ds_personal_details:rw', 'ds_referrals:rw']);
  members = [await connectMember(t.ctx, sub, 'scan1'), await connectMember(t.ctx, sub, 'scan2')];
  for (const m of members) {
    const base = `key=${m.key}&con_id=${m.conId}&source_type=connection`;
    const w = await t.app.inject({
      method: 'POST',
      url: `/api/pds/pds/${m.uid}.json?${base}&dataset=ds_personal_details&instance=0`,
      headers: bearer(sub),
      payload: { ds_personal_details: { field_personal_fname: PERSONAL[0], field_personal_faname: PERSONAL[1] } },
    });
    expect(w.statusCode).toBe(200);
    const r = await t.app.inject({
      method: 'POST',
      url: `/api/pds/transaction?uid=${m.uid}&${base}&dataset=ds_referrals`,
      headers: bearer(sub),
      payload: { ds_referrals: [{ contact_name: PERSONAL[3], memo: PERSONAL[2] }] },
    });
    expect(r.statusCode).toBe(200);
    for (let i = 0; i < 50; i++) {
      const g = await t.app.inject({
        method: 'GET',
        url: `/api/pds/pds/${m.uid}.json?${base}&dataset=ds_personal_details`,
        headers: bearer(sub),
      });
      expect(g.statusCode).toBe(200);
    }
  }
});
afterAll(() => t.close());

function secrets(): string[] {
  return [
    ...PERSONAL,
    sub.connectionToken,
    sub.clientSecret,
    sub.accessToken,
    ...members.flatMap((m) => [m.key, m.privateKey, m.password]),
  ];
}

describe('encryption at rest (CR-07)', () => {
  it('the workflow really stored the values: the subscriber reads them back', async () => {
    const m = members[0]!;
    const g = await t.app.inject({
      method: 'GET',
      url: `/api/pds/pds/${m.uid}.json?key=${m.key}&con_id=${m.conId}&dataset=ds_personal_details&instance=0`,
      headers: bearer(sub),
    });
    expect(g.json().ds_personal_details.instance_0.field_personal_fname.value).toBe(PERSONAL[0]);
  });

  it('no table holds any secret or personal value in any encoding', async () => {
    const tables = (await t.ctx.db.introspection.getTables()).map((tb) => tb.name);
    expect(tables).toContain('metadata_records');
    expect(tables).toContain('outbox');
    let dump = '';
    for (const table of tables) {
      const rows = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(t.ctx.db);
      dump += JSON.stringify(rows.rows);
    }
    expect(dump.length).toBeGreaterThan(1000);
    expect(dump).toContain(members[0]!.mydexid); // the scan can see plaintext where it is allowed
    for (const s of secrets())
      for (const f of forms(s)) expect(dump.includes(f), `found ${s.slice(0, 6)}… as stored text`).toBe(false);
  });

  it('the SQLite file and its WAL contain none of them as bytes', async () => {
    const path = t.ctx.database.sqlitePath;
    if (!path) return expect(t.ctx.database.dialect.name).toBe('postgres');
    const files = [path, `${path}-wal`, `${path}-shm`].filter((p) => existsSync(p));
    const bytes = Buffer.concat(files.map((p) => readFileSync(p)));
    expect(bytes.includes(Buffer.from(members[0]!.mydexid))).toBe(true);
    for (const s of secrets())
      for (const f of forms(s)) expect(bytes.includes(Buffer.from(f)), `found ${s.slice(0, 6)}… in file`).toBe(false);
  });
});
