/**
 * Where the member's browser goes after the consent pages (contract §5 step 4). BCP-05: no open
 * redirect. Decided: an absolute http(s) URL without credentials or fragment; in live it must be
 * https and on the same origin as the connection's callback URL, the one origin the subscriber
 * registered with the operator. The sandbox takes any http(s) URL so developers can test locally.
 */
export type LinkStatus = 'connected' | 'rejected' | 'expired';

export interface ReturnToPolicy {
  env: 'sandbox' | 'live';
  callbackUrl: string;
}

const MAX_LENGTH = 2048;
// The URL parser silently drops tabs and newlines; refuse them rather than store a different URL.
const UNSAFE = /[\s\u0000-\u001f\u007f]/;

/** The normalised URL, or the problem as the API reports it. */
export function checkReturnTo(raw: string, policy: ReturnToPolicy): { url: string } | { problem: string } {
  if (raw === '') return { problem: 'return_to is required.' };
  if (raw.length > MAX_LENGTH) return { problem: `return_to must be at most ${MAX_LENGTH} characters.` };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { problem: 'return_to must be an absolute http or https URL.' };
  }
  if (UNSAFE.test(raw) || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    return { problem: 'return_to must be an absolute http or https URL.' };
  }
  if (url.username || url.password) return { problem: 'return_to must not contain a user name or password.' };
  if (raw.includes('#')) return { problem: 'return_to must not contain a fragment.' };
  if (policy.env === 'live') {
    if (url.protocol !== 'https:') return { problem: 'return_to must use https.' };
    const origin = new URL(policy.callbackUrl).origin;
    if (url.origin !== origin)
      return { problem: `return_to must be on the origin of the connection's callback URL (${origin}).` };
  }
  return { url: url.href };
}

/** return_to with `status` appended; nothing secret ever goes in it. */
export function withStatus(returnTo: string, status: LinkStatus): string {
  const separator = !returnTo.includes('?') ? '?' : returnTo.endsWith('?') || returnTo.endsWith('&') ? '' : '&';
  return `${returnTo}${separator}status=${status}`;
}
