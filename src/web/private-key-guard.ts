/**
 * Everything that takes the member's Private Key goes through here: after 5 wrong keys in 15
 * minutes, Private Key entry is locked for 15 minutes. The key itself is only passed through to
 * the service for this one request; it is never kept in the session, a cookie or a hidden field.
 */
import type { FastifyBaseLogger } from 'fastify';
import { WrongPrivateKeyError } from '../members/member-keys.ts';
import { securityEvent } from '../security-events.ts';
import { throttleKeys } from '../members/throttle-keys.ts';
import { PRIVATE_KEY_RULE, type AuthThrottle } from '../members/auth-throttle-store.ts';
import { lockedMessage } from './views/format.ts';

export type Guarded<T> = { ok: true; value: T } | { ok: false; status: number; error: string };

const WRONG_PRIVATE_KEY = 'The Private Key is not correct. Check it and try again.';

export async function withPrivateKey<T>(
  throttle: AuthThrottle,
  log: FastifyBaseLogger,
  uid: number,
  privateKey: string,
  fn: (privateKey: string) => Promise<T>,
): Promise<Guarded<T>> {
  if (!privateKey) return { ok: false, status: 400, error: 'Enter your Private Key.' };
  const key = [[throttleKeys.privateKey(uid), PRIVATE_KEY_RULE]] as const;
  const verdict = await throttle.attempt(key);
  if (!verdict.allowed) {
    securityEvent(log, 'auth.private_key_locked', { uid, until: verdict.until });
    return { ok: false, status: 429, error: lockedMessage('Entering your Private Key', verdict.until) };
  }
  let value: T;
  try {
    value = await fn(privateKey);
  } catch (err) {
    if (!(err instanceof WrongPrivateKeyError)) {
      // Not a guess that failed (a bad value, say): the attempt is not held against the member.
      await throttle.succeeded([throttleKeys.privateKey(uid)]);
      throw err;
    }
    const until = await throttle.failed(key);
    securityEvent(log, until ? 'auth.private_key_locked' : 'auth.private_key_failed', { uid, until });
    return {
      ok: false,
      status: until ? 429 : 403,
      error: until ? lockedMessage('Entering your Private Key', until) : WRONG_PRIVATE_KEY,
    };
  }
  await throttle.succeeded([], [throttleKeys.privateKey(uid)]);
  return { ok: true, value };
}
