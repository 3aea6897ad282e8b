import { hkdfSync, randomBytes } from 'node:crypto';
import argon2 from 'argon2';

export interface Argon2Settings {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

/** OWASP Password Storage Cheat Sheet floor for Argon2id (CR-11). */
const ARGON2_FLOOR = { memoryCost: 19456, timeCost: 2 } as const;

export interface PrivateKeyKdf extends Argon2Settings {
  alg: 'argon2id';
  /** base64url, 16 random bytes, unique per member */
  salt: string;
}

function assertAboveFloor(s: Argon2Settings): void {
  if (s.memoryCost < ARGON2_FLOOR.memoryCost || s.timeCost < ARGON2_FLOOR.timeCost) {
    throw new Error('Argon2id parameters are below the OWASP floor (m=19 MiB, t=2)');
  }
}

export function newPrivateKeyKdf(s: Argon2Settings): PrivateKeyKdf {
  assertAboveFloor(s);
  return { alg: 'argon2id', ...s, salt: randomBytes(16).toString('base64url') };
}

/** The member's key-encryption key: Argon2id of the Private Key (never stored). */
export async function derivePrivateKeyKek(privateKey: string, kdf: PrivateKeyKdf): Promise<Buffer> {
  return argon2.hash(privateKey, {
    type: argon2.argon2id,
    raw: true,
    hashLength: 32,
    salt: Buffer.from(kdf.salt, 'base64url'),
    memoryCost: kdf.memoryCost,
    timeCost: kdf.timeCost,
    parallelism: kdf.parallelism,
  });
}

export async function hashPassword(password: string, s: Argon2Settings): Promise<string> {
  assertAboveFloor(s);
  return argon2.hash(password, { type: argon2.argon2id, ...s });
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

/** True when a stored hash was made with weaker parameters than `s` (CR-12 upgrade on login). */
export function passwordNeedsRehash(hash: string, s: Argon2Settings): boolean {
  return argon2.needsRehash(hash, { memoryCost: s.memoryCost, timeCost: s.timeCost, parallelism: s.parallelism });
}

/** Key-encryption key for a connection's member key: HKDF-SHA256 bound to the con_id. */
export function deriveMemberKeyKek(memberKey: string, salt: Buffer, conId: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(memberKey, 'utf8'), salt, `openpdx-member-key|${conId}`, 32));
}
