import { createHash, timingSafeEqual } from 'node:crypto';

export function sha256Hex(input: string | Buffer): string {
  return createHash('sha256').update(input).digest('hex');
}

export function sha512Hex(input: string | Buffer): string {
  return createHash('sha512').update(input).digest('hex');
}

/**
 * The one comparison for secrets (CR-15): both sides are hashed to equal length first, so
 * unequal lengths return false without throwing and without a length-dependent early exit.
 */
export function safeEqual(a: string | Buffer, b: string | Buffer): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db);
}
