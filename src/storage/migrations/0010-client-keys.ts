import type { Kysely } from 'kysely';

export const name = '0010-client-keys';

/**
 * Clients that prove possession of their own keys (docs/security.md, "Client authentication" and
 * "DPoP-bound tokens"):
 * - `jwks` / `jwks_uri`: the public keys of a client that authenticates with a signed JWT
 *   instead of a secret (RFC 7523 `private_key_jwt`), as a JWK Set or the URL it publishes one at;
 * - `dpop_bound`: every token the client gets is bound to a key it holds (RFC 9449 DPoP);
 * - `spent_jtis`: the client assertions and DPoP proofs already accepted (the SHA-256 of each
 *   `jti`, under the client id or the key thumbprint), until they are too old to be accepted
 *   again, so that a captured one cannot be played again on any process.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('oauth_clients').addColumn('jwks', 'text').execute();
  await db.schema.alterTable('oauth_clients').addColumn('jwks_uri', 'text').execute();
  await db.schema
    .alterTable('oauth_clients')
    .addColumn('dpop_bound', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createTable('spent_jtis')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('jti_hash', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('spent_jtis_pk', ['kind', 'owner', 'jti_hash'])
    .execute();
  await db.schema.createIndex('spent_jtis_expiry').on('spent_jtis').column('expires_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('spent_jtis').execute();
  await db.schema.alterTable('oauth_clients').dropColumn('dpop_bound').execute();
  await db.schema.alterTable('oauth_clients').dropColumn('jwks_uri').execute();
  await db.schema.alterTable('oauth_clients').dropColumn('jwks').execute();
}
