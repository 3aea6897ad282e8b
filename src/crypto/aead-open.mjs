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

/**
 * Scratch space for openSealedText, reused call after call: each thread loads its own copy of this
 * module, and the function finishes before it returns, so no two calls share it at once.
 */
const SCRATCH_BYTES = 16 * 1024;
const scratchSealed = Buffer.allocUnsafe(SCRATCH_BYTES);
const scratchPlain = Buffer.allocUnsafe(SCRATCH_BYTES);
const scratchAad = Buffer.allocUnsafe(1024);
const X_NONCE_LEN = NONCE_LEN[ALG_XCHACHA20_POLY1305];
const X_BODY_AT = HEADER_LEN + X_NONCE_LEN + TAG_LEN;
const scratchNonce = scratchSealed.subarray(HEADER_LEN, HEADER_LEN + X_NONCE_LEN);
const scratchTag = scratchSealed.subarray(HEADER_LEN + X_NONCE_LEN, X_BODY_AT);

/**
 * Opens base64url text (what the database stores) to UTF-8 text: the same checks and result as
 * `openSealed(key, Buffer.from(text, 'base64url'), context).toString('utf8')`, without its three
 * buffers per value. A page of rows opens a hundred values at a time, and those short-lived buffers
 * were a sixth of the cost of opening one (bench/profile). Values too large for the scratch space,
 * and algorithm 1, take openSealed's path.
 *
 * @param {Uint8Array} key 32 bytes
 * @param {string} text base64url of the sealed value
 * @param {string} context
 * @returns {string} the plaintext
 */
export function openSealedText(key, text, context) {
  // base64url decodes to at most 3 bytes per 4 characters; the context is at most 3 bytes a unit
  if (((text.length * 3) >>> 2) + 3 > SCRATCH_BYTES || HEADER_LEN + 3 * context.length > scratchAad.length) {
    return openSealed(key, Buffer.from(text, 'base64url'), context).toString('utf8');
  }
  const n = scratchSealed.write(text, 0, 'base64url');
  if (n < X_BODY_AT || scratchSealed[0] !== FORMAT || scratchSealed[1] !== ALG_XCHACHA20_POLY1305) {
    return openSealed(key, Buffer.from(scratchSealed.subarray(0, n)), context).toString('utf8');
  }
  if (key.length !== sodium.crypto_aead_xchacha20poly1305_ietf_KEYBYTES) throw new IntegrityError('wrong key length');
  scratchSealed.copy(scratchAad, 0, 0, HEADER_LEN);
  const aadLen = HEADER_LEN + scratchAad.write(context, HEADER_LEN, 'utf8');
  const bodyLen = n - X_BODY_AT;
  try {
    sodium.crypto_aead_xchacha20poly1305_ietf_decrypt_detached(
      scratchPlain.subarray(0, bodyLen),
      null,
      scratchSealed.subarray(X_BODY_AT, n),
      scratchTag,
      scratchAad.subarray(0, aadLen),
      scratchNonce,
      key,
    );
  } catch {
    throw new IntegrityError();
  }
  const plaintext = scratchPlain.toString('utf8', 0, bodyLen);
  // The plaintext's bytes do not stay behind in the scratch until the next value overwrites them.
  scratchPlain.fill(0, 0, bodyLen);
  return plaintext;
}
