/** POST /ftc/setup and POST /identify: one-time links into the member web app, with a QR code. */
import QRCode from 'qrcode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/crypto/hash.ts';
import { parseGrantSpecs } from '../../src/connections/grant-spec.ts';
import { connectMember, createMember, createSubscriber, type Subscriber } from '../fixtures.ts';
import { createTestApp, type TestApp } from '../harness.ts';
import { FormClient } from '../web/helpers.ts';
import { ACCESS_DENIED, IDAAS_SCOPES, idaas, linkBody, linkTokenOf, sha512 } from './helpers.ts';

let t: TestApp;
let sub: Subscriber;
let other: Subscriber;

beforeAll(async () => {
  t = await createTestApp({ startWorkers: false });
  sub = await createSubscriber(t, ['ds_personal_details:rw'], IDAAS_SCOPES);
  other = await createSubscriber(t, ['ds_personal_details:r'], IDAAS_SCOPES);
});
afterAll(() => t.close());

const LINK = new RegExp(`^http://localhost:8080/ftc/begin/(\\d+)/(pdx_ln_[A-Za-z0-9_-]{43})/(\\d+)$`);

describe.each(['/ftc/setup', '/identify'] as const)('POST %s', (path) => {
  it('answers 201 with a one-time /ftc/begin link to the latest agreement and its QR code as a PNG data URL', async () => {
    const res = await idaas(t, sub, 'POST', path, { body: linkBody(sub) });
    expect(res.statusCode).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    const { url, qr } = res.data as { url: string; qr: string };
    expect(url).toMatch(LINK);
    expect(LINK.exec(url)?.[1]).toBe(String(sub.nid));
    expect(LINK.exec(url)?.[3]).toBe('1');
    expect(qr).toBe(await QRCode.toDataURL(url));
    expect(
      Buffer.from(qr.replace(/^data:image\/png;base64,/, ''), 'base64')
        .subarray(1, 4)
        .toString(),
    ).toBe('PNG');
  });

  it('makes a link the member web app opens: it names the organisation and asks the member to sign in', async () => {
    const res = await idaas(t, sub, 'POST', path, { body: linkBody(sub) });
    const page = await new FormClient(t.app).get(new URL((res.data as { url: string }).url).pathname);
    expect(page.statusCode).toBe(200);
    const org = (await t.ctx.connections.getOrganisation(sub.orgId))!.name;
    expect(page.body).toContain(org);
    expect(page.body).toContain('action="/login"');
  });

  it('records who asked for the link and the linking_token, keyed by the link token hash', async () => {
    const res = await idaas(t, sub, 'POST', path, { body: linkBody(sub, undefined, { linking_token: 'member-77' }) });
    const hash = sha256Hex(linkTokenOf((res.data as { url: string }).url));
    expect(await t.ctx.idaas.links.linkingToken(hash)).toBe('member-77');
    const row = await t.ctx.db.selectFrom('idaas_links').selectAll().where('token_hash', '=', hash).executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      kind: path === '/identify' ? 'identify' : 'ftc',
      org_id: sub.orgId,
      client_id: sub.clientId,
      nid: sub.nid,
    });
    const link = await t.ctx.db.selectFrom('one_time_links').selectAll().where('token_hash', '=', hash).executeTakeFirstOrThrow();
    expect(link).toMatchObject({ kind: 'ftc', nid: sub.nid, mydexid: null, return_to: 'https://subscriber.example.org/back' });
  });

  it('returns the linking_token to the subscriber in the consent callback', async () => {
    const m = await createMember(t.ctx, `linked${path.length}`);
    const res = await idaas(t, sub, 'POST', path, { body: linkBody(sub, undefined, { linking_token: 'crm-42' }) });
    await t.ctx.consent.approve(linkTokenOf((res.data as { url: string }).url), { uid: m.uid, privateKey: m.privateKey });
    const row = await t.ctx.db
      .selectFrom('outbox')
      .selectAll()
      .where('uid', '=', m.uid)
      .where('kind', '=', 'callback')
      .executeTakeFirstOrThrow();
    const payload = JSON.parse(t.ctx.masterKeys.open(row.payload_enc!, `outbox|${row.event_id}`).toString()) as { body: string };
    const form = new URLSearchParams(payload.body);
    expect(form.get('linking_token')).toBe('crm-42');
    expect(form.get('mydexid')).toBe(m.mydexid);
  });

  it('accepts connection_nid as a number, as the rest of the PDX API does', async () => {
    const res = await idaas(t, sub, 'POST', path, { body: linkBody(sub, undefined, { connection_nid: sub.nid }) });
    expect(res.statusCode).toBe(201);
  });

  it('refuses with 400 and every problem when required fields are missing', async () => {
    const res = await idaas(t, sub, 'POST', path, { body: {} });
    expect(res.statusCode).toBe(400);
    expect(res.data).toEqual({
      success: 0,
      message: 'connection_nid is required. connection_token_hash is required. return_to is required.',
    });
  });

  it('refuses with 400 a body that is not a JSON object', async () => {
    const res = await idaas(t, sub, 'POST', path, { payload: '[1,2]' });
    expect(res.statusCode).toBe(400);
    expect(res.data).toEqual({ success: 0, message: 'Invalid request body: The body must be a JSON object.' });
  });

  it('refuses with 400 a return_to that is not an absolute http(s) URL', async () => {
    const res = await idaas(t, sub, 'POST', path, { body: linkBody(sub, 'javascript:alert(1)') });
    expect(res.statusCode).toBe(400);
    expect(res.data).toEqual({ success: 0, message: 'return_to must be an absolute http or https URL.' });
  });

  it("refuses with 403 another organisation's connection, and an unknown one alike", async () => {
    const foreign = await idaas(t, sub, 'POST', path, { body: linkBody(other) });
    const unknown = await idaas(t, sub, 'POST', path, { body: { ...linkBody(sub), connection_nid: '999999' } });
    for (const res of [foreign, unknown]) {
      expect(res.statusCode).toBe(403);
      expect(res.data).toEqual({
        error: { message: 'Access denied', reason: 'This connection does not belong to your organisation.' },
      });
    }
  });

  it('refuses with 401 a connection_token_hash that is not the hex SHA-512 of the connection token', async () => {
    for (const hash of [sha512('wrong'), sub.connectionToken]) {
      const res = await idaas(t, sub, 'POST', path, { body: { ...linkBody(sub), connection_token_hash: hash } });
      expect(res.statusCode).toBe(401);
      expect(res.data).toEqual({
        error: {
          message: 'Access denied',
          reason: 'connection_token_hash must be the lower-case hex SHA-512 of the connection token.',
        },
      });
    }
  });

  it('refuses with 401 and the AuthErrorResponse body without a valid bearer token', async () => {
    const res = await idaas(t, sub, 'POST', path, { body: linkBody(sub), token: 'nope' });
    expect(res.statusCode).toBe(401);
    expect(res.data).toEqual(ACCESS_DENIED);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
  });
});

