import { isIP } from 'node:net';
import { ValidationError } from '../errors.ts';
import { isPublicAddress } from '../outbox/target-policy.ts';

/** A subscriber callback must be an absolute http(s) URL; live accepts https only. */
export function validateCallbackUrl(raw: string, env: 'sandbox' | 'live'): string {
  const trimmed = raw.trim();
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new ValidationError('Invalid callback URL', `"${trimmed}" is not an absolute URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ValidationError('Invalid callback URL', 'The callback URL must use http or https.');
  }
  if (env === 'live' && url.protocol !== 'https:') {
    throw new ValidationError('Invalid callback URL', 'The callback URL must use https in live.');
  }
  // Live refuses loopback, private and link-local targets up front when the host is an address;
  // names are resolved and checked again at every delivery (src/outbox/target-policy.ts).
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (env === 'live' && (host === 'localhost' || host.endsWith('.localhost') || (isIP(host) && !isPublicAddress(host)))) {
    throw new ValidationError(
      'Invalid callback URL',
      'The callback URL must not point at a loopback, private or link-local address in live.',
    );
  }
  // Credentials in the URL would be sent with every callback and end up in logs.
  if (url.username || url.password) {
    throw new ValidationError('Invalid callback URL', 'The callback URL must not contain a user name or password.');
  }
  return trimmed;
}
