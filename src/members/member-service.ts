/**
 * Members, their keys and their grants (contract §8). The Private Key and member keys are never
 * stored: an Argon2id KEK of the Private Key wraps each dataset's data key, and at consent the
 * granted datasets' keys are wrapped again under an HKDF key of the new member key.
 */
import { randomBytes } from 'node:crypto';
import { open, seal } from '../crypto/aead.ts';
import { sha256Hex, sha256Matches } from '../crypto/hash.ts';
import {
  deriveMemberKeyKek,
  derivePrivateKeyKek,
  hashPassword,
  newPrivateKeyKdf,
  passwordNeedsRehash,
  verifyPassword,
  type PrivateKeyKdf,
} from '../crypto/kdf.ts';
import { MEMBER_KEY_PATTERN, newDataKey, newMemberKey } from '../crypto/random.ts';
import type { ConnectionService } from '../connections/connection-service.ts';
import { grantedDatasets, type Dssa } from '../connections/dssa.ts';
import { AccessDeniedError, AppError, ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { type ClientPrincipal } from '../oauth/principal.ts';
import type { OutboxService } from '../outbox/outbox-service.ts';
import type { Trx } from '../storage/schema.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { TtlCache } from '../ttl-cache.ts';
import { DataKeyRing, wrapContext } from './key-ring.ts';
import { MIN_PRIVATE_KEY, memberInputProblems, type NewMemberInput } from './member-rules.ts';
import { memberStore, type GrantRow, type MemberRow } from './member-store.ts';
import { OpenedKeyCache } from './opened-key-cache.ts';
import { wholeNumber } from '../ids.ts';

export interface Member {
  uid: number;
  mydexid: string;
  email: string;
  createdAt: number;
}

/** What one connection may do for one member during one request. */
export interface ConnectionAccess {
  uid: number;
  nid: number;
  conId: string;
  grantId: number;
  dssa: Dssa;
  /** data keys of the granted datasets that the request asked for */
  keys: DataKeyRing;
}

export class WrongPrivateKeyError extends AppError {
  constructor() {
    super('wrong_private_key', 403, 'The Private Key is not correct.');
  }
}

const DATA_KEY_VERSION = 1;
const GRANT_CACHE_MS = 900;
/** Same body whether the member, the grant or the key is wrong (MX-07: no existence oracle). */
const connectionDenied = () =>
  new AccessDeniedError(403, 'Bearer error="insufficient_scope"', 'The connection credentials are not valid for this member.');

interface CachedGrant {
  grant: GrantRow;
  /** dataset → data key wrapped under the member-key KEK (ciphertext, safe to hold) */
  wrapped: Map<string, string>;
}

export class MemberService {
  /**
   * Active grants with their wrapped keys, read on every data call. Revocation clears the entry at
   * once in this process; other processes see it within the TTL (AZ-07: within one second).
   */
  private readonly grantCache = new TtlCache<CachedGrant | null>(GRANT_CACHE_MS);
  /** Data keys recently unwrapped by a verified member key (OPENPDX_KEY_CACHE_MS; see the class). */
  readonly openedKeys: OpenedKeyCache;

  constructor(private readonly deps: ServiceDeps & { connections: ConnectionService; outbox: OutboxService }) {
    this.openedKeys = new OpenedKeyCache(deps.config.keyCacheMs);
  }

  /** Wipes the keys held in memory (shutdown). */
  close(): void {
    this.openedKeys.clear();
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
    if (await memberStore.byMydexid(db, mydexid)) throw new ConflictError('Mydexid already in use.');
    if (await memberStore.byEmail(db, email)) throw new ConflictError('Email already in use.');
    // The slow work happens before the transaction so no database lock is held during it.
    const kdf = newPrivateKeyKdf(config.argon2);
    const kek = await derivePrivateKeyKek(input.privateKey, kdf);
    try {
      return await db.transaction().execute(async (trx) => {
        const uid = await memberStore.insert(trx, {
          mydexid,
          email,
          password_hash: input.passwordHash,
          private_key_kdf: JSON.stringify(kdf),
          created_at: clock.now(),
        });
        await memberStore.insertMemberKeys(
          trx,
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

  async getMember(ref: { uid?: number; mydexid?: string; email?: string }): Promise<Member | undefined> {
    const { db } = this.deps;
    const row =
      ref.uid !== undefined
        ? await memberStore.byUid(db, ref.uid)
        : ref.mydexid !== undefined
          ? await memberStore.byMydexid(db, ref.mydexid.trim())
          : ref.email !== undefined
            ? await memberStore.byEmail(db, ref.email.trim().toLowerCase())
            : undefined;
    return row ? toMember(row) : undefined;
  }

  /** Password check for the member web app; the same work is done for unknown MydexIDs. */
  async authenticate(mydexid: string, password: string): Promise<Member | undefined> {
    const { db, config } = this.deps;
    const row = await memberStore.byMydexid(db, mydexid.trim());
    const ok = await verifyPassword(row?.password_hash ?? DUMMY_HASH, password);
    if (!row || !ok) return undefined;
    // Hashes made with weaker settings than today's are upgraded at the next good login.
    if (passwordNeedsRehash(row.password_hash, config.argon2)) {
      const hash = await hashPassword(password, config.argon2);
      await db.updateTable('members').set({ password_hash: hash }).where('uid', '=', row.uid).execute();
    }
    return toMember(row);
  }

  /** Every data key of the member, unwrapped with the Private Key (member's own session). */
  async unlock(uid: number, privateKey: string): Promise<DataKeyRing> {
    const member = await memberStore.byUid(this.deps.db, uid);
    if (!member) throw new NotFoundError('Member not found');
    const kdf = JSON.parse(member.private_key_kdf) as PrivateKeyKdf;
    const kek = await derivePrivateKeyKek(privateKey, kdf);
    const ring = new DataKeyRing();
    try {
      for (const row of await memberStore.memberKeys(this.deps.db, uid)) {
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
      await this.deps.db.transaction().execute(async (trx) => {
        for (const dataset of ring.datasets()) {
          const { key, version } = ring.get(dataset)!;
          const wrapped = seal(kek, key, wrapContext.member(uid, dataset, version));
          await trx
            .updateTable('member_dataset_keys')
            .set({ wrapped })
            .where('uid', '=', uid)
            .where('dataset', '=', dataset)
            .execute();
        }
        await trx
          .updateTable('members')
          .set({ private_key_kdf: JSON.stringify(kdf) })
          .where('uid', '=', uid)
          .execute();
      });
    } finally {
      kek.fill(0);
    }
  }

  /**
   * The member consents to a connection's DSSA (latest, or `version`) with their Private Key. A new
   * member key is made, the granted datasets' keys are wrapped under it, any earlier grant of this
   * connection is shredded, and the key is returned once (for the callback) and then forgotten.
   */
  async consent(input: {
    uid?: number;
    mydexid?: string;
    nid: number;
    privateKey: string;
    version?: number;
    /** runs inside the grant's transaction (e.g. spending the one-time link) */
    within?: (trx: Trx) => Promise<void>;
    /** further callback fields (IDaaS `linking_token`) */
    callbackExtra?: Record<string, string>;
  }): Promise<{ uid: number; conId: string; memberKey: string; dssa: Dssa; grantId: number }> {
    const member = await this.getMember(input);
    if (!member) throw new NotFoundError('Member not found');
    const { connections } = this.deps;
    const dssa =
      input.version === undefined ? await connections.latestDssa(input.nid) : await connections.dssa(input.nid, input.version);
    if (!dssa) throw new NotFoundError('Unknown connection or agreement version');
    const ring = await this.unlock(member.uid, input.privateKey);
    const memberKey = newMemberKey();
    const conId = `${member.uid}-${input.nid}`;
    const salt = randomBytes(16);
    const kek = deriveMemberKeyKek(memberKey, salt, conId);
    try {
      const { db, clock } = this.deps;
      let replaced: number | undefined;
      const grantId = await db.transaction().execute(async (trx) => {
        const previous = await memberStore.activeGrant(trx, member.uid, input.nid);
        if (previous) await memberStore.revokeGrant(trx, previous.id, clock.now());
        replaced = previous?.id;
        const id = await memberStore.insertGrant(trx, {
          uid: member.uid,
          nid: input.nid,
          dssa_version: dssa.version,
          key_verifier: sha256Hex(memberKey),
          kek_salt: salt.toString('base64url'),
          created_at: clock.now(),
          revoked_at: null,
        });
        const rows = [];
        for (const ds of grantedDatasets(dssa.permissions)) {
          const dek = ring.get(ds);
          if (!dek) continue;
          rows.push({ grant_id: id, dataset: ds, wrapped: seal(kek, dek.key, wrapContext.grant(conId, id, ds)) });
        }
        await memberStore.insertGrantKeys(trx, rows);
        // Contract §5.3: the callback is queued with the grant, POST first time, PUT on re-consent.
        await this.deps.outbox.enqueueCallback(trx, {
          nid: input.nid,
          method: previous ? 'PUT' : 'POST',
          uid: member.uid,
          mydexid: member.mydexid,
          memberKey,
          conId,
          permissions: dssa.permissions,
          ...(input.callbackExtra ? { extra: input.callbackExtra } : {}),
        });
        await input.within?.(trx);
        return id;
      });
      this.forgetGrant(member.uid, input.nid, replaced);
      return { uid: member.uid, conId, memberKey, dssa, grantId };
    } finally {
      kek.fill(0);
      ring.wipe();
    }
  }

  async revoke(uid: number, nid: number): Promise<boolean> {
    const { db, clock } = this.deps;
    let revoked: number | undefined;
    return db
      .transaction()
      .execute(async (trx) => {
        const grant = await memberStore.activeGrant(trx, uid, nid);
        if (!grant) return false;
        await memberStore.revokeGrant(trx, grant.id, clock.now());
        await this.deps.outbox.enqueueConnectionEvent(trx, { uid, nid, event: 'connection.revoked' });
        revoked = grant.id;
        return true;
      })
      .finally(() => this.forgetGrant(uid, nid, revoked));
  }

  /** This process stops using a grant at once: its cache entry and any keys it opened. */
  forgetGrant(uid: number, nid: number, grantId: number | undefined): void {
    if (grantId !== undefined) this.openedKeys.forget(grantId);
    this.grantCache.delete(`${uid}-${nid}`);
  }

  private async cachedGrant(uid: number, nid: number): Promise<CachedGrant | null> {
    const key = `${uid}-${nid}`;
    const hit = this.grantCache.get(key);
    if (hit !== undefined) return hit;
    const { db, catalogue } = this.deps;
    const grant = await memberStore.activeGrant(db, uid, nid);
    const value = grant
      ? {
          grant,
          wrapped: new Map(
            (
              await memberStore.grantKeys(
                db,
                grant.id,
                catalogue.datasets().map((d) => d.name),
              )
            ).map((r) => [r.dataset, r.wrapped]),
          ),
        }
      : null;
    this.grantCache.set(key, value);
    return value;
  }

  async activeGrants(uid: number): Promise<{ nid: number; dssaVersion: number; createdAt: number }[]> {
    const rows = await memberStore.grantsOf(this.deps.db, uid);
    return rows.map((g) => ({ nid: g.nid, dssaVersion: g.dssa_version, createdAt: g.created_at }));
  }

  /**
   * Checks a subscriber's `con_id` and member key against the calling client's organisation (and,
   * when given, against the uid the request names) and unwraps the keys of `datasets` that the
   * grant holds. Every failure is the same 403.
   */
  async connectionAccess(
    principal: ClientPrincipal,
    conIdGiven: string,
    memberKeyGiven: string,
    datasets: readonly string[],
    forUid?: number,
  ): Promise<ConnectionAccess> {
    const conId = conIdGiven.trim();
    const memberKey = memberKeyGiven.trim();
    const m = /^(\d{1,15})-(\d{1,15})$/.exec(conId);
    const uid = wholeNumber(m?.[1]);
    const nid = wholeNumber(m?.[2]);
    if (uid === undefined || nid === undefined || !MEMBER_KEY_PATTERN.test(memberKey)) throw connectionDenied();
    const { connections } = this.deps;
    const [cached, connection] = await Promise.all([this.cachedGrant(uid, nid), connections.getConnection(nid)]);
    const grant = cached?.grant;
    const { openedKeys } = this;
    // A key this grant's cached keys were opened with was verified then: no need to hash it again.
    const keyOk =
      (grant !== undefined && openedKeys.holdsMemberKey(grant.id, memberKey)) ||
      sha256Matches(memberKey, grant?.key_verifier ?? '');
    if (
      !cached ||
      !grant ||
      !connection ||
      connection.orgId !== principal.orgId ||
      !keyOk ||
      (forUid !== undefined && forUid !== uid)
    ) {
      throw connectionDenied();
    }
    const dssa = await connections.dssa(nid, grant.dssa_version);
    if (!dssa) throw connectionDenied();
    // The member key is verified above; only then may keys it opened earlier be reused.
    const keys = new DataKeyRing();
    let kek: Buffer | undefined;
    try {
      for (const ds of datasets) {
        const wrapped = cached.wrapped.get(ds);
        if (!wrapped) continue;
        let key = openedKeys.get(grant.id, ds);
        if (!key) {
          kek ??= deriveMemberKeyKek(memberKey, Buffer.from(grant.kek_salt, 'base64url'), conId);
          key = open(kek, wrapped, wrapContext.grant(conId, grant.id, ds));
          openedKeys.put(grant.id, ds, key);
        }
        keys.set(ds, key, DATA_KEY_VERSION);
      }
      openedKeys.rememberMemberKey(grant.id, memberKey);
    } catch {
      keys.wipe();
      throw connectionDenied();
    } finally {
      kek?.fill(0);
    }
    return { uid, nid, conId, grantId: grant.id, dssa, keys };
  }
}

// A real Argon2id hash of a random string, so unknown MydexIDs cost the same as wrong passwords.
const DUMMY_HASH = '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0/1KZWpnDQUZ8eSvdx7cKD3Em7kIHUdeTBQ4BKI1QGw';

function kdfIsWeaker(kdf: PrivateKeyKdf, now: { memoryCost: number; timeCost: number }): boolean {
  return kdf.memoryCost < now.memoryCost || kdf.timeCost < now.timeCost;
}

function toMember(row: MemberRow): Member {
  return { uid: row.uid, mydexid: row.mydexid, email: row.email, createdAt: row.created_at };
}
