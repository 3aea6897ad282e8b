/**
 * Authenticated sealing with a versioned header. The header (format, algorithm id, key version)
 * is part of the additional data, so changing it fails authentication (CR-13), and the caller's
 * context string binds a ciphertext to its place (member, dataset, instance/row) (CR-03).
 *
 * Every seal is XChaCha20-Poly1305 (libsodium through sodium-native): its 192-bit random nonce
 * never needs counting, however many values one key seals, and opening a value costs a third of
 * what a node:crypto AES-256-GCM decipher did (the per-call setup, not the cipher, dominated a
 * 300-byte row). Values sealed earlier with AES-256-GCM (algorithm 1) still open; see
 * aead-open.mjs and docs/crypto-inventory.md.
 *
 * Layout (then base64url): header(4) ‖ nonce(24) ‖ tag(16) ‖ ciphertext
 */
import sodium from 'sodium-native';
import {
  ALG_XCHACHA20_POLY1305,
  FORMAT,
  HEADER_LEN,
  IntegrityError,
  NONCE_LEN,
  TAG_LEN,
  openSealed,
  openSealedText,
} from './aead-open.mjs';

export { IntegrityError };

const NONCE = NONCE_LEN[ALG_XCHACHA20_POLY1305];

export function sealBytes(key: Buffer, plaintext: Buffer, context: string, keyVersion = 1): Buffer {
  if (key.length !== 32) throw new Error('XChaCha20-Poly1305 needs a 32-byte key');
  const contextBytes = Buffer.byteLength(context, 'utf8');
  const out = Buffer.allocUnsafe(HEADER_LEN + NONCE + TAG_LEN + plaintext.length);
  out.writeUInt8(FORMAT, 0);
  out.writeUInt8(ALG_XCHACHA20_POLY1305, 1);
  out.writeUInt16BE(keyVersion, 2);
  const nonce = out.subarray(HEADER_LEN, HEADER_LEN + NONCE);
  sodium.randombytes_buf(nonce);
  const aad = Buffer.allocUnsafe(HEADER_LEN + contextBytes);
  out.copy(aad, 0, 0, HEADER_LEN);
  aad.write(context, HEADER_LEN, 'utf8');
  const tag = out.subarray(HEADER_LEN + NONCE, HEADER_LEN + NONCE + TAG_LEN);
  const body = out.subarray(HEADER_LEN + NONCE + TAG_LEN);
  sodium.crypto_aead_xchacha20poly1305_ietf_encrypt_detached(body, tag, plaintext, aad, null, nonce, key);
  return out;
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
  return openSealedText(key, sealed, context);
}
