import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../dialect.ts';

export const name = '0006-row-index';

/**
 * Reads whose cost follows the page (docs/operations.md, "Reading rows at scale"):
 *
 * - `row_index`, the keyed blind index (src/pds/blind-index.ts): one digest per field a row holds,
 *   so an equality filter finds its rows without decrypting the dataset;
 * - indexes that let a page of rows, in id or creation order, be read without the rest;
 * - `row_index_backfill`, the rows written before this migration that the index does not cover
 *   yet. Their digests need the member's data key, which the server holds only while a member or
 *   a connection presents theirs, so they cannot be computed here: each request that holds the
 *   key indexes the next batch and records how far it got (src/pds/pds-store.ts), and an equality
 *   filter on a dataset still listed here decrypts and compares, as before.
 */
export async function up(db: Kysely<unknown>, d: Dialect): Promise<void> {
  const s = db.schema;
  // The lookup key is the primary key, so a digest finds its rows in one index; on SQLite the
  // table is that index (WITHOUT ROWID), one B-tree fewer to write for every digest.
  await s
    .createTable('row_index')
    .addColumn('uid', 'integer', (c) => c.notNull())
    .addColumn('dataset', 'text', (c) => c.notNull())
    .addColumn('digest', 'text', (c) => c.notNull())
    .addColumn('row_id', 'integer', (c) => c.notNull().references('transaction_rows.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('row_index_pk', ['uid', 'dataset', 'digest', 'row_id'])
    .$call((t) => (d.name === 'sqlite' ? t.modifyEnd(sql`without rowid`) : t))
    .execute();
  // A row's digests, to replace them when it changes and to delete them with it.
  await s.createIndex('row_index_row').on('row_index').column('row_id').execute();
  await s.createIndex('transaction_rows_page').on('transaction_rows').columns(['uid', 'dataset', 'id']).execute();
  await s
    .createIndex('transaction_rows_created')
    .on('transaction_rows')
    .columns(['uid', 'dataset', 'created_at', 'id'])
    .execute();
  await s
    .createTable('row_index_backfill')
    .addColumn('uid', 'integer', (c) => c.notNull().references('members.uid').onDelete('cascade'))
    .addColumn('dataset', 'text', (c) => c.notNull())
    /** the next row id to index */
    .addColumn('next_id', 'integer', (c) => c.notNull())
    /** the last row id written before the migration: later rows were indexed as they were written */
    .addColumn('last_id', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('row_index_backfill_pk', ['uid', 'dataset'])
    .execute();
  await sql`INSERT INTO row_index_backfill (uid, dataset, next_id, last_id)
    SELECT uid, dataset, MIN(id), MAX(id) FROM transaction_rows GROUP BY uid, dataset`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('row_index_backfill').execute();
  await db.schema.dropIndex('transaction_rows_created').execute();
  await db.schema.dropIndex('transaction_rows_page').execute();
  await db.schema.dropTable('row_index').execute();
}
