/**
 * One HTTP delivery attempt to a subscriber's callback URL (contract §5.3, WH-02/03/04). Only a
 * 2xx is success; a redirect is a failure and is never followed, so a callback cannot be bounced
 * somewhere the target rules would refuse.
 */
import { sha512Hex } from '../crypto/hash.ts';
import { checkCallbackTarget } from './target-policy.ts';
import { signWebhook } from './webhook-signature.ts';

const DELIVERY_TIMEOUT_MS = 10_000;
const USER_AGENT = 'OpenPDX-Webhooks/1';

export type AttemptOutcome =
  | { ok: true; status: number | null }
  | {
      ok: false;
      status: number | null;
      error: string;
      /** seconds the receiver asked us to wait (429/503 Retry-After) */
      retryAfter?: number;
      /** no later attempt can succeed */
      permanent?: boolean;
      /** shutdown cut the attempt short: not the receiver's fault, hand the row back */
      interrupted?: boolean;
    };

export interface HttpDelivery {
  url: string;
  method: string;
  eventId: string;
  contentType: string;
  body: string;
  connectionToken: string;
  env: 'sandbox' | 'live';
  /** unix seconds, for webhook-timestamp */
  now: number;
  shutdown: AbortSignal;
}

export async function deliverHttp(d: HttpDelivery): Promise<AttemptOutcome> {
  const verdict = await checkCallbackTarget(d.url, d.env);
  if (!verdict.ok) return { ok: false, status: null, error: verdict.reason };
  const headers = {
    'content-type': d.contentType,
    'user-agent': USER_AGENT,
    // Contract §5.3. Sent on every delivery to the callback URL, because notifications arrive at
    // the same URL and a subscriber's handler checks this header before anything else.
    authentication: sha512Hex(d.connectionToken),
    ...signWebhook(Buffer.from(d.connectionToken, 'utf8'), d.eventId, d.now, d.body),
  };
  let res: Response;
  try {
    res = await fetch(d.url, {
      method: d.method,
      headers,
      body: d.body,
      redirect: 'manual',
      signal: AbortSignal.any([d.shutdown, AbortSignal.timeout(DELIVERY_TIMEOUT_MS)]),
    });
  } catch (err) {
    if (d.shutdown.aborted) return { ok: false, status: null, error: 'interrupted by shutdown', interrupted: true };
    return { ok: false, status: null, error: describeFetchError(err) };
  }
  // The receiver's body is never read or stored (WH-04).
  await res.body?.cancel().catch(() => {});
  if (res.status >= 200 && res.status <= 299) return { ok: true, status: res.status };
  if (res.status >= 300 && res.status <= 399) {
    return { ok: false, status: res.status, error: `redirect not followed (HTTP ${res.status})` };
  }
  const retryAfter = res.status === 429 || res.status === 503 ? parseRetryAfter(res.headers.get('retry-after')) : undefined;
  return { ok: false, status: res.status, error: `HTTP ${res.status}`, ...(retryAfter !== undefined ? { retryAfter } : {}) };
}

function describeFetchError(err: unknown): string {
  const e = err as { name?: string; cause?: { code?: string } };
  if (e.name === 'TimeoutError') return `timed out after ${DELIVERY_TIMEOUT_MS / 1000} s`;
  const code = e.cause?.code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'target host did not resolve';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'connection reset';
  return code ? `request failed (${code})` : 'request failed';
}

/** Delay-seconds only; an HTTP date is ignored (the backoff applies). */
function parseRetryAfter(value: string | null): number | undefined {
  if (!value || !/^\s*\d{1,7}\s*$/.test(value)) return undefined;
  return Number(value);
}
