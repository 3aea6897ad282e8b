/**
 * Signed consent receipts (docs/consent-receipts.md): every consent event of a member and a
 * connection gets an ES256 receipt with the ISO/IEC TS 27560 fields, chained by id and hash; the
 * consent callback carries it; subscribers read their own connections' receipts; and a receipt
 * removed, altered or moved in the database is caught by the offline check (the same one
 * `openpdx receipt verify` runs). On both databases.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGrantSpecs } from '../../src/connections/grant-spec.ts';
import { ConflictError } from '../../src/errors.ts';
import { payloadContext } from '../../src/outbox/delivery-worker.ts';
import { verifyReceipts, type ConsentRecord } from '../../src/receipts/receipt-format.ts';
import { createTestCli } from '../cli/cli-harness.ts';
import { connectMember, createSubscriber, type ConnectedMember, type Subscriber } from '../fixtures.ts';
import { createTestApp, type TestApp } from '../harness.ts';

let t: TestApp;
let sub: Subscriber;
let other: Subscriber;
let member: ConnectedMember;

interface ReceiptView {
  id: string;
  nid: number;
  con_id: string;
  sequence: number;
  event: string;
  created_at: number;
  receipt: string;
}

const recordOf = (jws: string) => decodeJwt(jws).consent_record as ConsentRecord;

function get(url: string, s: Subscriber = sub) {
  return t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${s.accessToken}` } });
}

async function keys(): Promise<JSONWebKeySet> {
  return (await t.app.inject({ method: 'GET', url: '/.well-known/consent-receipt-keys.json' })).json() as JSONWebKeySet;
}

async function receiptsOf(uid: number, nid = sub.nid): Promise<string[]> {
  return (await t.ctx.receipts.ofMember(uid, nid)).map((r) => r.jws);
}

beforeAll(async () => {
  t = await createTestApp({ startWorkers: false });
  sub = await createSubscriber(t);
  other = await createSubscriber(t);
  member = await connectMember(t.ctx, sub, 'receipt.member');
});
afterAll(() => t.close());

describe('receipts of consent events', () => {
  it('signs a receipt with the ISO/IEC TS 27560 fields when a member consents, and sends it in the callback', async () => {
    const [jws] = await receiptsOf(member.uid);
    expect(decodeProtectedHeader(jws!)).toMatchObject({ alg: 'ES256', typ: 'consent-receipt+jwt' });
    const claims = decodeJwt(jws!);
    expect(claims.iss).toBe('http://localhost:8080');
    const record = claims.consent_record as ConsentRecord;
    const connection = (await t.ctx.connections.getConnection(sub.nid))!;
    const organisation = (await t.ctx.connections.getOrganisation(sub.orgId))!;
    const dssa = (await t.ctx.connections.latestDssa(sub.nid))!;
    expect(record).toStrictEqual({
      schema: 'ISO/IEC TS 27560:2023',
      record_id: claims.jti,
      sequence: 1,
      previous: null,
      event: { type: 'consent.given', time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), by: 'member' },
      controller: { name: organisation.name, organisation_id: sub.orgId },
      processing: { connection_nid: sub.nid, connection_name: connection.name },
      notice: { agreement_uuid: dssa.uuid, agreement_version: dssa.version, purpose: dssa.purpose },
      data: expect.arrayContaining([
        expect.objectContaining({
          dataset: 'ds_personal_details',
          fields: expect.arrayContaining([{ field: 'field_personal_fname', access: ['read', 'write'] }]),
        }),
      ]),
      subject: { con_id: member.conId },
    });
    const check = await verifyReceipts([jws!], await keys(), 'http://localhost:8080');
    expect(check).toMatchObject({ ok: true, problems: [] });

    const callback = await t.ctx.db
      .selectFrom('outbox')
      .select(['event_id', 'payload_enc'])
      .where('uid', '=', member.uid)
      .where('kind', '=', 'callback')
      .executeTakeFirstOrThrow();
    const payload = JSON.parse(
      t.ctx.masterKeys.open(callback.payload_enc!, payloadContext(callback.event_id)).toString('utf8'),
    ) as {
      body: string;
    };
    expect(new URLSearchParams(payload.body).get('consent_receipt')).toBe(jws);
  });

  it('chains consent to a newer agreement, withdrawal and consent again, each linking to the one before', async () => {
    await t.ctx.connections.addDssaVersion(sub.nid, {
      permissions: parseGrantSpecs(['ds_personal_details:r'], t.ctx.catalogue),
      purpose: 'Fewer fields',
    });
    const m = await connectMember(t.ctx, sub, 'receipt.chain');
    const { privateKey } = m;
    await t.ctx.members.grants.consent({ uid: m.uid, nid: sub.nid, privateKey });
    expect(await t.ctx.members.grants.revoke(m.uid, sub.nid)).toBe(true);
    await t.ctx.members.grants.consent({ uid: m.uid, nid: sub.nid, privateKey });
    const chain = await receiptsOf(m.uid);
    expect(chain.map((j) => [recordOf(j).sequence, recordOf(j).event.type])).toEqual([
      [1, 'consent.given'],
      [2, 'consent.updated'],
      [3, 'consent.withdrawn'],
      [4, 'consent.given'],
    ]);
    expect(recordOf(chain[1]!).notice).toMatchObject({ agreement_version: 2, purpose: 'Fewer fields' });
    expect(recordOf(chain[1]!).data).toEqual([{ dataset: 'ds_personal_details', fields: expect.any(Array) }]);
    expect(recordOf(chain[2]!).event.by).toBe('member');
    expect(await verifyReceipts(chain, await keys())).toMatchObject({ ok: true, problems: [] });
  });

  it('ends every chain of a deleted member with a withdrawal, and keeps the receipts', async () => {
    const m = await connectMember(t.ctx, sub, 'receipt.deleted');
    await t.ctx.accounts.deleteMember(m.uid, m.password);
    const chain = await receiptsOf(m.uid);
    expect(recordOf(chain.at(-1)!).event).toMatchObject({ type: 'consent.withdrawn', reason: 'member.deleted' });
    expect(await verifyReceipts(chain, await keys())).toMatchObject({ ok: true });
  });
});

describe('concurrent events', () => {
  it('never forks a chain: of simultaneous consents, each lands in turn or is refused with a conflict', async () => {
    const m = await connectMember(t.ctx, sub, 'receipt.race');
    const results = await Promise.allSettled(
      Array.from({ length: 4 }, () => t.ctx.members.grants.consent({ uid: m.uid, nid: sub.nid, privateKey: m.privateKey })),
    );
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ConflictError);
    const chain = await receiptsOf(m.uid);
    expect(chain).toHaveLength(1 + results.filter((r) => r.status === 'fulfilled').length);
    expect(await verifyReceipts(chain, await keys())).toMatchObject({ ok: true, problems: [] });
  });
});

describe('tampering', () => {
  it('catches a receipt removed, altered or swapped in the database', async () => {
    const m = await connectMember(t.ctx, sub, 'receipt.tamper');
    for (let i = 0; i < 3; i++) await t.ctx.members.grants.consent({ uid: m.uid, nid: sub.nid, privateKey: m.privateKey });
    const jwks = await keys();
    const rows = await t.ctx.receipts.ofMember(m.uid, sub.nid);
    expect(rows).toHaveLength(4);
    const read = async () => receiptsOf(m.uid);

    await t.ctx.db.deleteFrom('consent_receipts').where('id', '=', rows[1]!.id).execute();
    const removed = await verifyReceipts(await read(), jwks);
    expect(removed.ok).toBe(false);
    expect(removed.problems.join('\n')).toMatch(/is number 3, expected 2: a receipt is missing or repeated/);
    await t.ctx.db.insertInto('consent_receipts').values(rows[1]!).execute();

    const [head, body, signature] = rows[2]!.jws.split('.');
    const claims = JSON.parse(Buffer.from(body!, 'base64url').toString()) as { consent_record: ConsentRecord };
    claims.consent_record.notice.purpose = 'Something else';
    const altered = `${head}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
    await t.ctx.db.updateTable('consent_receipts').set({ jws: altered }).where('id', '=', rows[2]!.id).execute();
    const edited = await verifyReceipts(await read(), jwks);
    expect(edited.problems.join('\n')).toMatch(/signature or header does not verify/);
    await t.ctx.db.updateTable('consent_receipts').set({ jws: rows[2]!.jws }).where('id', '=', rows[2]!.id).execute();

    // Swapped: the stored rows keep their order, but their signed contents trade places.
    await t.ctx.db.updateTable('consent_receipts').set({ jws: rows[3]!.jws }).where('id', '=', rows[1]!.id).execute();
    await t.ctx.db.updateTable('consent_receipts').set({ jws: rows[1]!.jws }).where('id', '=', rows[3]!.id).execute();
    const stored = (await t.ctx.receipts.ofMember(m.uid, sub.nid)).map((r) => r.jws);
    expect(stored[1]).toBe(rows[3]!.jws);
    const swapped = await verifyReceipts(stored, jwks);
    expect(swapped.ok).toBe(true); // each receipt carries its own place: the chain is read from them, not from the rows
    const reordered = await verifyReceipts([rows[0]!.jws, rows[1]!.jws, rows[3]!.jws], jwks);
    expect(reordered.problems.join('\n')).toMatch(/expected 3/);
    const relinked = await verifyReceipts([rows[0]!.jws, (await receiptsOf(member.uid))[0]!], jwks);
    expect(relinked.ok).toBe(true); // two chains (two members): each whole
  });
});

describe('GET /api/consent-receipts', () => {
  it('answers a receipt of the caller’s own connections only', async () => {
    const [row] = await t.ctx.receipts.ofMember(member.uid, sub.nid);
    const res = await get(`/api/consent-receipts/${row!.id}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toStrictEqual({
      id: row!.id,
      nid: sub.nid,
      con_id: member.conId,
      sequence: 1,
      event: 'consent.given',
      created_at: row!.created_at,
      receipt: row!.jws,
    });
    expect((await get(`/api/consent-receipts/${row!.id}`, other)).statusCode).toBe(404);
    expect((await get('/api/consent-receipts/00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
    const bad = await get('/api/consent-receipts/nope');
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: { message: 'Invalid receipt id' } });
  });

  it('lists a connection’s receipts a page at a time, oldest first', async () => {
    const all = (await t.ctx.receipts.ofConnection(sub.nid, 1000)).map((r) => r.id);
    expect(all.length).toBeGreaterThan(5);
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const res = await get(`/api/consent-receipts?nid=${sub.nid}&limit=4${after ? `&after=${after}` : ''}`);
      expect(res.statusCode).toBe(200);
      const page = res.json() as { receipts: ReceiptView[]; next: string | null };
      expect(page.receipts.length).toBeLessThanOrEqual(4);
      seen.push(...page.receipts.map((r) => r.id));
      after = page.next;
    } while (after);
    expect(seen).toEqual(all);
    expect((await get(`/api/consent-receipts?nid=${sub.nid}`, other)).statusCode).toBe(404);
    expect((await get('/api/consent-receipts')).json()).toMatchObject({ error: { message: 'nid is required' } });
    expect((await get(`/api/consent-receipts?nid=${sub.nid}&limit=0`)).statusCode).toBe(400);
    expect((await get(`/api/consent-receipts?nid=${sub.nid}&after=nope`)).statusCode).toBe(400);
    expect((await get(`/api/consent-receipts?nid=${sub.nid}`, { ...sub, accessToken: 'x' })).statusCode).toBe(401);
  });
});

describe('POST /api/connection/withdraw (the organisation ends the connection)', () => {
  function withdraw(body: Record<string, unknown>, s: Subscriber = sub) {
    return t.app.inject({
      method: 'POST',
      url: '/api/connection/withdraw',
      headers: { authorization: `Bearer ${s.accessToken}`, 'content-type': 'application/json' },
      payload: body,
    });
  }

  it('ends the grant, answers a receipt by the controller in the member’s chain, and emails the member', async () => {
    const m = await connectMember(t.ctx, sub, 'withdrawn.by.org');
    const credentials = { con_id: m.conId, key: m.key };
    // Another organisation cannot end it, with the same credentials: the uniform 403.
    expect((await withdraw(credentials, other)).statusCode).toBe(403);
    const res = await withdraw(credentials);
    expect(res.statusCode, res.body).toBe(200);
    const answer = res.json() as { withdrawn: boolean; receipt: ReceiptView };
    expect(answer).toMatchObject({
      withdrawn: true,
      receipt: { nid: sub.nid, con_id: m.conId, sequence: 2, event: 'consent.withdrawn' },
    });
    expect(recordOf(answer.receipt.receipt).event).toMatchObject({ type: 'consent.withdrawn', by: 'controller' });
    const chain = await receiptsOf(m.uid);
    expect(chain.at(-1)).toBe(answer.receipt.receipt);
    expect(await verifyReceipts(chain, await keys())).toMatchObject({ ok: true });
    expect(await t.ctx.members.grants.activeGrants(m.uid)).toEqual([]);
    const mail = (await t.ctx.outbox.listSandboxMessages()).find((x) => x.recipient === `${m.mydexid}@example.org`);
    expect(mail?.subject).toMatch(/has ended its connection to your Personal Data Store$/);
    // The member key no longer works: a second call is refused like any stale credential.
    expect((await withdraw(credentials)).statusCode).toBe(403);
  });

  it('says what is missing or malformed (400), in the PDX error format', async () => {
    const missing = await withdraw({ key: 'x' });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toMatchObject({ error: { message: 'Missing parameter' } });
    expect((await withdraw({ con_id: 'nope', key: 'x' })).statusCode).toBe(400);
    expect((await withdraw({ con_id: member.conId })).statusCode).toBe(400);
  });
});

describe('openpdx receipt verify', () => {
  it('says OK for a whole chain, and lists what is wrong (exit 1) otherwise', async () => {
    const cli = createTestCli();
    try {
      const list = (await get(`/api/consent-receipts?nid=${sub.nid}&limit=1000`)).json() as { receipts: ReceiptView[] };
      const chain = list.receipts.filter((r) => r.con_id === member.conId);
      const receiptsFile = join(cli.dir, 'receipts.json');
      const keysFile = join(cli.dir, 'keys.json');
      writeFileSync(keysFile, JSON.stringify(await keys()));
      writeFileSync(receiptsFile, JSON.stringify({ receipts: chain }));
      const ok = await cli.run(['receipt', 'verify', receiptsFile, '--jwks', keysFile]);
      expect(ok).toMatchObject({ code: 0, stderr: '' });
      expect(ok.stdout).toMatch(/^OK: \d+ receipts? in 1 chain, every signature and link verified\.\n$/);

      const m = await connectMember(t.ctx, sub, 'receipt.cli');
      await t.ctx.members.grants.revoke(m.uid, sub.nid);
      await t.ctx.members.grants.consent({ uid: m.uid, nid: sub.nid, privateKey: m.privateKey });
      const three = await receiptsOf(m.uid);
      writeFileSync(receiptsFile, JSON.stringify([three[0], three[2]]));
      const gap = await cli.run(['receipt', 'verify', receiptsFile, '--jwks', keysFile, '--json']);
      expect(gap.code).toBe(1);
      expect(JSON.parse(gap.stdout)).toMatchObject({
        ok: false,
        receipts: 2,
        verified: 2,
        problems: [expect.stringMatching(/expected 2/)],
      });
      expect(JSON.parse(gap.stderr)).toMatchObject({ error: { code: 'receipt_invalid' } });

      writeFileSync(keysFile, JSON.stringify({ keys: [] }));
      writeFileSync(receiptsFile, three[0]!);
      const noKey = await cli.run(['receipt', 'verify', receiptsFile, '--jwks', keysFile]);
      expect(noKey.code).toBe(1);
      expect(noKey.stdout).toMatch(/signature or header does not verify/);
      expect((await cli.run(['receipt', 'verify', join(cli.dir, 'missing.json'), '--jwks', keysFile])).stderr).toMatch(
        /Cannot read the receipts file/,
      );
    } finally {
      await cli.close();
    }
  });
});
