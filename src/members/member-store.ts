/** Kysely queries for members, their wrapped data keys and their grants. */
import { sql, type Selectable } from 'kysely';
import { canonicalMydexid } from './member-rules.ts';
import type { GrantTable, MemberTable } from '../storage/schema.ts';
import { Store } from '../storage/store.ts';

export type MemberRow = Selectable<MemberTable>;
export type GrantRow = Selectable<GrantTable>;

export class MemberStore extends Store {
  /** Whatever case it is typed in (the unique index members_mydexid_any_case serves this). */
  byMydexid(mydexid: string) {
    return this.db
      .selectFrom('members')
      .selectAll()
      .where(sql<string>`lower(mydexid)`, '=', canonicalMydexid(mydexid))
      .executeTakeFirst();
  }

  byUid(uid: number) {
    return this.db.selectFrom('members').selectAll().where('uid', '=', uid).executeTakeFirst();
  }

  /** One page of members in uid order, after `afterUid` (keyset: the cost follows the page, not the table). */
  page(afterUid: number, limit: number) {
    return this.db
      .selectFrom('members')
      .select(['uid', 'mydexid', 'email', 'created_at'])
      .where('uid', '>', afterUid)
      .orderBy('uid')
      .limit(limit)
      .execute();
  }

  /** Members with an active grant on each of the given connections. */
  async activeGrantCounts(nids: readonly number[]): Promise<Map<number, number>> {
    if (nids.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('grants')
      .select(['nid', (eb) => eb.fn.countAll<string | number>().as('n')])
      .where('nid', 'in', [...nids])
      .where('revoked_at', 'is', null)
      .groupBy('nid')
      .execute();
    return new Map(rows.map((r) => [r.nid, Number(r.n)]));
  }

  byEmail(email: string) {
    return this.db.selectFrom('members').selectAll().where('email', '=', email).executeTakeFirst();
  }

  /**
   * Erasure, in the caller's transaction (a store over it: `in(trx)`): the member's row, and with
   * it (ON DELETE CASCADE) every row that refers to it by uid: data keys, grants and their keys,
   * metadata, transactional rows and their blind-index digests, sessions, IDaaS records. Then
   * what names the member another way: the access log with its chain head and signed checkpoints,
   * pending links by MydexID, and the sign-in throttle's keys.
   */
  async erase(member: { uid: number; mydexid: string }, throttleKeys: readonly string[]) {
    for (const table of ['access_log', 'access_log_heads', 'access_log_checkpoints'] as const) {
      await this.db.deleteFrom(table).where('uid', '=', member.uid).execute();
    }
    await this.db.deleteFrom('one_time_links').where('mydexid', '=', member.mydexid).execute();
    if (throttleKeys.length)
      await this.db
        .deleteFrom('auth_throttle')
        .where('key', 'in', [...throttleKeys])
        .execute();
    await this.db.deleteFrom('members').where('uid', '=', member.uid).execute();
  }

  /** The member's access history, newest first, with the subscriber's name where a connection acted. */
  accessLog(uid: number, limit: number, offset: number) {
    return this.db
      .selectFrom('access_log')
      .leftJoin('connections', 'connections.nid', 'access_log.nid')
      .leftJoin('organisations', 'organisations.id', 'connections.org_id')
      .select([
        'access_log.at',
        'access_log.nid',
        'access_log.dataset',
        'access_log.fields',
        'access_log.action',
        'organisations.name as org_name',
      ])
      .where('access_log.uid', '=', uid)
      .orderBy('access_log.id', 'desc')
      .limit(limit)
      .offset(offset)
      .execute();
  }

  /** For each connection and action (read, write, delete), the member's latest access log entry. */
  lastAccessByConnection(uid: number) {
    return this.db
      .selectFrom('access_log')
      .select(['nid', 'action'])
      .select((eb) => eb.fn.max('at').as('at'))
      .where('uid', '=', uid)
      .where('nid', 'is not', null)
      .groupBy(['nid', 'action'])
      .$narrowType<{ nid: number }>()
      .execute();
  }

  /** The organisation behind each of these connections. */
  organisationNames(nids: readonly number[]) {
    if (nids.length === 0) return Promise.resolve([]);
    return this.db
      .selectFrom('connections')
      .innerJoin('organisations', 'organisations.id', 'connections.org_id')
      .select(['connections.nid', 'organisations.name'])
      .where('connections.nid', 'in', [...nids])
      .execute();
  }

  async setPasswordHash(uid: number, hash: string) {
    await this.db.updateTable('members').set({ password_hash: hash }).where('uid', '=', uid).execute();
  }

  /** The member's data keys wrapped anew, with the KDF settings that made the wrapping key. */
  async rewrapMemberKeys(uid: number, wrapped: readonly { dataset: string; wrapped: string }[], kdf: string) {
    for (const w of wrapped) {
      await this.db
        .updateTable('member_dataset_keys')
        .set({ wrapped: w.wrapped })
        .where('uid', '=', uid)
        .where('dataset', '=', w.dataset)
        .execute();
    }
    await this.db.updateTable('members').set({ private_key_kdf: kdf }).where('uid', '=', uid).execute();
  }

  async insert(row: Omit<MemberRow, 'uid'>) {
    return (await this.db.insertInto('members').values(row).returning('uid').executeTakeFirstOrThrow()).uid;
  }

  memberKeys(uid: number) {
    return this.db.selectFrom('member_dataset_keys').selectAll().where('uid', '=', uid).execute();
  }

  async insertMemberKeys(rows: { uid: number; dataset: string; wrapped: string; key_version: number }[]) {
    if (rows.length) await this.db.insertInto('member_dataset_keys').values(rows).execute();
  }

  activeGrant(uid: number, nid: number) {
    return this.db
      .selectFrom('grants')
      .selectAll()
      .where('uid', '=', uid)
      .where('nid', '=', nid)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
  }

  grantsOf(uid: number) {
    return this.db.selectFrom('grants').selectAll().where('uid', '=', uid).where('revoked_at', 'is', null).execute();
  }

  async insertGrant(row: Omit<GrantRow, 'id'>) {
    return (await this.db.insertInto('grants').values(row).returning('id').executeTakeFirstOrThrow()).id;
  }

  grantKeys(grantId: number, datasets: readonly string[]) {
    return datasets.length === 0
      ? Promise.resolve([])
      : this.db
          .selectFrom('grant_dataset_keys')
          .select(['dataset', 'wrapped'])
          .where('grant_id', '=', grantId)
          .where('dataset', 'in', datasets)
          .execute();
  }

  async insertGrantKeys(rows: { grant_id: number; dataset: string; wrapped: string }[]) {
    if (rows.length) await this.db.insertInto('grant_dataset_keys').values(rows).execute();
  }

  /** Crypto-shredding: the wrapped keys go, the grant row stays as history with revoked_at set. */
  async revokeGrant(grantId: number, at: number) {
    await this.db.deleteFrom('grant_dataset_keys').where('grant_id', '=', grantId).execute();
    // The member-key verifier goes too (CR-10): nothing left can recognise the old key.
    await this.db
      .updateTable('grants')
      .set({ revoked_at: at, key_verifier: `revoked:${grantId}` })
      .where('id', '=', grantId)
      .execute();
  }
}
