/** Kysely queries for members, their wrapped data keys and their grants. */
import { sql, type Kysely, type Transaction } from 'kysely';
import { canonicalMydexid } from './member-rules.ts';
import type { Database, GrantTable, MemberTable } from '../storage/schema.ts';
import type { Selectable } from 'kysely';

export type MemberRow = Selectable<MemberTable>;
export type GrantRow = Selectable<GrantTable>;
type Db = Kysely<Database> | Transaction<Database>;

export const memberStore = {
  /** Whatever case it is typed in (the unique index members_mydexid_any_case serves this). */
  byMydexid: (db: Db, mydexid: string) =>
    db
      .selectFrom('members')
      .selectAll()
      .where(sql<string>`lower(mydexid)`, '=', canonicalMydexid(mydexid))
      .executeTakeFirst(),

  byUid: (db: Db, uid: number) => db.selectFrom('members').selectAll().where('uid', '=', uid).executeTakeFirst(),

  byEmail: (db: Db, email: string) => db.selectFrom('members').selectAll().where('email', '=', email).executeTakeFirst(),

  /**
   * Erasure, in the caller's transaction: the member's row, and with it (ON DELETE CASCADE) every
   * row that refers to it by uid: data keys, grants and their keys, metadata, transactional rows
   * and their blind-index digests, sessions, IDaaS records. Then what names the member another
   * way: the access log, pending links by MydexID, and the sign-in throttle's keys.
   */
  erase: async (db: Db, member: { uid: number; mydexid: string }, throttleKeys: readonly string[]) => {
    await db.deleteFrom('access_log').where('uid', '=', member.uid).execute();
    await db.deleteFrom('one_time_links').where('mydexid', '=', member.mydexid).execute();
    if (throttleKeys.length)
      await db
        .deleteFrom('auth_throttle')
        .where('key', 'in', [...throttleKeys])
        .execute();
    await db.deleteFrom('members').where('uid', '=', member.uid).execute();
  },

  /** The member's access history, newest first, with the subscriber's name where a connection acted. */
  accessLog: (db: Db, uid: number, limit: number, offset: number) =>
    db
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
      .execute(),

  setPasswordHash: async (db: Db, uid: number, hash: string) => {
    await db.updateTable('members').set({ password_hash: hash }).where('uid', '=', uid).execute();
  },

  /** The member's data keys wrapped anew, with the KDF settings that made the wrapping key. */
  rewrapMemberKeys: async (db: Db, uid: number, wrapped: readonly { dataset: string; wrapped: string }[], kdf: string) => {
    for (const w of wrapped) {
      await db
        .updateTable('member_dataset_keys')
        .set({ wrapped: w.wrapped })
        .where('uid', '=', uid)
        .where('dataset', '=', w.dataset)
        .execute();
    }
    await db.updateTable('members').set({ private_key_kdf: kdf }).where('uid', '=', uid).execute();
  },

  insert: async (db: Db, row: Omit<MemberRow, 'uid'>) =>
    (await db.insertInto('members').values(row).returning('uid').executeTakeFirstOrThrow()).uid,

  memberKeys: (db: Db, uid: number) => db.selectFrom('member_dataset_keys').selectAll().where('uid', '=', uid).execute(),

  insertMemberKeys: async (db: Db, rows: { uid: number; dataset: string; wrapped: string; key_version: number }[]) => {
    if (rows.length) await db.insertInto('member_dataset_keys').values(rows).execute();
  },

  activeGrant: (db: Db, uid: number, nid: number) =>
    db
      .selectFrom('grants')
      .selectAll()
      .where('uid', '=', uid)
      .where('nid', '=', nid)
      .where('revoked_at', 'is', null)
      .executeTakeFirst(),

  grantsOf: (db: Db, uid: number) =>
    db.selectFrom('grants').selectAll().where('uid', '=', uid).where('revoked_at', 'is', null).execute(),

  insertGrant: async (db: Db, row: Omit<GrantRow, 'id'>) =>
    (await db.insertInto('grants').values(row).returning('id').executeTakeFirstOrThrow()).id,

  grantKeys: (db: Db, grantId: number, datasets: readonly string[]) =>
    datasets.length === 0
      ? Promise.resolve([])
      : db
          .selectFrom('grant_dataset_keys')
          .select(['dataset', 'wrapped'])
          .where('grant_id', '=', grantId)
          .where('dataset', 'in', datasets)
          .execute(),

  insertGrantKeys: async (db: Db, rows: { grant_id: number; dataset: string; wrapped: string }[]) => {
    if (rows.length) await db.insertInto('grant_dataset_keys').values(rows).execute();
  },

  /** Crypto-shredding: the wrapped keys go, the grant row stays as history with revoked_at set. */
  revokeGrant: async (db: Db, grantId: number, at: number) => {
    await db.deleteFrom('grant_dataset_keys').where('grant_id', '=', grantId).execute();
    // The member-key verifier goes too (CR-10): nothing left can recognise the old key.
    await db
      .updateTable('grants')
      .set({ revoked_at: at, key_verifier: `revoked:${grantId}` })
      .where('id', '=', grantId)
      .execute();
  },
};
