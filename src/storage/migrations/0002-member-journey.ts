import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.ts';

export const name = '0002-member-journey';

export async function up(db: Kysely<unknown>, d: Dialect): Promise<void> {
  const s = db.schema;
  // Durable deliveries: callbacks, change notifications, email and SMS (contract §5.3, §5.4).
  await s
    .createTable('outbox')
    .addColumn('id', d.autoIdType, (c) => d.autoId(c))
    .addColumn('event_id', 'text', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('nid', 'integer')
    .addColumn('uid', 'integer')
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    /** sealed under the master key; erased once delivered or dead */
    .addColumn('payload_enc', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('lease_until', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('last_status', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('delivered_at', 'bigint')
    .execute();
  await s.createIndex('outbox_due').on('outbox').columns(['status', 'next_attempt_at']).execute();
  // One-time links of registration, first time connection and connection update (contract §4).
  await s
    .createTable('one_time_links')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('nid', 'integer', (c) => c.notNull())
    .addColumn('dssa_version', 'integer', (c) => c.notNull())
    .addColumn('mydexid', 'text')
    .addColumn('email', 'text')
    /** registration only: Argon2id hash of the password the subscriber's form collected */
    .addColumn('password_hash', 'text')
    .addColumn('return_to', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .addColumn('outcome', 'text')
    .execute();
  await s
    .createTable('member_sessions')
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('uid', 'integer', (c) => c.notNull().references('members.uid').onDelete('cascade'))
    .addColumn('csrf_secret', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  // Back-off and lock-out for passwords and Private Keys, shared by every process.
  await s
    .createTable('auth_throttle')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('window_start', 'bigint', (c) => c.notNull())
    .addColumn('locked_until', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  // Email and SMS sent by the platform; in sandbox they stop here and show at /dev/outbox.
  await s
    .createTable('messages')
    .addColumn('id', d.autoIdType, (c) => d.autoId(c))
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    /** sealed under the master key: bodies carry one-time links */
    .addColumn('body_enc', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['messages', 'auth_throttle', 'member_sessions', 'one_time_links', 'outbox']) {
    await db.schema.dropTable(t).execute();
  }
}
