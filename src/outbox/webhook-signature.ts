/**
 * Standard Webhooks 1.0 signatures (contract §5.3, MX-08, WH-05): `webhook-signature` is
 * `v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<raw body>")>`. The key is the UTF-8 bytes of the
 * connection token, so a subscriber's Standard Webhooks library verifies with the secret
 * `whsec_` + base64(connection token).
 */
import { createHmac } from 'node:crypto';
import { safeEqual } from '../crypto/hash.ts';

export interface WebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** Five minutes either way, the tolerance Standard Webhooks and Stripe use. */
const WEBHOOK_TOLERANCE_SECONDS = 300;

export function webhookSecret(connectionToken: string): string {
  return `whsec_${Buffer.from(connectionToken, 'utf8').toString('base64')}`;
}

export function signWebhook(key: Buffer, id: string, timestamp: number, body: string): WebhookHeaders {
  const mac = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': `v1,${mac}` };
}

/**
 * The reference receiver's check: any one `v1` signature of the raw body must match, and the
 * timestamp must be within the tolerance of `now`, so a captured callback cannot be replayed later.
 */
export function verifyWebhook(
  secret: string,
  headers: Record<string, string | string[] | undefined>,
  body: string,
  now: number,
  tolerance = WEBHOOK_TOLERANCE_SECONDS,
): boolean {
  const one = (name: string) => {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const id = one('webhook-id');
  const ts = one('webhook-timestamp');
  const signatures = one('webhook-signature');
  if (!id || !ts || !signatures || !/^\d{1,12}$/.test(ts)) return false;
  if (Math.abs(now - Number(ts)) > tolerance) return false;
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = signWebhook(key, id, Number(ts), body)['webhook-signature'];
  // Every listed signature is compared, so the time taken does not reveal which one matched.
  return signatures.split(' ').reduce((found, sig) => safeEqual(sig, expected) || found, false);
}
