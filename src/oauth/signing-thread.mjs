// @ts-check
/**
 * Worker thread behind ThreadSigner (thread-signer.ts): signs JWS inputs with ES256. Signing on
 * the event loop cost about three times what it costs here, where the elliptic-curve code stays
 * in this core's caches; libuv's shared pool (what crypto.sign with a callback uses) spread it over
 * four threads that contend with each other and with Argon2 work.
 *
 * Plain JavaScript for the same reason as src/storage/append-thread.mjs: it loads without a
 * TypeScript loader.
 */
import { sign } from 'node:crypto';
import { parentPort } from 'node:worker_threads';

/** Private keys by kid, as the parent sent them (KeyObjects cross threads by cloning). */
/** @type {Map<string, import('node:crypto').KeyObject>} */
const keys = new Map();
const MAX_KEYS = 16;

parentPort?.on(
  'message',
  /**
   * @param {{ id: number, kid: string, key?: import('node:crypto').KeyObject, inputs: string[] } | { close: true }} msg
   */
  (msg) => {
    if ('close' in msg) {
      keys.clear();
      parentPort?.close();
      return;
    }
    try {
      if (msg.key) {
        if (keys.size >= MAX_KEYS) keys.delete(/** @type {string} */ (keys.keys().next().value));
        keys.set(msg.kid, msg.key);
      }
      const key = keys.get(msg.kid);
      if (!key) throw new Error(`no signing key ${msg.kid} in the signing thread`);
      // JWS (RFC 7518 §3.4) wants the raw r||s signature, not DER.
      const signatures = msg.inputs.map((input) =>
        sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url'),
      );
      parentPort?.postMessage({ id: msg.id, signatures });
    } catch (err) {
      parentPort?.postMessage({ id: msg.id, error: String(/** @type {Error} */ (err).message ?? err) });
    }
  },
);