describe('POST /ftc/setup: version and mydexid', () => {
  it('links to the version asked for, naming the member, when mydexid is given', async () => {
    const { version } = await t.ctx.connections.addDssaVersion(sub.nid, {
      permissions: parseGrantSpecs(['ds_personal_details:r'], t.ctx.catalogue),
    });
    const m = await connectMember(t.ctx, sub, 'idaas-ftc-version');
    const res = await idaas(t, sub, 'POST', '/ftc/setup', { body: linkBody(sub, undefined, { version, mydexid: m.mydexid }) });
    expect(res.statusCode).toBe(201);
    const url = (res.data as { url: string }).url;
    expect(url).toMatch(new RegExp(`/ftc/begin/${sub.nid}/pdx_ln_[^/]+/${version}$`));
    const link = await t.ctx.db
      .selectFrom('one_time_links')
      .selectAll()
      .where('token_hash', '=', sha256Hex(linkTokenOf(url)))
      .executeTakeFirstOrThrow();
    expect(link).toMatchObject({ mydexid: m.mydexid, dssa_version: version });
  });

  it('takes version as a numeric string and version 1 without a mydexid', async () => {
    const res = await idaas(t, sub, 'POST', '/ftc/setup', { body: linkBody(sub, undefined, { version: '1', mydexid: null }) });
    expect(res.statusCode).toBe(201);
    expect((res.data as { url: string }).url).toMatch(/\/1$/);
  });

  it('refuses a version greater than 1 without a mydexid, as the reference says', async () => {
    const res = await idaas(t, sub, 'POST', '/ftc/setup', { body: linkBody(sub, undefined, { version: 2 }) });
    expect(res.statusCode).toBe(400);
    expect(res.data).toEqual({ success: 0, message: 'mydexid is required when version is greater than 1.' });
  });

  it('refuses a version below 1, a version that is not a number and a version the connection does not have', async () => {
    const cases: [unknown, string][] = [
      [0, 'version must be a whole number from 1 to 2147483647.'],
      ['two', 'version must be a whole number from 1 to 2147483647.'],
      [true, 'version must be a whole number from 1 to 2147483647.'],
      [1.5, 'version must be a whole number from 1 to 2147483647.'],
      [99, 'Version 99 does not exist for this connection.'],
    ];
    for (const [version, message] of cases) {
      const res = await idaas(t, sub, 'POST', '/ftc/setup', { body: linkBody(sub, undefined, { version, mydexid: 'someone' }) });
      expect(res.statusCode, String(version)).toBe(400);
      expect(res.data).toEqual({ success: 0, message });
    }
  });
});
