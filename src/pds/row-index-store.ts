/**
 * One member's part of the keyed blind index (src/pds/blind-index.ts, docs/crypto-inventory.md):
 * the digests of the rows a write transaction adds or changes, the digests an equality filter
 * looks up, and the backfill of rows written before the index existed (migration 0006).
 */
import { CompiledQuery, type Kysely, type Transaction } from 'kysely';
import { asPreparedStatement } from '../storage/prepared.ts';
import { forUpdate, type Dialect } from '../storage/dialect.ts';
import type { Database } from '../storage/schema.ts';
import { blindDigest, normalise, rowDigests } from './blind-index.ts';
import type { Equality, FieldValues } from './pds-store.ts';

type Db = Kysely<Database> | Transaction<Database>;

/** Rows indexed per transaction by the backfill (see ready). */
const BACKFILL_BATCH = 500;
/** A write's digests, as three arrays unnested (a prepared statement, planned once per connection). */
const INSERT_DIGESTS_POSTGRES = `insert into row_index (row_id, uid, dataset, digest)
  select t.row_id, $1::integer, t.dataset, t.digest from unnest($2::integer[], $3::text[], $4::text[]) as t(row_id, dataset, digest)
  on conflict do nothing`;
/**
 * A write's digests as one JSON array of [row_id, dataset, digest] (no parameter limit to chunk
 * for). `where true` keeps SQLite from reading ON CONFLICT as part of the SELECT.
 */
const INSERT_DIGESTS_SQLITE = `insert into row_index (row_id, uid, dataset, digest)
  select value ->> 0, ?, value ->> 1, value ->> 2 from json_each(?) where true on conflict do nothing`;

export class RowIndex {
  /** Digests of the rows written in this transaction (all this member's), inserted together by flush. */
  private pending: { row_id: number; dataset: string; digest: string }[] = [];

  constructor(
    /** the database or the write transaction */
    private readonly db: Db,
    private readonly dialect: Dialect,
    private readonly uid: number,
    /**
     * The member's index key of a dataset (blindIndexKey), owned by the caller's key ring, which
     * derives it once and wipes it with the data keys (DataKeyRing.derived).
     */
    private readonly indexKey: (dataset: string) => Buffer,
  ) {}

  /** The digests to look up for each equality. */
  lookup(dataset: string, equalities: readonly Equality[]): string[][] {
    const key = this.indexKey(dataset);
    return equalities.map((e) => [...new Set(e.values.map((v) => blindDigest(key, e.field, normalise(v))))]);
  }

  /** The digests a row holding `values` puts in the index. */
  digests(dataset: string, values: FieldValues): string[] {
    return rowDigests(this.indexKey(dataset), values);
  }

  /** Queues a row's digests (after removing its old ones when `replace`). */
  async add(dataset: string, id: number, values: FieldValues, replace: boolean, db: Db = this.db): Promise<void> {
    if (replace) {
      await db.deleteFrom('row_index').where('row_id', '=', id).execute();
      this.dropPending(id);
    }
    for (const digest of this.digests(dataset, values)) this.pending.push({ row_id: id, dataset, digest });
  }

  /** Inserts the queued digests, in as few statements as the databases' parameter limits allow. */
  async flush(db: Db = this.db): Promise<void> {
    const rows = this.pending;
    this.pending = [];
    if (!rows.length) return;
    // One statement whatever the number of digests, its text fixed: Kysely would otherwise build
    // and compile an INSERT of that many rows on every write.
    const query =
      this.dialect.name === 'postgres'
        ? asPreparedStatement(
            CompiledQuery.raw(INSERT_DIGESTS_POSTGRES, [
              this.uid,
              rows.map((r) => r.row_id),
              rows.map((r) => r.dataset),
              rows.map((r) => r.digest),
            ]),
          )
        : CompiledQuery.raw(INSERT_DIGESTS_SQLITE, [this.uid, JSON.stringify(rows.map((r) => [r.row_id, r.dataset, r.digest]))]);
    await db.executeQuery(query);
  }

  /** Forgets queued digests of a row rewritten or deleted later in the same transaction. */
  dropPending(id: number): void {
    if (this.pending.length) this.pending = this.pending.filter((p) => p.row_id !== id);
  }

  /**
   * Whether the index covers every row of `dataset`. Rows written before the index existed
   * (listed in row_index_backfill by migration 0006) are indexed here, by a caller that holds the
   * key, in transactions of BACKFILL_BATCH rows that each record how far they got, so an
   * interrupted backfill resumes where it stopped. At most `budget` rows are indexed per call.
   */
  async ready(
    dataset: string,
    budget: number,
    open: (row: { instance: number; rid: string; ciphertext: string }) => FieldValues,
  ): Promise<boolean> {
    const pending = (db: Db) =>
      db
        .selectFrom('row_index_backfill')
        .select(['next_id', 'last_id'])
        .where('uid', '=', this.uid)
        .where('dataset', '=', dataset);
    if (!(await pending(this.db).executeTakeFirst())) return true;
    for (let indexed = 0; indexed < budget; indexed += BACKFILL_BATCH) {
      const step = async (db: Db): Promise<boolean> => {
        const at = await forUpdate(this.dialect, pending(db)).executeTakeFirst();
        if (!at) return true;
        const rows = await forUpdate(
          this.dialect,
          db
            .selectFrom('transaction_rows')
            .select(['id', 'instance', 'rid', 'ciphertext'])
            .where('uid', '=', this.uid)
            .where('dataset', '=', dataset)
            .where('id', '>=', at.next_id)
            .where('id', '<=', at.last_id)
            .orderBy('id')
            .limit(BACKFILL_BATCH),
        ).execute();
        for (const r of rows) await this.add(dataset, r.id, open(r), true, db);
        await this.flush(db);
        const done = rows.length < BACKFILL_BATCH || rows[rows.length - 1]!.id >= at.last_id;
        if (done) {
          await db.deleteFrom('row_index_backfill').where('uid', '=', this.uid).where('dataset', '=', dataset).execute();
        } else {
          await db
            .updateTable('row_index_backfill')
            .set({ next_id: rows[rows.length - 1]!.id + 1 })
            .where('uid', '=', this.uid)
            .where('dataset', '=', dataset)
            .execute();
        }
        return done;
      };
      const done = this.db.isTransaction ? await step(this.db) : await this.db.transaction().execute(step);
      if (done) return true;
    }
    return false;
  }
}
