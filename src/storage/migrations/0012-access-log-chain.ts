import { sql, type Kysely } from 'kysely';
import { chainEntries, type AccessFields, type ChainHead } from '../../crypto/access-chain.mjs';

export const name = '0012-access-log-chain';

/** Entries chained per statement round while chaining the log written before this migration. */
const CHUNK = 500;

/**
 * The tamper-evident access log (docs/access-log.md):
 * - each entry gets its number in its member's chain (`seq`, from 1) and its `hash`, which covers
 *   the entry before it (src/crypto/access-chain.mjs); (uid, seq) is unique, so two writers can
 *   never both extend a chain from the same entry;
 * - `access_log_heads`: each member's last number and hash, the row every append locks and
 *   advances, and how far the last signed checkpoint reached;
 * - `access_log_checkpoints`: the signed checkpoints (a compact JWS over the member, the count and
 *   the head), kept so that a member's download carries them.
 *
 * Entries logged before this migration are chained here, member by member in the order they were
 * written. Each member's chain is recomputed whole and its head written last, so a migration
 * interrupted half-way and run again gives the same numbers and hashes.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('access_log').addColumn('seq', 'integer').execute();
  await db.schema.alterTable('access_log').addColumn('hash', 'text').execute();
  await db.schema
    .createTable('access_log_heads')
    .addColumn('uid', 'integer', (c) => c.primaryKey())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('head', 'text', (c) => c.notNull())
    .addColumn('checkpointed_seq', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  // Only the chains that grew since their last checkpoint: what a checkpoint pass reads, so a pass
  // costs the members active since the last one, not every member there is.
  await db.schema
    .createIndex('access_log_heads_unsigned')
    .on('access_log_heads')
    .column('uid')
    .where(sql.ref('seq'), '>', sql.ref('checkpointed_seq'))
    .execute();
  await db.schema
    .createTable('access_log_checkpoints')
    .addColumn('uid', 'integer', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('head', 'text', (c) => c.notNull())
    .addColumn('jws', 'text', (c) => c.notNull())
    .addColumn('signed_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('access_log_checkpoints_pk', ['uid', 'seq'])
    .execute();
  await chainEarlierEntries(db);
  // The chain's index also serves every query by member: (uid, at) would be one more B-tree to
  // write for each entry, for no query.
  await db.schema.createIndex('access_log_chain').on('access_log').columns(['uid', 'seq']).unique().execute();
  await db.schema.dropIndex('access_log_member').execute();
  // The entries data writes log before they are chained (chainPending finds them by this).
  await db.schema
    .createIndex('access_log_unchained')
    .on('access_log')
    .columns(['uid', 'id'])
    .where(sql.ref('seq'), 'is', null)
    .execute();
}

async function chainEarlierEntries(db: Kysely<unknown>): Promise<void> {
  const members = await sql<{ uid: number }>`select distinct uid from access_log
    where uid not in (select uid from access_log_heads) order by uid`.execute(db);
  for (const { uid } of members.rows) {
    const heads = new Map<number, ChainHead>();
    let after = 0;
    for (;;) {
      const rows = (
        await sql<AccessFields & { id: number }>`select id, uid, nid, actor, dataset, fields, action, at from access_log
          where uid = ${uid} and id > ${after} order by id limit ${CHUNK}`.execute(db)
      ).rows;
      if (!rows.length) break;
      for (const e of chainEntries(heads, rows)) {
        await sql`update access_log set seq = ${e.seq}, hash = ${e.hash} where id = ${e.id}`.execute(db);
      }
      after = rows[rows.length - 1]!.id;
    }
    const head = heads.get(uid);
    if (head) {
      await sql`insert into access_log_heads (uid, seq, head, checkpointed_seq) values (${uid}, ${head.seq}, ${head.head}, 0)`.execute(
        db,
      );
    }
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('access_log_unchained').execute();
  await db.schema.createIndex('access_log_member').on('access_log').columns(['uid', 'at']).execute();
  await db.schema.dropIndex('access_log_chain').execute();
  await db.schema.dropTable('access_log_checkpoints').execute();
  await db.schema.dropTable('access_log_heads').execute();
  await db.schema.alterTable('access_log').dropColumn('hash').execute();
  await db.schema.alterTable('access_log').dropColumn('seq').execute();
}
