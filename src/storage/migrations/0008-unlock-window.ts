import type { Kysely } from 'kysely';

export const name = '0008-unlock-window';

/**
 * The member web app's unlock window (docs/member-web.md, "Unlocking your data"), and who wrote a
 * row.
 *
 * - `member_sessions.unlocked_keys`: the member's data keys while "My data" is unlocked, sealed
 *   under a key derived from the session id, which only the member's cookie holds (the table keeps
 *   its SHA-256): the database alone cannot open them. `unlocked_until` ends the window (idle
 *   timeout); both are cleared on Lock, at expiry and when the session id rotates.
 * - `transaction_rows.writer_nid`: the connection that added a row (null: the member, or a row
 *   written before this migration), so the member's data page can name the organisation. The
 *   access log already records which connection wrote to which dataset; this adds nothing an
 *   attacker with the database did not have.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('member_sessions').addColumn('unlocked_keys', 'text').execute();
  await db.schema.alterTable('member_sessions').addColumn('unlocked_until', 'bigint').execute();
  await db.schema.alterTable('transaction_rows').addColumn('writer_nid', 'integer').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('transaction_rows').dropColumn('writer_nid').execute();
  await db.schema.alterTable('member_sessions').dropColumn('unlocked_until').execute();
  await db.schema.alterTable('member_sessions').dropColumn('unlocked_keys').execute();
}
