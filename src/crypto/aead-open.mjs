// @ts-check
/**
 * Opening an AES-256-GCM sealed value (format in aead.ts). Plain JavaScript, because the side
 * thread (src/storage/append-thread.mjs) opens metadata records too and loads without a
 * TypeScript loader; aead.ts uses this same function, so there is one implementation.
 *
 * Layout: header(4: format, algorithm, key version) ‖ nonce(12) ‖ tag(16) ‖ ciphertext; the
 * header and the caller's context string are the additional data.
 */
import { createDecipheriv } from 'node:crypto';

export const FORMAT = 1;
export const ALG_AES_256_GCM = 1;
export const HEADER_LEN = 4;
export const NONCE_LEN = 12;
export const TAG_LEN = 16;

export class IntegrityError extends Error {
  constructor(message = 'ciphertext failed authentication') {
    super(message);
    this.name = 'IntegrityError';
  }
}

/**
 * @param {Uint8Array} key 32 bytes
 * @param {Buffer} sealed
 * @param {string} context
 * @returns {Buffer} the plaintext
 */
export function openSealed(key, sealed, context) {
  if (sealed.length < HEADER_LEN + NONCE_LEN + TAG_LEN) throw new IntegrityError('ciphertext too short');
  if (sealed[0] !== FORMAT || sealed[1] !== ALG_AES_256_GCM) {
    throw new IntegrityError('unknown ciphertext format or algorithm');
  }
  const contextBytes = Buffer.byteLength(context, 'utf8');
  const aad = Buffer.allocUnsafe(HEADER_LEN + contextBytes);
  sealed.copy(aad, 0, 0, HEADER_LEN);
  aad.write(context, HEADER_LEN, 'utf8');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(HEADER_LEN, HEADER_LEN + NONCE_LEN), {
      authTagLength: TAG_LEN,
    });
    decipher.setAAD(aad);
    decipher.setAuthTag(sealed.subarray(HEADER_LEN + NONCE_LEN, HEADER_LEN + NONCE_LEN + TAG_LEN));
    const plaintext = decipher.update(sealed.subarray(HEADER_LEN + NONCE_LEN + TAG_LEN));
    // GCM's final() returns nothing more; it is where the tag is checked.
    decipher.final();
    return plaintext;
  } catch {
    throw new IntegrityError();
  }
}
