/**
 * Anti-CSRF tokens (ASVS 3.5.1, SE-05). A form's token is an HMAC of a per-browser secret and the
 * form's action path, so a token lifted from one form cannot be replayed against another. The
 * secret is the session's (member_sessions.csrf_secret) once logged in, and before login a random
 * value in the `__Host-openpdx_csrf` cookie (double submit: a cross-site page can neither read
 * that cookie nor set a `__Host-` cookie of ours).
 */
import { createHmac } from 'node:crypto';
import { safeEqual } from '../crypto/hash.ts';
import { randomSecret } from '../crypto/random.ts';

export function newCsrfSecret(): string {
  return randomSecret();
}

export function csrfToken(secret: string, action: string): string {
  return createHmac('sha256', secret).update(`openpdx-csrf\0${action}`).digest('base64url');
}

export function verifyCsrfToken(secret: string | undefined, action: string, token: unknown): boolean {
  if (!secret || typeof token !== 'string' || token.length === 0 || token.length > 100) return false;
  return safeEqual(csrfToken(secret, action), token);
}
