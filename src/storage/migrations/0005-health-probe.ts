import type { Kysely } from 'kysely';

export const name = '0005-health-probe';

/**
 * One row that /readyz rewrites (at most once a second per process): a database that answers
 * reads but cannot store (a full disk, a read-only file system) is then not "ready".
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('health_probe')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('checked_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('health_probe').execute();
}
