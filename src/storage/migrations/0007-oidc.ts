import type { Kysely } from 'kysely';

export const name = '0007-oidc';

/**
 * Sign in with MydexID (docs/oidc.md): the OpenID Connect provider's state and the clients that
 * may use it.
 *
 * - `oauth_clients.redirect_uris`: the exact redirect URIs of a client that signs members in
 *   (space separated; empty: a client-credentials client only), and `public_client` for one
 *   without a secret (which must use PKCE).
 * - `oidc_records`: every artifact of node-oidc-provider (sessions, interactions, authorization
 *   codes, access and refresh tokens, grants), keyed by a SHA-256 of its id (ids are bearer
 *   secrets), its payload sealed under the master key. `grant_id_hash` and `uid_hash` are the
 *   lookups the provider needs; `uid` names the member whose artifact it is, so erasing the member
 *   deletes it; `expires_at` lets expired artifacts be swept; `consumed_at` marks a spent
 *   authorization code (or rotated refresh token) in one conditional update, so two concurrent
 *   exchanges of one code cannot both succeed.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const s = db.schema;
  await s
    .alterTable('oauth_clients')
    .addColumn('redirect_uris', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  await s
    .alterTable('oauth_clients')
    .addColumn('public_client', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await s
    .createTable('oidc_records')
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('grant_id_hash', 'text')
    .addColumn('uid_hash', 'text')
    .addColumn('uid', 'integer', (c) => c.references('members.uid').onDelete('cascade'))
    .addColumn('expires_at', 'bigint')
    .addColumn('consumed_at', 'bigint')
    .execute();
  await s.createIndex('oidc_records_grant').on('oidc_records').column('grant_id_hash').execute();
  await s.createIndex('oidc_records_uid_hash').on('oidc_records').column('uid_hash').execute();
  await s.createIndex('oidc_records_member').on('oidc_records').columns(['uid', 'model']).execute();
  await s.createIndex('oidc_records_expiry').on('oidc_records').column('expires_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('oidc_records').execute();
  await db.schema.alterTable('oauth_clients').dropColumn('public_client').execute();
  await db.schema.alterTable('oauth_clients').dropColumn('redirect_uris').execute();
}
