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
 * Scratch space, reused call after call: each thread loads its own copy of this module, and the
 * functions below finish with it before they return, so no two calls share it at once.
 */
const SCRATCH_BYTES = 16 * 1024;
const scratchSealed = Buffer.allocUnsafe(SCRATCH_BYTES);
const scratchPlain = Buffer.allocUnsafe(SCRATCH_BYTES);
const scratchAad = Buffer.allocUnsafe(1024);

/** @param {number} length */
const newPlaintext = (length) => Buffer.allocUnsafe(length);
/** @param {number} length */
const scratchPlaintext = (length) => scratchPlain.subarray(0, length);

/**
 * @param {Uint8Array} key 32 bytes
 * @param {Buffer} sealed
 * @param {string} context
 * @returns {Buffer} the plaintext
 */
export function openSealed(key, sealed, context) {
  return openInto(key, sealed, context, newPlaintext);
}

/**
 * Opens base64url text (what the database stores) to UTF-8 text: the same checks and result as
 * `openSealed(key, Buffer.from(text, 'base64url'), context).toString('utf8')`, with the decoded
 * value and its plaintext in scratch space rather than new buffers. A page of rows opens a hundred
 * values at a time, and those short-lived buffers were a sixth of the cost of opening one
 * (bench/profile). The plaintext's bytes are zero-filled once copied into the string.
 *
 * @param {Uint8Array} key 32 bytes
 * @param {string} text base64url of the sealed value
 * @param {string} context
 * @returns {string} the plaintext
 */
export function openSealedText(key, text, context) {
  // base64url decodes to at most 3 bytes per 4 characters
  if ((text.length * 3) >>> 2 > SCRATCH_BYTES) return openSealed(key, Buffer.from(text, 'base64url'), context).toString('utf8');
  const n = scratchSealed.write(text, 0, 'base64url');
  const plaintext = openInto(key, scratchSealed.subarray(0, n), context, scratchPlaintext);
  const out = plaintext.toString('utf8');
  plaintext.fill(0);
  return out;
}

/**
 * openSealed's work, with an XChaCha20-Poly1305 plaintext written into `plaintextOf(its length)`.
 *
 * @param {Uint8Array} key
 * @param {Buffer} sealed
 * @param {string} context
 * @param {(length: number) => Buffer} plaintextOf
 * @returns {Buffer}
 */
function openInto(key, sealed, context, plaintextOf) {
  const alg = sealed[1];
  if (sealed[0] !== FORMAT || (alg !== ALG_AES_256_GCM && alg !== ALG_XCHACHA20_POLY1305)) {
    throw new IntegrityError('unknown ciphertext format or algorithm');
  }
  const nonceLen = NONCE_LEN[alg];
  const bodyAt = HEADER_LEN + nonceLen + TAG_LEN;
  if (sealed.length < bodyAt) throw new IntegrityError('ciphertext too short');
  // The header and the context: in the scratch when they fit (used only within this call).
  const aadLen = HEADER_LEN + Buffer.byteLength(context, 'utf8');
  const aad = aadLen <= scratchAad.length ? scratchAad.subarray(0, aadLen) : Buffer.allocUnsafe(aadLen);
  sealed.copy(aad, 0, 0, HEADER_LEN);
  aad.write(context, HEADER_LEN, 'utf8');
  const nonce = sealed.subarray(HEADER_LEN, HEADER_LEN + nonceLen);
  const tag = sealed.subarray(HEADER_LEN + nonceLen, bodyAt);
  const body = sealed.subarray(bodyAt);
  if (alg === ALG_XCHACHA20_POLY1305) {
    if (key.length !== sodium.crypto_aead_xchacha20poly1305_ietf_KEYBYTES) throw new IntegrityError('wrong key length');
    const plaintext = plaintextOf(body.length);
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
