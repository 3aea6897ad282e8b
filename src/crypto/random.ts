import { randomBytes, randomInt } from 'node:crypto';

/** A 256-bit random secret as base64url, optionally prefixed (`pdx_cs_…`). */
export function randomSecret(prefix = '', bytes = 32): string {
  return prefix + randomBytes(bytes).toString('base64url');
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Contract §5.2: 32 characters of [A-Za-z0-9] from a CSPRNG (≈190 bits), no modulo bias. */
export function newMemberKey(): string {
  let out = '';
  for (let i = 0; i < 32; i++) out += ALNUM[randomInt(ALNUM.length)];
  return out;
}

export const MEMBER_KEY_PATTERN = /^[A-Za-z0-9]{32}$/;

export function newDataKey(): Buffer {
  return randomBytes(32);
}
