import type { Kysely } from 'kysely';

export const name = '0011-consent-receipts';

/**
 * Signed consent receipts (docs/consent-receipts.md): one row per consent event of a member and
 * a connection, numbered from 1 in `sequence` (unique per member and connection, so two writers
 * cannot both extend a chain from the same receipt), holding the compact JWS the receipt is.
 * Receipts are kept when the member is deleted (no foreign key): they are the record of what
 * was consented to and when, and the deletion itself ends each chain with a receipt.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('consent_receipts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('uid', 'integer', (c) => c.notNull())
    .addColumn('nid', 'integer', (c) => c.notNull())
    .addColumn('con_id', 'text', (c) => c.notNull())
    .addColumn('sequence', 'integer', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('jws', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('consent_receipts_chain', ['uid', 'nid', 'sequence'])
    .execute();
  await db.schema.createIndex('consent_receipts_connection').on('consent_receipts').columns(['nid', 'created_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('consent_receipts').execute();
}
