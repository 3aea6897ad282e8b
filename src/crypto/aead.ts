/**
 * AES-256-GCM sealing with a versioned header. The header (format, algorithm id, key version)
 * is part of the additional data, so changing it fails authentication (CR-13), and the caller's
 * context string binds a ciphertext to its place (member, dataset, instance/row) (CR-03).
 *
 * Layout (then base64url): header(4) ‖ nonce(12) ‖ tag(16) ‖ ciphertext
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const FORMAT = 1;
const ALG_AES_256_GCM = 1;
const HEADER_LEN = 4;
const NONCE_LEN = 12;
const TAG_LEN = 16;

export class IntegrityError extends Error {
  constructor(message = 'ciphertext failed authentication') {
    super(message);
    this.name = 'IntegrityError';
  }
}

function header(keyVersion: number): Buffer {
  const h = Buffer.alloc(HEADER_LEN);
  h.writeUInt8(FORMAT, 0);
  h.writeUInt8(ALG_AES_256_GCM, 1);
  h.writeUInt16BE(keyVersion, 2);
  return h;
}

export function sealBytes(key: Buffer, plaintext: Buffer, context: string, keyVersion = 1): Buffer {
  if (key.length !== 32) throw new Error('AES-256-GCM needs a 32-byte key');
  const h = header(keyVersion);
  const nonce = randomBytes(NONCE_LEN);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_LEN });
  cipher.setAAD(Buffer.concat([h, Buffer.from(context, 'utf8')]));
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([h, nonce, cipher.getAuthTag(), ct]);
}

export function openBytes(key: Buffer, sealed: Buffer, context: string): Buffer {
  if (sealed.length < HEADER_LEN + NONCE_LEN + TAG_LEN) throw new IntegrityError('ciphertext too short');
  const h = sealed.subarray(0, HEADER_LEN);
  if (h.readUInt8(0) !== FORMAT || h.readUInt8(1) !== ALG_AES_256_GCM) {
    throw new IntegrityError('unknown ciphertext format or algorithm');
  }
  const nonce = sealed.subarray(HEADER_LEN, HEADER_LEN + NONCE_LEN);
  const tag = sealed.subarray(HEADER_LEN + NONCE_LEN, HEADER_LEN + NONCE_LEN + TAG_LEN);
  const ct = sealed.subarray(HEADER_LEN + NONCE_LEN + TAG_LEN);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_LEN });
    decipher.setAAD(Buffer.concat([h, Buffer.from(context, 'utf8')]));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ct), decipher.final()]);
  } catch {
    throw new IntegrityError();
  }
}

export function keyVersionOf(sealed: Buffer): number {
  return sealed.readUInt16BE(2);
}

/** String convenience: UTF-8 plaintext in, base64url text out (what the database stores). */
export function seal(key: Buffer, plaintext: string | Buffer, context: string, keyVersion = 1): string {
  const pt = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext;
  return sealBytes(key, pt, context, keyVersion).toString('base64url');
}

export function open(key: Buffer, sealed: string, context: string): Buffer {
  return openBytes(key, Buffer.from(sealed, 'base64url'), context);
}

export function openText(key: Buffer, sealed: string, context: string): string {
  return open(key, sealed, context).toString('utf8');
}
