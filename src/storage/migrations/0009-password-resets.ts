import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.ts';

export const name = '0009-password-resets';

/**
 * "Forgot password" (docs/member-web.md, "Forgotten password"): the one-time codes emailed to a
 * member, each stored only as a SHA-256 bound to the member, with its expiry and when it was
 * used. A member's codes go with the member (ON DELETE CASCADE).
 */
export async function up(db: Kysely<unknown>, d: Dialect): Promise<void> {
  await db.schema
    .createTable('password_resets')
    .addColumn('id', d.autoIdType, (c) => d.autoId(c))
    .addColumn('uid', 'integer', (c) => c.notNull().references('members.uid').onDelete('cascade'))
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute();
  await db.schema.createIndex('password_resets_uid').on('password_resets').columns(['uid', 'created_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('password_resets').execute();
}
