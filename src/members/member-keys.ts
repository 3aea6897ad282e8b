/**
 * A member's own keys (contract §8): unlocking every data key with the Private Key (an Argon2id
 * KEK of it wraps each one), and wrapping them anew when the KDF settings grow stronger.
 */
import { open, seal } from '../crypto/aead.ts';
import { derivePrivateKeyKek, newPrivateKeyKdf, type PrivateKeyKdf } from '../crypto/kdf.ts';
import { AppError, NotFoundError } from '../errors.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { DataKeyRing, wrapContext } from './key-ring.ts';
import { MemberStore } from './member-store.ts';

export class WrongPrivateKeyError extends AppError {
  constructor() {
    super('wrong_private_key', 403, 'The Private Key is not correct.');
  }
}

export class MemberKeys {
  private readonly store: MemberStore;

  constructor(private readonly deps: ServiceDeps) {
    this.store = new MemberStore(deps.db);
  }

  /** Every data key of the member, unwrapped with the Private Key (member's own session). */
  async unlock(uid: number, privateKey: string): Promise<DataKeyRing> {
    const member = await this.store.byUid(uid);
    if (!member) throw new NotFoundError('Member not found');
    const kdf = JSON.parse(member.private_key_kdf) as PrivateKeyKdf;
    const kek = await derivePrivateKeyKek(privateKey, kdf);
    const ring = new DataKeyRing();
    try {
      for (const row of await this.store.memberKeys(uid)) {
        ring.set(row.dataset, open(kek, row.wrapped, wrapContext.member(uid, row.dataset, row.key_version)), row.key_version);
      }
    } catch {
      ring.wipe();
      throw new WrongPrivateKeyError();
    } finally {
      kek.fill(0);
    }
    // CR-12: keys wrapped under weaker Argon2id settings than today's are re-wrapped now.
    if (kdfIsWeaker(kdf, this.deps.config.argon2)) await this.rewrapMemberKeys(uid, ring, privateKey);
    return ring;
  }

  /**
   * Wraps every data key in `ring` under a new KEK of `privateKey` with today's Argon2id settings
   * and a fresh salt, in one transaction. No ciphertext changes (CR-09, CR-12).
   */
  async rewrapMemberKeys(uid: number, ring: DataKeyRing, privateKey: string): Promise<void> {
    const kdf = newPrivateKeyKdf(this.deps.config.argon2);
    const kek = await derivePrivateKeyKek(privateKey, kdf);
    try {
      const wrapped = ring.datasets().map((dataset) => {
        const { key, version } = ring.get(dataset)!;
        return { dataset, wrapped: seal(kek, key, wrapContext.member(uid, dataset, version)) };
      });
      await this.deps.db.transaction().execute((trx) => this.store.in(trx).rewrapMemberKeys(uid, wrapped, JSON.stringify(kdf)));
    } finally {
      kek.fill(0);
    }
  }
}

function kdfIsWeaker(kdf: PrivateKeyKdf, now: { memoryCost: number; timeCost: number }): boolean {
  return kdf.memoryCost < now.memoryCost || kdf.timeCost < now.timeCost;
}
