import type { Kysely } from 'kysely';

export const name = '0010-client-keys';

/**
 * Clients that authenticate with a signed JWT instead of a secret (RFC 7523 `private_key_jwt`,
 * docs/security.md, "Client authentication"): the client's public keys, given as a JWK Set
 * (`jwks`) or as the https URL it publishes them at (`jwks_uri`), and the assertions already
 * used (`client_assertions`: the SHA-256 of each `jti` with the assertion's expiry), so that a
 * captured assertion cannot be played again on any process until it has expired.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('oauth_clients').addColumn('jwks', 'text').execute();
  await db.schema.alterTable('oauth_clients').addColumn('jwks_uri', 'text').execute();
  await db.schema
    .createTable('client_assertions')
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('jti_hash', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('client_assertions_pk', ['client_id', 'jti_hash'])
    .execute();
  await db.schema.createIndex('client_assertions_expiry').on('client_assertions').column('expires_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('client_assertions').execute();
  await db.schema.alterTable('oauth_clients').dropColumn('jwks_uri').execute();
  await db.schema.alterTable('oauth_clients').dropColumn('jwks').execute();
}
