import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhook, webhookSecret } from './webhook-signature.ts';

const token = 'pdx_ct_exampleConnectionToken';
const secret = webhookSecret(token);
const body = '{"type":"notification","uid":"4020"}';
const now = 1_700_000_000;

function signed(at = now, b = body) {
  return { ...signWebhook(Buffer.from(token), 'msg_1', at, b) };
}

describe('Standard Webhooks signatures (WH-05)', () => {
  it('signs "<id>.<timestamp>.<body>" with HMAC-SHA256 keyed by the connection token', () => {
    const mac = createHmac('sha256', token).update(`msg_1.${now}.${body}`).digest('base64');
    expect(signed()).toEqual({ 'webhook-id': 'msg_1', 'webhook-timestamp': String(now), 'webhook-signature': `v1,${mac}` });
    expect(secret).toBe(`whsec_${Buffer.from(token).toString('base64')}`);
  });

  it('accepts a valid delivery and one valid signature among several', () => {
    expect(verifyWebhook(secret, signed(), body, now)).toBe(true);
    const h = signed();
    expect(verifyWebhook(secret, { ...h, 'webhook-signature': `v1,AAAA ${h['webhook-signature']}` }, body, now)).toBe(true);
  });

  it('rejects a changed byte, a wrong secret, a stale or future timestamp and missing headers', () => {
    expect(verifyWebhook(secret, signed(), body.replace('4020', '4021'), now)).toBe(false);
    expect(verifyWebhook(webhookSecret('another token'), signed(), body, now)).toBe(false);
    expect(verifyWebhook(secret, signed(now - 360), body, now)).toBe(false);
    expect(verifyWebhook(secret, signed(now + 360), body, now)).toBe(false);
    expect(verifyWebhook(secret, signed(now - 299), body, now)).toBe(true);
    for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const) {
      const h: Record<string, string> = signed();
      delete h[name];
      expect(verifyWebhook(secret, h, body, now), name).toBe(false);
    }
  });

  it('rejects re-serialised JSON: the raw body is what is signed', () => {
    const pretty = JSON.stringify(JSON.parse(body), null, 2);
    expect(verifyWebhook(secret, signed(), pretty, now)).toBe(false);
  });
});
