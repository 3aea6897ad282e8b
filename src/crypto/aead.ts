/**
 * AES-256-GCM sealing with a versioned header. The header (format, algorithm id, key version)
 * is part of the additional data, so changing it fails authentication (CR-13), and the caller's
 * context string binds a ciphertext to its place (member, dataset, instance/row) (CR-03).
 *
 * Layout (then base64url): header(4) ‖ nonce(12) ‖ tag(16) ‖ ciphertext
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { ALG_AES_256_GCM, FORMAT, HEADER_LEN, IntegrityError, NONCE_LEN, TAG_LEN, openSealed } from './aead-open.mjs';

export { IntegrityError };

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
  return openSealed(key, sealed, context);
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
