/**
 * The operator's master key ring: seals connection tokens and signing keys at rest. It lives
 * outside the database (environment or a file) and carries key ids so it can be rotated: the
 * first key seals, every listed key can open.
 */
import { hkdfSync, randomBytes } from 'node:crypto';
import { open, seal } from './aead.ts';

export class MasterKeyRing {
  private readonly keys: Map<string, Buffer>;
  readonly currentKid: string;

  constructor(spec: string) {
    this.keys = new Map();
    let first: string | undefined;
    for (const part of spec.split(',')) {
      const [kid, b64] = part.trim().split(':');
      const key = Buffer.from(b64 ?? '', 'base64');
      if (!kid || key.length !== 32) throw new Error('master key entries must be "<kid>:<base64 of 32 bytes>"');
      this.keys.set(kid, key);
      first ??= kid;
    }
    if (!first) throw new Error('empty master key');
    this.currentKid = first;
  }

  static generateSpec(kid = `mk${Date.now().toString(36)}`): string {
    return `${kid}:${randomBytes(32).toString('base64')}`;
  }

  /** Sealed form: "<kid>.<base64url>"; `context` binds the value to its purpose and owner. */
  seal(plaintext: string | Buffer, context: string): string {
    const key = this.keys.get(this.currentKid)!;
    return `${this.currentKid}.${seal(key, plaintext, `master|${context}`)}`;
  }

  open(sealed: string, context: string): Buffer {
    const dot = sealed.indexOf('.');
    const kid = sealed.slice(0, dot);
    const key = this.keys.get(kid);
    if (dot < 1 || !key) throw new Error(`no master key with id ${kid || '(none)'} is configured`);
    return open(key, sealed.slice(dot + 1), `master|${context}`);
  }

  /**
   * A 32-byte key for `purpose`, derived (HKDF-SHA256) from the current master key: the same in
   * every process of a deployment, and a different one after the master key rotates.
   */
  derive(purpose: string): Buffer {
    const key = this.keys.get(this.currentKid)!;
    return Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), `openpdx|${purpose}`, 32));
  }

  kidOf(sealed: string): string {
    return sealed.slice(0, sealed.indexOf('.'));
  }
}
