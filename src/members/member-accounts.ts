/**
 * Member accounts (contract §8): creating a member with a data key per dataset wrapped under their
 * Private Key, finding one, and checking a password. The Private Key itself is never stored.
 */
import { seal } from '../crypto/aead.ts';
import { derivePrivateKeyKek, hashPassword, newPrivateKeyKdf, passwordNeedsRehash, verifyPassword } from '../crypto/kdf.ts';
import { newDataKey } from '../crypto/random.ts';
import { ConflictError, ValidationError } from '../errors.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { DATA_KEY_VERSION, wrapContext } from './key-ring.ts';
import { MIN_PRIVATE_KEY, memberInputProblems, type NewMemberInput } from './member-rules.ts';
import { MemberStore, type MemberRow } from './member-store.ts';

export interface Member {
  uid: number;
  mydexid: string;
  email: string;
  createdAt: number;
}

export class MemberAccounts {
  private readonly store: MemberStore;

  constructor(private readonly deps: ServiceDeps) {
    this.store = new MemberStore(deps.db);
  }

  async createMember(input: NewMemberInput): Promise<{ uid: number }> {
    const problems = memberInputProblems(input);
    if (problems.length) throw new ValidationError(problems[0]!, problems.join(' '));
    const passwordHash = await hashPassword(input.password, this.deps.config.argon2);
    return this.createMemberWithHash({ mydexid: input.mydexid, email: input.email, passwordHash, privateKey: input.privateKey });
  }

  /**
   * Creates the member and a data key per dataset, wrapped under the Private Key. Used directly by
   * registration links, whose password was hashed when the subscriber sent it.
   */
  async createMemberWithHash(input: {
    mydexid: string;
    email: string;
    passwordHash: string;
    privateKey: string;
  }): Promise<{ uid: number }> {
    if (input.privateKey.length < MIN_PRIVATE_KEY) {
      throw new ValidationError(`Private Key must be at least ${MIN_PRIVATE_KEY} characters.`);
    }
    const mydexid = input.mydexid.trim();
    const email = input.email.trim().toLowerCase();
    const { db, clock, config, catalogue, dialect } = this.deps;
    if (await this.store.byMydexid(mydexid)) throw new ConflictError('Mydexid already in use.');
    if (await this.store.byEmail(email)) throw new ConflictError('Email already in use.');
    // The slow work happens before the transaction so no database lock is held during it.
    const kdf = newPrivateKeyKdf(config.argon2);
    const kek = await derivePrivateKeyKek(input.privateKey, kdf);
    try {
      return await db.transaction().execute(async (trx) => {
        const store = this.store.in(trx);
        const uid = await store.insert({
          mydexid,
          email,
          password_hash: input.passwordHash,
          private_key_kdf: JSON.stringify(kdf),
          created_at: clock.now(),
        });
        await store.insertMemberKeys(
          catalogue.datasets().map((ds) => {
            const dek = newDataKey();
            const wrapped = seal(kek, dek, wrapContext.member(uid, ds.name, DATA_KEY_VERSION));
            dek.fill(0);
            return { uid, dataset: ds.name, wrapped, key_version: DATA_KEY_VERSION };
          }),
        );
        return { uid };
      });
    } catch (err) {
      if (dialect.isUniqueViolation(err)) throw new ConflictError('Mydexid or email already in use.');
      throw err;
    } finally {
      kek.fill(0);
    }
  }

  /** Members in uid order, `limit` at a time, after the uid a previous page ended on. */
  async listMembers(afterUid: number, limit: number): Promise<Member[]> {
    return (await this.store.page(afterUid, limit)).map(toMember);
  }

  /** How many members each connection has now (active grants). */
  activeMemberCounts(nids: readonly number[]): Promise<Map<number, number>> {
    return this.store.activeGrantCounts(nids);
  }

  async getMember(ref: { uid?: number; mydexid?: string; email?: string }): Promise<Member | undefined> {
    const row =
      ref.uid !== undefined
        ? await this.store.byUid(ref.uid)
        : ref.mydexid !== undefined
          ? await this.store.byMydexid(ref.mydexid.trim())
          : ref.email !== undefined
            ? await this.store.byEmail(ref.email.trim().toLowerCase())
            : undefined;
    return row ? toMember(row) : undefined;
  }

  /** Password check for the member web app; the same work is done for unknown MydexIDs. */
  async authenticate(mydexid: string, password: string): Promise<Member | undefined> {
    const { config } = this.deps;
    const row = await this.store.byMydexid(mydexid.trim());
    const ok = await verifyPassword(row?.password_hash ?? DUMMY_HASH, password);
    if (!row || !ok) return undefined;
    // Hashes made with weaker settings than today's are upgraded at the next good login.
    if (passwordNeedsRehash(row.password_hash, config.argon2)) {
      const hash = await hashPassword(password, config.argon2);
      await this.store.setPasswordHash(row.uid, hash);
    }
    return toMember(row);
  }
}

// A real Argon2id hash of a random string, so unknown MydexIDs cost the same as wrong passwords.
const DUMMY_HASH = '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0/1KZWpnDQUZ8eSvdx7cKD3Em7kIHUdeTBQ4BKI1QGw';

function toMember(row: Pick<MemberRow, 'uid' | 'mydexid' | 'email' | 'created_at'>): Member {
  return { uid: row.uid, mydexid: row.mydexid, email: row.email, createdAt: row.created_at };
}
