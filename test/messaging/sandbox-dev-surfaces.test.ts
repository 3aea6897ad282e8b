import { BODY_LIMITS } from '../../src/http/body-limits.ts';
import { INBOX_BYTES } from '../../src/messaging/dev-callback-inbox.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { connectionTo, consentedMember, manualOutboxApp, outboxRows, T0 } from '../outbox/helpers.ts';
import { createTestApp, type TestApp } from '../harness.ts';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const LINK = 'https://localhost:8080/ftc/begin/40000/tok_abc?x=1&y=2';

describe('sandbox messages and /dev/outbox', () => {
  it('keeps a sandbox message sealed, sends nothing, and lists it newest first on an accessible page', async () => {
    const app = (t = await manualOutboxApp());
    await app.ctx.outbox.enqueueMessage(app.ctx.db, {
      channel: 'sms',
      recipient: '+447700900001',
      subject: 'First',
      body: 'older',
    });
    app.clock.advance(60);
    const { messageId } = await app.ctx.outbox.enqueueMessage(app.ctx.db, {
      channel: 'email',
      recipient: 'jo@example.org',
      subject: 'Acme <Health>: connect',
      body: `Open this link to continue: ${LINK}\nThanks`,
    });
    const row = await app.ctx.db.selectFrom('messages').selectAll().where('id', '=', messageId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ channel: 'email', recipient: 'jo@example.org', status: 'sandbox', created_at: T0 + 60 });
    expect(row.body_enc).not.toContain('tok_abc');
    expect(app.ctx.masterKeys.open(row.body_enc, `message|${messageId}`).toString()).toContain(LINK);
    expect(await outboxRows(app)).toEqual([]);

    const res = await app.app.inject({ method: 'GET', url: '/dev/outbox' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    const html = res.body;
    expect(html).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(html).toContain('<title>Sandbox outbox · OpenPDX</title>');
    expect(html).toContain('<h1>Sandbox outbox</h1>');
    expect(html).toContain('Sandbox: no real data.');
    expect(html).toMatch(/<table>\n<caption>Messages the platform would have sent \(2\), newest first<\/caption>/);
    expect(html).toContain('<th scope="col">Recipient</th>');
    expect(html).toContain('Acme &#60;Health&#62;: connect');
    const href = LINK.replace('&', '&#38;');
    expect(html).toContain(`<a href="${href}">${href}</a>`);
    expect(html.indexOf('jo@example.org')).toBeLessThan(html.indexOf('+447700900001'));
  });

  it('shows an empty outbox without a table', async () => {
    t = await createTestApp();
    const res = await t.app.inject({ method: 'GET', url: '/dev/outbox' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<p>No messages yet.');
    expect(res.body).not.toContain('<table>');
  });
});

describe('/dev/callback, the demo connection receiver', () => {
  it('answers 200 {"received":true} and lists deliveries newest first at /dev/callbacks', async () => {
    t = await createTestApp();
    const post = await t.app.inject({
      method: 'POST',
      url: '/dev/callback',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authentication: 'abc' },
      payload: 'uid=1&fields%5Bds_home%5D%5B0%5D%5Bx%5D=1',
    });
    expect(post.statusCode).toBe(200);
    expect(post.json()).toEqual({ received: true });
    const put = await t.app.inject({
      method: 'PUT',
      url: '/dev/callback',
      headers: { 'content-type': 'application/json' },
      payload: '{"type":"notification","uid":"1"}',
    });
    expect(put.json()).toEqual({ received: true });
    const list = await t.app.inject({ method: 'GET', url: '/dev/callbacks' });
    expect(list.statusCode).toBe(200);
    const items = list.json() as { method: string; headers: Record<string, string>; body: unknown }[];
    expect(items.map((i) => i.method)).toEqual(['PUT', 'POST']);
    expect(items[0]!.body).toEqual({ type: 'notification', uid: '1' });
    expect(items[1]!.body).toEqual({ uid: '1', fields: { ds_home: [{ x: '1' }] } });
    expect(items[1]!.headers.authentication).toBe('abc');
  });

  it('keeps only the last 100 deliveries', async () => {
    t = await createTestApp();
    for (let i = 0; i < 105; i++) {
      await t.app.inject({
        method: 'POST',
        url: '/dev/callback',
        headers: { 'content-type': 'application/json' },
        payload: `{"n":"${i}"}`,
      });
    }
    const items = (await t.app.inject({ method: 'GET', url: '/dev/callbacks' })).json() as { body: { n: string } }[];
    expect(items).toHaveLength(100);
    expect(items[0]!.body.n).toBe('104');
    expect(items[99]!.body.n).toBe('5');
  });

  it('refuses a body past its limit, and keeps at most 4 MiB of bodies in all', async () => {
    const app = (t = await createTestApp());
    const post = (payload: string) =>
      app.app.inject({ method: 'POST', url: '/dev/callback', headers: { 'content-type': 'text/plain' }, payload });
    expect((await post('x'.repeat(BODY_LIMITS.devCallback + 1))).statusCode).toBe(413);
    for (let i = 0; i < 40; i++) expect((await post(`${i}:`.padEnd(250 * 1024, 'x'))).statusCode).toBe(200);
    const items = (await app.app.inject({ method: 'GET', url: '/dev/callbacks' })).json() as { raw: string }[];
    const kept = items.reduce((n, item) => n + item.raw.length, 0);
    expect(kept).toBeLessThanOrEqual(INBOX_BYTES);
    expect(items.length).toBe(Math.floor(INBOX_BYTES / (250 * 1024)));
    expect(items[0]!.raw.startsWith('39:')).toBe(true);
  });

  it('receives the real consent callback of a connection whose callback URL is the sandbox itself', async () => {
    const app = (t = await manualOutboxApp());
    const base = await app.listen();
    const { nid } = await connectionTo(app, `${base}/dev/callback`, ['ds_personal_details:rw'], true);
    const m = await consentedMember(app, [nid], 'demo.carol');
    await app.ctx.outbox.runOnce();
    expect(await outboxRows(app)).toMatchObject([{ status: 'delivered', last_status: 200 }]);
    const items = (await app.app.inject({ method: 'GET', url: '/dev/callbacks' })).json() as {
      method: string;
      body: Record<string, unknown>;
      headers: Record<string, string>;
    }[];
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ method: 'POST', body: { uid: String(m.uid), mydexid: 'demo.carol', key: m.keys[0] } });
    expect(items[0]!.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
  });
});

describe('in live', () => {
  it('has no /dev/ surfaces', async () => {
    t = await createTestApp({ env: { OPENPDX_ENV: 'live', OPENPDX_PUBLIC_URL: 'https://pdx.example' } });
    for (const [method, url] of [
      ['GET', '/dev/outbox'],
      ['POST', '/dev/callback'],
      ['PUT', '/dev/callback'],
      ['GET', '/dev/callbacks'],
    ] as const) {
      const res = await t.app.inject({ method, url, payload: method === 'GET' ? undefined : '{}' });
      expect(res.statusCode, `${method} ${url}`).toBe(404);
    }
    // …nor does its OpenAPI document describe them (the operations come with the routes).
    const { document, drift } = t.app.openapi.build();
    expect(Object.keys(document.paths).filter((p) => p.startsWith('/dev/'))).toEqual([]);
    expect(drift).toEqual({ undocumented: [], unrouted: [] });
  });
});
