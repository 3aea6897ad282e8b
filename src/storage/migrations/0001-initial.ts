import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.ts';

export const name = '0001-initial';

export async function up(db: Kysely<unknown>, d: Dialect): Promise<void> {
  const s = db.schema;
  await s
    .createTable('organisations')
    .addColumn('id', d.autoIdType, (c) => d.autoId(c))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await s
    .createTable('oauth_clients')
    .addColumn('client_id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'integer', (c) => c.notNull().references('organisations.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('secret_hash', 'text', (c) => c.notNull())
    .addColumn('previous_secret_hash', 'text')
    .addColumn('previous_secret_expires_at', 'bigint')
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('grant_types', 'text', (c) => c.notNull())
    .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await s
    .createTable('signing_keys')
    .addColumn('kid', 'text', (c) => c.primaryKey())
    .addColumn('alg', 'text', (c) => c.notNull())
    .addColumn('public_jwk', 'text', (c) => c.notNull())
    .addColumn('private_jwk_enc', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('retired_at', 'bigint')
    .execute();
  await s
    .createTable('revoked_tokens')
    .addColumn('seq', d.autoIdType, (c) => d.autoId(c))
    .addColumn('jti', 'text', (c) => c.notNull().unique())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint', (c) => c.notNull())
    .execute();
  await s
    .createTable('connections')
    .addColumn('nid', 'integer', (c) => c.primaryKey())
    .addColumn('org_id', 'integer', (c) => c.notNull().references('organisations.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('token_enc', 'text', (c) => c.notNull())
    .addColumn('token_hash_verifier', 'text', (c) => c.notNull())
    .addColumn('callback_url', 'text', (c) => c.notNull())
    .addColumn('notifications', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await s
    .createTable('dssas')
    .addColumn('id', d.autoIdType, (c) => d.autoId(c))
    .addColumn('nid', 'integer', (c) => c.notNull().references('connections.nid'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('uuid', 'text', (c) => c.notNull().unique())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('gdpr_statement', 'text', (c) => c.notNull())
    .addColumn('permissions', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('dssas_nid_version', ['nid', 'version'])
    .execute();
  await s
    .createTable('short_access_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('nid', 'integer', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute();
  await s.createIndex('short_access_tokens_expiry').on('short_access_tokens').column('expires_at').execute();
  await s
    .createTable('members')
    .addColumn('uid', d.autoIdType, (c) => d.autoId(c))
    .addColumn('mydexid', 'text', (c) => c.notNull().unique())
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('private_key_kdf', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await s
    .createTable('member_dataset_keys')
    .addColumn('uid', 'integer', (c) => c.notNull().references('members.uid').onDelete('cascade'))
    .addColumn('dataset', 'text', (c) => c.notNull())
    .addColumn('wrapped', 'text', (c) => c.notNull())
    .addColumn('key_version', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('member_dataset_keys_pk', ['uid', 'dataset'])
    .execute();
  await s
    .createTable('grants')
    .addColumn('id', d.autoIdType, (c) => d.autoId(c))
    .addColumn('uid', 'integer', (c) => c.notNull().references('members.uid').onDelete('cascade'))
    .addColumn('nid', 'integer', (c) => c.notNull().references('connections.nid'))
    .addColumn('dssa_version', 'integer', (c) => c.notNull())
    .addColumn('key_verifier', 'text', (c) => c.notNull().unique())
    .addColumn('kek_salt', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .execute();
  await s.createIndex('grants_uid_nid').on('grants').columns(['uid', 'nid']).execute();
  await s
    .createTable('grant_dataset_keys')
    .addColumn('grant_id', 'integer', (c) => c.notNull().references('grants.id').onDelete('cascade'))
    .addColumn('dataset', 'text', (c) => c.notNull())
    .addColumn('wrapped', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('grant_dataset_keys_pk', ['grant_id', 'dataset'])
    .execute();
  await s
    .createTable('metadata_records')
    .addColumn('uid', 'integer', (c) => c.notNull().references('members.uid').onDelete('cascade'))
    .addColumn('dataset', 'text', (c) => c.notNull())
    .addColumn('instance', 'integer', (c) => c.notNull())
    .addColumn('ciphertext', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('metadata_records_pk', ['uid', 'dataset', 'instance'])
    .execute();
  await s
    .createTable('transaction_rows')
    .addColumn('id', d.autoIdType, (c) => d.autoId(c))
    .addColumn('uid', 'integer', (c) => c.notNull().references('members.uid').onDelete('cascade'))
    .addColumn('dataset', 'text', (c) => c.notNull())
    .addColumn('instance', 'integer', (c) => c.notNull())
    .addColumn('rid', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('ciphertext', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await s.createIndex('transaction_rows_member').on('transaction_rows').columns(['uid', 'dataset', 'instance']).execute();
  await s
    .createTable('access_log')
    .addColumn('id', d.autoIdType, (c) => d.autoId(c))
    .addColumn('uid', 'integer', (c) => c.notNull())
    .addColumn('nid', 'integer')
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('dataset', 'text', (c) => c.notNull())
    .addColumn('fields', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .execute();
  await s.createIndex('access_log_member').on('access_log').columns(['uid', 'at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of [
    'access_log',
    'transaction_rows',
    'metadata_records',
    'grant_dataset_keys',
    'grants',
    'member_dataset_keys',
    'members',
    'short_access_tokens',
    'dssas',
    'connections',
    'revoked_tokens',
    'signing_keys',
    'oauth_clients',
    'organisations',
  ]) {
    await db.schema.dropTable(t).execute();
  }
}
