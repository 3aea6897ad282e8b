// crypto.hash (Node ≥ 20.12) digests in one call without a Hash object: about half the cost of
// createHash().update().digest() for a short input, and the token endpoint hashes on every request.
import { hash, timingSafeEqual } from 'node:crypto';

export function sha256(input: string | Buffer): Buffer {
  return hash('sha256', input, 'buffer');
}

export function sha256Hex(input: string | Buffer): string {
  return hash('sha256', input, 'hex');
}

export function sha512Hex(input: string | Buffer): string {
  return hash('sha512', input, 'hex');
}

/**
 * The one comparison for secrets (CR-15): both sides are hashed to equal length first, so
 * unequal lengths return false without throwing and without a length-dependent early exit.
 */
export function safeEqual(a: string | Buffer, b: string | Buffer): boolean {
  return timingSafeEqual(sha256(a), sha256(b));
}

/**
 * Does SHA-256 of `secret` equal `storedHex`, a digest kept instead of the secret? One hash and a
 * constant-time comparison of the two 32-byte digests; a stored value that is not a 64-character
 * hex digest (a revoked marker, say) never matches.
 */
export function sha256Matches(secret: string | Buffer, storedHex: string): boolean {
  return digestMatchesHex(sha256(secret), storedHex);
}

/**
 * The comparison behind sha256Matches, for a caller that already holds the presented digest
 * (and compares it with more than one stored value). Both sides are digests of equal length by
 * construction, so timingSafeEqual applies directly; hashing them again (safeEqual) would be waste.
 */
export function digestMatchesHex(digest: Buffer, storedHex: string): boolean {
  const stored = Buffer.from(storedHex, 'hex');
  if (stored.length !== digest.length || storedHex.length !== 2 * digest.length) {
    timingSafeEqual(digest, digest);
    return false;
  }
  return timingSafeEqual(digest, stored);
}
