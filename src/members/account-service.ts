/**
 * The member's own account: password, Private Key, connections, access history and erasure.
 * (Reading and editing their data is src/pds/member-data-service.ts.)
 */
import { hashPassword, verifyPassword } from '../crypto/kdf.ts';
import type { ConnectionService } from '../connections/connection-service.ts';
import type { DssaPermissions } from '../connections/dssa.ts';
import { conIdOf } from '../connections/nid.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import type { OutboxService } from '../outbox/outbox-service.ts';
import type { ConsentReceipts } from '../receipts/consent-receipts.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { MIN_PASSWORD, MIN_PRIVATE_KEY } from './member-rules.ts';
import { MemberStore } from './member-store.ts';
import { passwordChangedEmail } from './password-reset-service.ts';
import { throttleKeys } from './throttle-keys.ts';
import type { Members } from './members.ts';

export class WrongPasswordError extends ValidationError {
  constructor() {
    super('The current password is not correct.');
  }
}

export interface MemberConnection {
  nid: number;
  conId: string;
  subscriberName: string;
  connectionName: string;
  dssaVersion: number;
  purpose: string;
  permissions: DssaPermissions;
  since: number;
  /** when it last read the member's data, and last changed (wrote or deleted) it; unix seconds */
  lastRead?: number | undefined;
  lastChange?: number | undefined;
}

export interface AccessLogEntry {
  at: number;
  nid: number | null;
  subscriberName: string;
  dataset: string;
  fields: string[];
  action: string;
}

export class AccountService {
  private readonly store: MemberStore;

  constructor(
    private readonly deps: ServiceDeps & {
      members: Members;
      connections: ConnectionService;
      outbox: OutboxService;
      receipts: ConsentReceipts;
    },
  ) {
    this.store = new MemberStore(deps.db);
  }

  async changePassword(uid: number, current: string, next: string): Promise<void> {
    const { config } = this.deps;
    const row = await this.store.byUid(uid);
    if (!row) throw new NotFoundError('Member not found');
    if (!(await verifyPassword(row.password_hash, current))) throw new WrongPasswordError();
    if (next.length < MIN_PASSWORD) throw new ValidationError(`Password must be at least ${MIN_PASSWORD} characters.`);
    if (next === row.mydexid) throw new ValidationError('Password must not be the same as the Mydexid.');
    const hash = await hashPassword(next, config.argon2);
    await this.deps.db.transaction().execute(async (trx) => {
      await this.store.in(trx).setPasswordHash(uid, hash);
      await this.deps.outbox.enqueueMessage(trx, passwordChangedEmail(row, config));
    });
  }

  /**
   * CR-09: a new Private Key re-wraps the data keys; no ciphertext changes. The old key stops
   * working because the old wraps are replaced in one transaction.
   */
  async changePrivateKey(uid: number, current: string, next: string): Promise<void> {
    if (next.length < MIN_PRIVATE_KEY) throw new ValidationError(`Private Key must be at least ${MIN_PRIVATE_KEY} characters.`);
    if (next === current) throw new ValidationError('The new Private Key must differ from the current one.');
    const row = await this.store.byUid(uid);
    if (!row) throw new NotFoundError('Member not found');
    if (await verifyPassword(row.password_hash, next))
      throw new ValidationError('Private Key must not be the same as the password.');
    const ring = await this.deps.members.keys.unlock(uid, current);
    try {
      await this.deps.members.keys.rewrapMemberKeys(uid, ring, next);
    } finally {
      ring.wipe();
    }
    await this.deps.outbox.enqueueMessage(this.deps.db, {
      channel: 'email',
      recipient: row.email,
      subject: 'Your Private Key was changed',
      body: [
        `The Private Key of ${this.deps.config.branding.idName} ${row.mydexid} was just changed. Use the new one from now on; the old one no longer opens your data.`,
        '',
        `If this was not you, someone knows your password and your old Private Key: change your password at ${this.deps.config.publicUrl}/me/password and check your connections.`,
      ].join('\n'),
    });
  }

