import { sql, type Kysely } from 'kysely';

export const name = '0013-access-log-grown-flag';

/**
 * Which chains grew since their last checkpoint, as a flag of its own (`grown`, 1 or 0) instead of
 * an index predicate over `seq > checkpointed_seq`.
 *
 * Every read log append moves its members' heads. With `seq` in the partial index's predicate, each
 * such update changed an indexed column, so PostgreSQL could never update the row in place (a HOT
 * update): each append wrote new index entries, and a member read many times a second left a
 * growing trail of dead index entries on its head until vacuum. The flag changes only at the first
 * append after a checkpoint and at the checkpoint itself, so appends in between update in place.
 * Measured with a scratch loop of the read log's append statement (10 entries, one member, 1,500
 * statements, three or more runs each): 46–51 µs of PostgreSQL CPU per entry before, 39–41 after, and every
 * head update a HOT one (`pg_stat_user_tables.n_tup_hot_upd`) where none were.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('access_log_heads')
    .addColumn('grown', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`update access_log_heads set grown = 1 where seq > checkpointed_seq`.execute(db);
  await db.schema.dropIndex('access_log_heads_unsigned').execute();
  // A literal predicate: SQLite uses a partial index only for a query whose WHERE holds the same term.
  await db.schema
    .createIndex('access_log_heads_grown')
    .on('access_log_heads')
    .column('uid')
    .where(sql.ref('grown'), '=', sql.lit(1))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('access_log_heads_grown').execute();
  await sql`create index access_log_heads_unsigned on access_log_heads (uid) where seq > checkpointed_seq`.execute(db);
  await db.schema.alterTable('access_log_heads').dropColumn('grown').execute();
}
