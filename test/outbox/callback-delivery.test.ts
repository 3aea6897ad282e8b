import { createHmac, createHash } from 'node:crypto';
import qs from 'qs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { webhookSecret } from '../../src/outbox/webhook-signature.ts';
import type { TestApp } from '../harness.ts';
import { connectionTo, consentedMember, manualOutboxApp, outboxRows, Receiver, T0 } from './helpers.ts';

let t: TestApp & { clock: { now(): number; advance(s: number): void } };
let receiver: Receiver;
beforeEach(async () => {
  t = await manualOutboxApp();
  receiver = await Receiver.start();
});
afterEach(async () => {
  await t.close();
  await receiver.close();
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('consent callback (contract §5.3)', () => {
  it('POSTs the exact form body with Authentication and a Standard Webhooks signature, then PUTs on re-consent', async () => {
    const { nid, token } = await connectionTo(t, receiver.url('/pdx/cb?x=1'), [
      'ds_personal_details:r:field_personal_fname',
      'ds_events:rw:title',
    ]);
    const m = await consentedMember(t, [nid], 'cb.alice');
    expect(await t.ctx.outbox.runOnce()).toBe(1);
    expect(receiver.requests).toHaveLength(1);
    const first = receiver.requests[0]!;
    expect(first.method).toBe('POST');
    expect(first.url).toBe('/pdx/cb?x=1');

    const b = (s: string) => s.replace(/\[/g, '%5B').replace(/\]/g, '%5D');
    expect(first.body).toBe(
      [
        `uid=${m.uid}`,
        'mydexid=cb.alice',
        `key=${m.keys[0]}`,
        `connection_id=${m.uid}-${nid}`,
        b('fields[ds_personal_details][0][field_personal_fname][access][r][a]=1'),
        b('fields[ds_personal_details][0][field_personal_fname][access][r][s]=A'),
        b('fields[ds_personal_details][0][field_personal_fname][access][w][a]=0'),
        b('fields[ds_personal_details][0][field_personal_fname][access][w][s]=A'),
        b('fields[ds_events][0][title][access][r][a]=1'),
        b('fields[ds_events][0][title][access][r][s]=A'),
        b('fields[ds_events][0][title][access][w][a]=1'),
        b('fields[ds_events][0][title][access][w][s]=A'),
        // Beyond Mydex, last: the signed receipt of this consent (docs/consent-receipts.md).
        `consent_receipt=${new URLSearchParams(first.body).get('consent_receipt')}`,
      ].join('&'),
    );
    expect(new URLSearchParams(first.body).get('consent_receipt')).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
    // A PHP-style parser reads it back as Mydex's callback handlers expect.
    expect(qs.parse(first.body, { depth: 10 })).toEqual({
      uid: String(m.uid),
      mydexid: 'cb.alice',
      key: m.keys[0],
      connection_id: `${m.uid}-${nid}`,
      fields: {
        ds_personal_details: [{ field_personal_fname: { access: { r: { a: '1', s: 'A' }, w: { a: '0', s: 'A' } } } }],
        ds_events: [{ title: { access: { r: { a: '1', s: 'A' }, w: { a: '1', s: 'A' } } } }],
      },
      consent_receipt: expect.any(String),
    });

    const h = first.headers;
    expect(h['content-type']).toBe('application/x-www-form-urlencoded');
    expect(h['user-agent']).toBe('OpenPDX-Webhooks/1');
    expect(h['authentication']).toBe(createHash('sha512').update(token).digest('hex'));
    const [row] = await outboxRows(t);
    expect(h['webhook-id']).toBe(row!.event_id);
    expect(h['webhook-id']).toMatch(UUID);
    expect(h['webhook-timestamp']).toBe(String(T0));
    // Independent check: HMAC-SHA256 keyed by the token's bytes, as whsec_ + base64(token) decodes to.
    const key = Buffer.from(webhookSecret(token).slice('whsec_'.length), 'base64');
    expect(key.toString('utf8')).toBe(token);
    const mac = createHmac('sha256', key).update(`${h['webhook-id']}.${h['webhook-timestamp']}.${first.body}`).digest('base64');
    expect(h['webhook-signature']).toBe(`v1,${mac}`);
    expect(row).toMatchObject({
      kind: 'callback',
      status: 'delivered',
      attempts: 1,
      last_status: 200,
      payload_enc: null,
      delivered_at: T0,
    });

    t.clock.advance(30);
    const again = await t.ctx.members.grants.consent({ uid: m.uid, nid, privateKey: m.privateKey });
    await t.ctx.outbox.runOnce();
    expect(receiver.requests).toHaveLength(2);
    const second = receiver.requests[1]!;
    expect(second.method).toBe('PUT');
    expect(qs.parse(second.body)).toMatchObject({ key: again.memberKey });
    expect(second.headers['webhook-id']).not.toBe(h['webhook-id']);
    expect(second.headers['webhook-timestamp']).toBe(String(T0 + 30));
  });

  it('keeps no member key in the payload column in any encoding, and erases the payload on delivery', async () => {
    const { nid } = await connectionTo(t, receiver.url(), ['ds_personal_details:rw']);
    const m = await consentedMember(t, [nid]);
    const key = m.keys[0]!;
    const encodings = [
      key,
      Buffer.from(key).toString('base64'),
      Buffer.from(key).toString('base64url'),
      Buffer.from(key).toString('hex'),
      createHash('sha256').update(key).digest('hex'),
    ];
    const [queued] = await outboxRows(t);
    expect(queued!.payload_enc).toEqual(expect.any(String));
    for (const e of encodings) expect(JSON.stringify(queued), e).not.toContain(e);
    await t.ctx.outbox.runOnce();
    const [delivered] = await outboxRows(t);
    expect(delivered!.status).toBe('delivered');
    expect(delivered!.payload_enc).toBeNull();
  });
});

describe('retries (WH-01, WH-02, WH-03)', () => {
  it('retries with backoff while the receiver is down and delivers once it is up, same webhook-id', async () => {
    const port = await Receiver.freePort();
    const { nid } = await connectionTo(t, `http://127.0.0.1:${port}/cb`, ['ds_personal_details:rw']);
    await consentedMember(t, [nid]);
    await t.ctx.outbox.runOnce();
    let [row] = await outboxRows(t);
    expect(row).toMatchObject({ status: 'pending', attempts: 1, last_status: null, last_error: 'connection refused' });
    // First retry after 5 s ± 20%.
    expect(row!.next_attempt_at - T0).toBeGreaterThanOrEqual(4);
    expect(row!.next_attempt_at - T0).toBeLessThanOrEqual(6);
    expect(await t.ctx.outbox.runOnce()).toBe(0); // not due yet

    t.clock.advance(6);
    await t.ctx.outbox.runOnce();
    [row] = await outboxRows(t);
    expect(row!.attempts).toBe(2);
    // Second retry 10 s ± 20% after the second attempt.
    expect(row!.next_attempt_at - (T0 + 6)).toBeGreaterThanOrEqual(8);
    expect(row!.next_attempt_at - (T0 + 6)).toBeLessThanOrEqual(12);

    const up = await Receiver.start(port);
    try {
      t.clock.advance(12);
      await t.ctx.outbox.runOnce();
      [row] = await outboxRows(t);
      expect(row).toMatchObject({ status: 'delivered', attempts: 3, last_status: 200, last_error: null, payload_enc: null });
      expect(up.requests).toHaveLength(1);
      expect(up.requests[0]!.headers['webhook-id']).toBe(row!.event_id);
    } finally {
      await up.close();
    }
  });

  it('counts a 500 as a failure and delivers on the next attempt that gets a 200', async () => {
    let calls = 0;
    receiver.reply = () => ({ status: ++calls === 1 ? 500 : 200 });
    const { nid } = await connectionTo(t, receiver.url(), ['ds_personal_details:rw']);
    await consentedMember(t, [nid]);
    await t.ctx.outbox.runOnce();
    let [row] = await outboxRows(t);
    expect(row).toMatchObject({ status: 'pending', attempts: 1, last_status: 500, last_error: 'HTTP 500' });
    t.clock.advance(10);
    await t.ctx.outbox.runOnce();
    [row] = await outboxRows(t);
    expect(row).toMatchObject({ status: 'delivered', attempts: 2, last_status: 200 });
    expect(receiver.requests.map((r) => r.headers['webhook-id'])).toEqual([row!.event_id, row!.event_id]);
    expect(receiver.requests.map((r) => r.headers['webhook-timestamp'])).toEqual([String(T0), String(T0 + 10)]);
  });

  it('does not follow a redirect: a 302 is a failure and the Location is never requested', async () => {
    receiver.reply = (req) =>
      req.url === '/cb' ? { status: 302, headers: { location: receiver.url('/elsewhere') } } : { status: 200 };
    const { nid } = await connectionTo(t, receiver.url('/cb'), ['ds_personal_details:rw']);
    await consentedMember(t, [nid]);
    await t.ctx.outbox.runOnce();
    const [row] = await outboxRows(t);
    expect(row).toMatchObject({
      status: 'pending',
      attempts: 1,
      last_status: 302,
      last_error: 'redirect not followed (HTTP 302)',
    });
    expect(receiver.requests.map((r) => r.url)).toEqual(['/cb']);
  });

  it('waits at least as long as a 429 Retry-After asks', async () => {
    receiver.reply = () => ({ status: 429, headers: { 'retry-after': '120' } });
    const { nid } = await connectionTo(t, receiver.url(), ['ds_personal_details:rw']);
    await consentedMember(t, [nid]);
    await t.ctx.outbox.runOnce();
    const [row] = await outboxRows(t);
    expect(row).toMatchObject({ last_status: 429, attempts: 1 });
    expect(row!.next_attempt_at - T0).toBeGreaterThanOrEqual(120);
  });

  it('gives up after 24 hours: the row is dead and its payload erased', async () => {
    receiver.reply = () => ({ status: 503 });
    const { nid } = await connectionTo(t, receiver.url(), ['ds_personal_details:rw']);
    await consentedMember(t, [nid]);
    let attempts = 0;
    for (let i = 0; i < 200; i++) {
      attempts += await t.ctx.outbox.runOnce();
      const [row] = await outboxRows(t);
      if (row!.status !== 'pending') break;
      t.clock.advance(Math.max(1, row!.next_attempt_at - t.clock.now()));
    }
    const [row] = await outboxRows(t);
    expect(row).toMatchObject({ status: 'dead', payload_enc: null, last_status: 503, last_error: 'HTTP 503' });
    expect(row!.attempts).toBe(attempts);
    // 5 s doubling to the 1 h cap over 24 h is roughly 10 + 22 attempts; the last falls on the expiry.
    expect(attempts).toBeGreaterThan(25);
    expect(attempts).toBeLessThan(40);
    expect(t.clock.now()).toBe(T0 + 24 * 3600);
    expect(receiver.requests).toHaveLength(attempts);
  });
});