  async connections(uid: number): Promise<MemberConnection[]> {
    const out: MemberConnection[] = [];
    const last = new Map<number, { read?: number; change?: number }>();
    for (const r of await this.store.lastAccessByConnection(uid)) {
      const seen = last.get(r.nid) ?? {};
      const key = r.action === 'read' ? 'read' : 'change';
      seen[key] = Math.max(seen[key] ?? 0, Number(r.at));
      last.set(r.nid, seen);
    }
    for (const g of await this.deps.members.grants.activeGrants(uid)) {
      const [conn, dssa] = await Promise.all([
        this.deps.connections.getConnection(g.nid),
        this.deps.connections.dssa(g.nid, g.dssaVersion),
      ]);
      if (!conn || !dssa) continue;
      const org = await this.deps.connections.getOrganisation(conn.orgId);
      out.push({
        nid: g.nid,
        conId: conIdOf(uid, g.nid),
        subscriberName: org?.name ?? conn.name,
        connectionName: conn.name,
        dssaVersion: g.dssaVersion,
        purpose: dssa.purpose,
        permissions: dssa.permissions,
        since: g.createdAt,
        lastRead: last.get(g.nid)?.read,
        lastChange: last.get(g.nid)?.change,
      });
    }
    return out;
  }

  /** nid → the organisation's name, for the connections that wrote the member's rows. */
  async organisationNames(nids: Iterable<number>): Promise<Map<number, string>> {
    const rows = await this.store.organisationNames([...new Set(nids)]);
    return new Map(rows.map((r) => [r.nid, r.name]));
  }

  async accessLog(uid: number, limit = 200, offset = 0): Promise<AccessLogEntry[]> {
    const rows = await this.store.accessLog(uid, Math.min(limit, 1000), offset);
    return rows.map((r) => ({
      at: r.at,
      nid: r.nid,
      subscriberName: r.nid === null ? 'You' : (r.org_name ?? `Connection ${r.nid}`),
      dataset: r.dataset,
      fields: r.fields ? r.fields.split(',') : [],
      action: r.action,
    }));
  }

  /**
   * Erasure (PV-03): every subscriber still connected is told, then everything of the member goes
   * in one transaction: data, wraps, grants, sessions, access history, pending links.
   */
  async deleteMember(uid: number, password: string): Promise<void> {
    const { db } = this.deps;
    const row = await this.store.byUid(uid);
    if (!row) throw new NotFoundError('Member not found');
    if (!(await verifyPassword(row.password_hash, password))) throw new WrongPasswordError();
    const grants: { nid: number; id: number }[] = [];
    // Read first: inside the transaction, SQLite would wait on any read of the outer handle.
    const { grants: memberGrants } = this.deps.members;
    const parties = new Map(
      await Promise.all(
        (await this.store.grantsOf(uid)).map(async (g) => [g.nid, await this.deps.receipts.withdrawalParty(g.nid)] as const),
      ),
    );
    await db.transaction().execute(async (trx) => {
      const store = this.store.in(trx);
      for (const g of await store.grantsOf(uid)) {
        grants.push(g);
        await this.deps.outbox.enqueueConnectionEvent(trx, { uid, nid: g.nid, event: 'member.deleted' });
        // Receipts outlive the member (no foreign key): each chain ends with this one. A grant
        // made since the read above fails the deletion, which the member can simply retry.
        const party = parties.get(g.nid);
        if (!party) throw new ConflictError('A connection changed while the account was being deleted: try again.');
        await memberGrants.recordWithdrawal(trx, party, g, { reason: 'member.deleted' });
      }
      await store.erase(row, throttleKeys.ofMember(row));
    });
    for (const g of grants) this.deps.members.grants.forgetGrant(uid, g.nid, g.id);
  }
}
