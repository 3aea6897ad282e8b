/**
 * A member's grants to connections (contract §5, §8): consent makes a new member key and wraps the
 * granted datasets' keys under it, revocation shreds them, and the active grants are cached for
 * the data calls that check them (ConnectionAccessCheck).
 */
import { randomBytes } from 'node:crypto';
import { seal } from '../crypto/aead.ts';
import { sha256Hex } from '../crypto/hash.ts';
import { deriveMemberKeyKek } from '../crypto/kdf.ts';
import { newMemberKey } from '../crypto/random.ts';
import type { ConnectionService } from '../connections/connection-service.ts';
import { grantedDatasets, type Dssa } from '../connections/dssa.ts';
import { conIdOf } from '../connections/nid.ts';
import { NotFoundError } from '../errors.ts';
import type { OutboxService } from '../outbox/outbox-service.ts';
import type { Trx } from '../storage/schema.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { TtlCache } from '../ttl-cache.ts';
import { wrapContext } from './key-ring.ts';
import type { MemberAccounts } from './member-accounts.ts';
import type { MemberKeys } from './member-keys.ts';
import { MemberStore, type GrantRow } from './member-store.ts';
import { OpenedKeyCache } from './opened-key-cache.ts';
import type { ConsentReceipts, WithdrawalParty } from '../receipts/consent-receipts.ts';
import type { ReceiptRow } from '../receipts/consent-receipt-store.ts';

const GRANT_CACHE_MS = 900;

export interface CachedGrant {
  grant: GrantRow;
  /** dataset → data key wrapped under the member-key KEK (ciphertext, safe to hold) */
  wrapped: Map<string, string>;
}

export class Grants {
  /**
   * Active grants with their wrapped keys, read on every data call. Revocation clears the entry at
   * once in this process; other processes see it within the TTL (AZ-07: within one second).
   */
  private readonly grantCache = new TtlCache<CachedGrant | null>(GRANT_CACHE_MS);
  /** Data keys recently unwrapped by a verified member key (OPENPDX_KEY_CACHE_MS; see the class). */
  readonly openedKeys: OpenedKeyCache;
  private readonly store: MemberStore;

  constructor(
    private readonly deps: ServiceDeps & {
      connections: ConnectionService;
      outbox: OutboxService;
      accounts: MemberAccounts;
      keys: MemberKeys;
      receipts: ConsentReceipts;
    },
  ) {
    this.openedKeys = new OpenedKeyCache(deps.config.keyCacheMs);
    this.store = new MemberStore(deps.db);
  }

