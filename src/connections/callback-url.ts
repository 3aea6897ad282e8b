import { ValidationError } from '../errors.ts';

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
  // Credentials in the URL would be sent with every callback and end up in logs.
  if (url.username || url.password) {
    throw new ValidationError('Invalid callback URL', 'The callback URL must not contain a user name or password.');
  }
  return trimmed;
}
