/**
 * The ES256 keys access tokens are signed with (contract §2, RFC 9068). Private keys are stored
 * sealed under the master key; every process signs with the newest unretired key it has read from
 * the database, so processes sharing a database agree within one refresh period.
 */
import { createPrivateKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import type { Kysely, Selectable } from 'kysely';
import type { Clock } from '../clock.ts';
import type { MasterKeyRing } from '../crypto/master-key.ts';
import type { Database, SigningKeyTable } from '../storage/schema.ts';
import { SigningKeyStore } from './signing-key-store.ts';

export const SIGNING_ALG = 'ES256';
/** A retired key stays published (and accepted) this long past the last token it can have signed. */
const RETIREMENT_MARGIN_SECONDS = 60;
/**
 * Re-reads triggered by an unknown `kid` start at least this far apart, so random kids cost the
 * database at most a few small reads a second; a genuine new key waits at most this long.
 */
const UNKNOWN_KID_RELOAD_MS = 200;

interface PublishedKey {
  kid: string;
  publicJwk: JWK;
  /** a WebCrypto key: jose verifies with it about 15% faster than with a KeyObject */
  verifyKey: CryptoKey;
  createdAt: number;
  retiredAt: number | null;
}

export interface Signer {
  kid: string;
  key: KeyObject;
  /** base64url of the JWS protected header, computed once per key */
  encodedHeader: string;
}

export interface SigningKeyRingOptions {
  db: Kysely<Database>;
  masterKeys: MasterKeyRing;
  clock: Clock;
  tokenTtl: number;
}

export class SigningKeyRing {
  private keys = new Map<string, PublishedKey>();
  private signer: Signer | undefined;
  private loading: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  private unknownKidReload: Promise<void> | undefined;
  private lastUnknownKidReload = -Infinity;
  private readonly store: SigningKeyStore;

  constructor(private readonly o: SigningKeyRingOptions) {
    this.store = new SigningKeyStore(o.db);
  }

  /** On start: make sure some key can sign, then load the ring. */
  async ensureKey(): Promise<void> {
    if (!(await this.store.anyLive())) await this.insertNewKey(false);
    await this.refresh();
  }

  /** A new key signs from now on; the others are retired but stay published until their tokens expire. */
  async rotate(): Promise<{ kid: string }> {
    const kid = await this.insertNewKey(true);
    await this.refresh();
    return { kid };
  }

  currentSigner(): Signer {
    if (!this.signer) throw new Error('no signing key loaded: call start() first');
    return this.signer;
  }

  /** The public key for `kid` if it is still published; an unknown kid triggers one (throttled) re-read. */
  async verificationKey(kid: string): Promise<CryptoKey | undefined> {
    const known = this.publishedKey(kid);
    if (known || this.keys.has(kid)) return known;
    await this.reloadForUnknownKid();
    return this.publishedKey(kid);
  }

  /** RFC 7517 key set: every key that signs now or signed a token that may still be alive. */
  jwks(): { keys: JWK[] } {
    const now = this.o.clock.now();
    return keySet([...this.keys.values()].filter((k) => this.isPublished(k, now)));
  }

  /**
   * Every key this deployment has signed with, retired ones too: consent receipts are signed
   * with these keys and must stay verifiable for as long as they are kept.
   */
  everyKey(): { keys: JWK[] } {
    return keySet([...this.keys.values()]);
  }

  /**
   * Re-reads the key table with a read that starts after this call (so it sees any key inserted
   * before it); reads never overlap, and callers waiting for the next one share it.
   */
  refresh(): Promise<void> {
    if (this.queued) return this.queued;
    if (!this.loading) {
      this.loading = this.load().finally(() => {
        this.loading = undefined;
      });
      return this.loading;
    }
    this.queued = this.loading
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        return this.refresh();
      });
    return this.queued;
  }

  private reloadForUnknownKid(): Promise<void> {
    this.unknownKidReload ??= (async () => {
      // Always yield first, so the assignment above happens before the reset below.
      await delay(Math.max(0, this.lastUnknownKidReload + UNKNOWN_KID_RELOAD_MS - performance.now()));
      // Requests arriving from here on need a read that starts later than this one.
      this.unknownKidReload = undefined;
      this.lastUnknownKidReload = performance.now();
      await this.refresh();
    })();
    return this.unknownKidReload;
  }

  private async load(): Promise<void> {
    const oldest = this.o.clock.now() - this.window();
    const rows = await this.store.published(oldest);
    const next = new Map<string, PublishedKey>();
    for (const row of rows) {
      const known = this.keys.get(row.kid);
      next.set(row.kid, known ? { ...known, retiredAt: row.retired_at } : await toPublishedKey(row));
    }
    this.keys = next;
    const newest = rows
      .filter((r) => r.retired_at === null)
      .sort((a, b) => b.created_at - a.created_at || (a.kid < b.kid ? 1 : -1))[0];
    if (newest && newest.kid !== this.signer?.kid) this.signer = this.openSigner(newest);
  }

  private openSigner(row: Selectable<SigningKeyTable>): Signer {
    const jwk = JSON.parse(this.o.masterKeys.open(row.private_jwk_enc, sealContext(row.kid)).toString('utf8')) as JWK;
    const header = { alg: SIGNING_ALG, kid: row.kid, typ: 'at+jwt' };
    return {
      kid: row.kid,
      key: createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' }),
      encodedHeader: Buffer.from(JSON.stringify(header)).toString('base64url'),
    };
  }

  private async insertNewKey(retireOthers: boolean): Promise<string> {
    const { publicKey, privateKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
    const publicJwk = await exportJWK(publicKey);
    const privateJwk = await exportJWK(privateKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    const now = this.o.clock.now();
    const row = {
      kid,
      alg: SIGNING_ALG,
      public_jwk: JSON.stringify(publicJwk),
      private_jwk_enc: this.o.masterKeys.seal(JSON.stringify(privateJwk), sealContext(kid)),
      created_at: now,
      retired_at: null,
    };
    await this.store.insert(row, retireOthers, now);
    return kid;
  }

  private publishedKey(kid: string): CryptoKey | undefined {
    const key = this.keys.get(kid);
    return key && this.isPublished(key, this.o.clock.now()) ? key.verifyKey : undefined;
  }

  private isPublished(key: PublishedKey, now: number): boolean {
    return key.retiredAt === null || key.retiredAt + this.window() > now;
  }

  private window(): number {
    return this.o.tokenTtl + RETIREMENT_MARGIN_SECONDS;
  }
}

function keySet(keys: PublishedKey[]): { keys: JWK[] } {
  return {
    keys: keys
      .sort((a, b) => b.createdAt - a.createdAt || (a.kid < b.kid ? 1 : -1))
      .map((k) => ({ ...k.publicJwk, kid: k.kid, alg: SIGNING_ALG, use: 'sig' })),
  };
}

function sealContext(kid: string): string {
  return `signing-key|${kid}`;
}

async function toPublishedKey(row: Selectable<SigningKeyTable>): Promise<PublishedKey> {
  const publicJwk = JSON.parse(row.public_jwk) as JWK;
  return {
    kid: row.kid,
    publicJwk,
    verifyKey: (await importJWK(publicJwk, SIGNING_ALG)) as CryptoKey,
    createdAt: row.created_at,
    retiredAt: row.retired_at,
  };
}
