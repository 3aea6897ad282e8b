// @ts-check
/**
 * Opening a sealed value (format in aead.ts). Plain JavaScript, because the side thread
 * (src/storage/append-thread.mjs) opens metadata records and rows too and loads without a
 * TypeScript loader; aead.ts uses this same function, so there is one implementation.
 *
 * Layout: header(4: format, algorithm, key version) ‖ nonce ‖ tag(16) ‖ ciphertext; the header and
 * the caller's context string are the additional data. Two algorithms open:
 * - 2, XChaCha20-Poly1305 (libsodium, 24-byte nonce): what every seal writes;
 * - 1, AES-256-GCM (node:crypto, 12-byte nonce): what OpenPDX wrote before, still read, so
 *   values sealed then open unchanged and are re-sealed with algorithm 2 when next written.
 * Any other algorithm id is refused, never guessed.
 */
import { createDecipheriv } from 'node:crypto';
import sodium from 'sodium-native';

export const FORMAT = 1;
const ALG_AES_256_GCM = 1;
export const ALG_XCHACHA20_POLY1305 = 2;
export const HEADER_LEN = 4;
/** nonce length of each algorithm id */
export const NONCE_LEN = { [ALG_AES_256_GCM]: 12, [ALG_XCHACHA20_POLY1305]: 24 };
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
  const alg = sealed[1];
  if (sealed[0] !== FORMAT || (alg !== ALG_AES_256_GCM && alg !== ALG_XCHACHA20_POLY1305)) {
    throw new IntegrityError('unknown ciphertext format or algorithm');
  }
  const nonceLen = NONCE_LEN[alg];
  const bodyAt = HEADER_LEN + nonceLen + TAG_LEN;
  if (sealed.length < bodyAt) throw new IntegrityError('ciphertext too short');
  const contextBytes = Buffer.byteLength(context, 'utf8');
  const aad = Buffer.allocUnsafe(HEADER_LEN + contextBytes);
  sealed.copy(aad, 0, 0, HEADER_LEN);
  aad.write(context, HEADER_LEN, 'utf8');
  const nonce = sealed.subarray(HEADER_LEN, HEADER_LEN + nonceLen);
  const tag = sealed.subarray(HEADER_LEN + nonceLen, bodyAt);
  const body = sealed.subarray(bodyAt);
  if (alg === ALG_XCHACHA20_POLY1305) {
    if (key.length !== sodium.crypto_aead_xchacha20poly1305_ietf_KEYBYTES) throw new IntegrityError('wrong key length');
    const plaintext = Buffer.allocUnsafe(body.length);
    try {
      sodium.crypto_aead_xchacha20poly1305_ietf_decrypt_detached(plaintext, null, body, tag, aad, nonce, key);
    } catch {
      throw new IntegrityError();
    }
    return plaintext;
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_LEN });
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    const plaintext = decipher.update(body);
    // GCM's final() returns nothing more; it is where the tag is checked.
    decipher.final();
    return plaintext;
  } catch {
    throw new IntegrityError();
  }
}