  /** Wipes the keys held in memory (shutdown). */
  close(): void {
    this.openedKeys.clear();
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
    const member = await this.deps.accounts.getMember(input);
    if (!member) throw new NotFoundError('Member not found');
    const { connections } = this.deps;
    const dssa =
      input.version === undefined ? await connections.latestDssa(input.nid) : await connections.dssa(input.nid, input.version);
    if (!dssa) throw new NotFoundError('Unknown connection or agreement version');
    const ring = await this.deps.keys.unlock(member.uid, input.privateKey);
    const memberKey = newMemberKey();
    const conId = conIdOf(member.uid, input.nid);
    const salt = randomBytes(16);
    const kek = deriveMemberKeyKek(memberKey, salt, conId);
    const party = await this.deps.receipts.party(input.nid);
    try {
      const { db, clock } = this.deps;
      let replaced: number | undefined;
      const grantId = await db.transaction().execute(async (trx) => {
        const store = this.store.in(trx);
        const previous = await store.activeGrant(member.uid, input.nid);
        if (previous) await store.revokeGrant(previous.id, clock.now());
        replaced = previous?.id;
        const id = await store.insertGrant({
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
        await store.insertGrantKeys(rows);
        // The link is spent first: of two simultaneous approvals, the loser fails there, as before.
        await input.within?.(trx);
        const receipt = await this.deps.receipts.record(trx, party, {
          uid: member.uid,
          nid: input.nid,
          conId,
          event: previous ? 'consent.updated' : 'consent.given',
          dssa,
          by: 'member',
        });
        // Contract §5.3: the callback is queued with the grant, POST first time, PUT on re-consent.
        // The signed receipt rides along as an added field (docs/consent-receipts.md).
        await this.deps.outbox.enqueueCallback(trx, {
          nid: input.nid,
          method: previous ? 'PUT' : 'POST',
          uid: member.uid,
          mydexid: member.mydexid,
          memberKey,
          conId,
          permissions: dssa.permissions,
          ...(input.callbackExtra ? { extra: input.callbackExtra } : {}),
          consentReceipt: receipt.jws,
        });
        return id;
      });
      this.forgetGrant(member.uid, input.nid, replaced);
      return { uid: member.uid, conId, memberKey, dssa, grantId };
    } finally {
      kek.fill(0);
      ring.wipe();
    }
  }

  /** The member ends the connection: the organisation is told (a connection event). */
  async revoke(uid: number, nid: number): Promise<boolean> {
    const receipt = await this.end(uid, nid, 'member', (trx) =>
      this.deps.outbox.enqueueConnectionEvent(trx, { uid, nid, event: 'connection.revoked' }),
    );
    return receipt !== undefined;
  }

  /**
   * The organisation ends its connection with the member (it asked: no event back to it); `within`
   * runs in the same transaction (the member's email). Undefined when there was no active grant.
   */
  withdrawForController(uid: number, nid: number, within: (trx: Trx) => Promise<unknown>): Promise<ReceiptRow | undefined> {
    return this.end(uid, nid, 'controller', within);
  }

  private async end(
    uid: number,
    nid: number,
    by: 'member' | 'controller',
    within: (trx: Trx) => Promise<unknown>,
  ): Promise<ReceiptRow | undefined> {
    const { db, clock } = this.deps;
    let revoked: number | undefined;
    const party = await this.deps.receipts.withdrawalParty(nid);
    return db
      .transaction()
      .execute(async (trx) => {
        const store = this.store.in(trx);
        const grant = await store.activeGrant(uid, nid);
        if (!grant) return undefined;
        await store.revokeGrant(grant.id, clock.now());
        const receipt = await this.recordWithdrawal(trx, party, grant, { by });
        await within(trx);
        revoked = grant.id;
        return receipt;
      })
      .finally(() => this.forgetGrant(uid, nid, revoked));
  }

  /**
   * The receipt of a grant's end: by the member (the default) or the organisation, or (`reason`)
   * with the member's deletion. In the caller's transaction.
   */
  async recordWithdrawal(
    trx: Trx,
    party: WithdrawalParty,
    grant: GrantRow,
    { reason, by = 'member' }: { reason?: 'member.deleted'; by?: 'member' | 'controller' } = {},
  ): Promise<ReceiptRow> {
    // Agreement versions are never deleted, and the grant names one of them.
    const dssa = party.agreements.find((d) => d.version === grant.dssa_version);
    if (!dssa) throw new Error(`connection ${grant.nid} has no agreement version ${grant.dssa_version}`);
    return this.deps.receipts.record(trx, party, {
      uid: grant.uid,
      nid: grant.nid,
      conId: conIdOf(grant.uid, grant.nid),
      event: 'consent.withdrawn',
      dssa,
      by,
      ...(reason ? { reason } : {}),
    });
  }

  /** This process stops using a grant at once: its cache entry and any keys it opened. */
  forgetGrant(uid: number, nid: number, grantId: number | undefined): void {
    if (grantId !== undefined) this.openedKeys.forget(grantId);
    this.grantCache.delete(`${uid}-${nid}`);
  }

  /** The member's active grant to `nid` with its wrapped keys, from the cache or the database. */
  async cachedGrant(uid: number, nid: number): Promise<CachedGrant | null> {
    const key = `${uid}-${nid}`;
    const hit = this.grantCache.get(key);
    if (hit !== undefined) return hit;
    const { catalogue } = this.deps;
    const grant = await this.store.activeGrant(uid, nid);
    const value = grant
      ? {
          grant,
          wrapped: new Map(
            (
              await this.store.grantKeys(
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
    const rows = await this.store.grantsOf(uid);
    return rows.map((g) => ({ nid: g.nid, dssaVersion: g.dssa_version, createdAt: g.created_at }));
  }
}
