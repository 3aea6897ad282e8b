/**
 * How a read of transactional rows reaches the database (docs/operations.md, "Reading rows at
 * scale"). The rows are ciphertext, so the database can order and page them only by their plain
 * columns (id, instance, created_at, updated_at), and find them by value only through the blind
 * index. Each read takes the cheapest of three shapes:
 *
 * 1. **A page.** No filter, and an order the database knows: one query with LIMIT and OFFSET;
 *    only the page is decrypted.
 * 2. **A stream in a known order.** Filters, and an order the database knows: rows (or, with an
 *    equality filter, only the rows the blind index names) come in batches, keyset-paged in that
 *    order; each is decrypted and filtered, and the read stops when the page is full.
 * 3. **A bounded sort.** An order only the decrypted values give (a data field): the candidates
 *    stream through the filter, and only the best `offset + limit` are kept.
 *
 * Shapes 2 and 3 decrypt at most `maxScanned` rows, then refuse with ScanLimitExceeded: a filter
 * that no index serves costs what the dataset holds, and this caps it.
 */
import { sql, type CompiledQuery, type Kysely, type SelectQueryBuilder, type Transaction } from 'kysely';
import type { Database, TransactionRowTable } from '../storage/schema.ts';
import { prepared, type QueryTarget } from '../storage/prepared.ts';
import type { Selectable } from 'kysely';

/** Rows fetched per batch in shapes 2 and 3. */
const BATCH = 256;
/** An IN filter with more values than this is not looked up in the index (it filters after). */
export const MAX_INDEXED_VALUES = 100;

export type StoredRowRecord = Selectable<TransactionRowTable>;

/** Columns the database can order by, as the filters compare them (as numbers). */
export type OrderColumn = 'id' | 'instance' | 'created_at' | 'updated_at';

export interface RowQuery<V> {
  instance?: number;
  /** the caller's view of a decrypted row: what `matches` and `compare` see and the read returns */
  view: (row: StoredRowRecord, values: Record<string, string | null>) => V;
  /** the whole filter, applied to every decrypted candidate; absent = every row */
  matches?: (v: V) => boolean;
  /**
   * Blind-index digests a matching row must carry, one list per equality filter (a row must hold
   * one digest of each list). The index only narrows the candidates; `matches` still decides.
   */
  digests?: readonly (readonly string[])[];
  /** the order: a column, or a comparison of views (ties are broken by row id, ascending) */
  order: { column: OrderColumn; dir: 'asc' | 'desc' } | { compare: (a: V, b: V) => number };
  limit: number;
  offset: number;
  /** the most rows shapes 2 and 3 may decrypt */
  maxScanned: number;
}

export class ScanLimitExceeded extends Error {
  constructor(
    readonly limit: number,
    /** the blind index could have served the read, but is still being built (migration 0006) */
    readonly indexPending = false,
  ) {
    super(`the read would decrypt more than ${limit} rows`);
  }
}

type Db = Kysely<Database> | Transaction<Database>;
type RowSelect = SelectQueryBuilder<Database, 'transaction_rows', StoredRowRecord>;

type Order = { column: OrderColumn; dir: 'asc' | 'desc' };

/**
 * Every column by name, not `*`: on PostgreSQL these queries are prepared statements, and a column
 * added by a later migration would otherwise change the result of a statement a running process
 * already prepared (PostgreSQL refuses that: "cached plan must not change result type").
 */
const ROW_COLUMNS = [
  'id',
  'uid',
  'dataset',
  'instance',
  'rid',
  'source',
  'writer_nid',
  'ciphertext',
  'created_at',
  'updated_at',
] as const satisfies readonly (keyof StoredRowRecord)[];

function memberRows(db: Db, uid: number, dataset: string) {
  return db.selectFrom('transaction_rows').select(ROW_COLUMNS).where('uid', '=', uid).where('dataset', '=', dataset);
}

function inOrder<O>(
  s: SelectQueryBuilder<Database, 'transaction_rows', O>,
  order: Order,
): SelectQueryBuilder<Database, 'transaction_rows', O> {
  const sorted = s.orderBy(order.column, order.dir);
  return order.column === 'id' ? sorted : sorted.orderBy('id', 'asc');
}

/**
 * Shape 1's queries for one choice of columns, compiled once per order, with or without an
 * instance (prepared.ts): they are the hot ones, and Kysely would otherwise rebuild and compile
 * them on every read.
 */
function pageQueries<O>(columns: (db: Db, uid: number, dataset: string) => SelectQueryBuilder<Database, 'transaction_rows', O>) {
  return {
    all: perOrder((order) =>
      prepared((db, uid: number, dataset: string, limit: number, offset: number) =>
        inOrder(columns(db, uid, dataset), order)
          .limit(limit)
          .offset(offset),
      ),
    ),
    ofInstance: perOrder((order) =>
      prepared((db, uid: number, dataset: string, instance: number, limit: number, offset: number) =>
        inOrder(columns(db, uid, dataset).where('instance', '=', instance), order)
          .limit(limit)
          .offset(offset),
      ),
    ),
  };
}

/** `build` once per order, then the same result for that order. */
function perOrder<T>(build: (order: Order) => T): (order: Order) => T {
  const built = new Map<string, T>();
  return (order) => {
    const key = `${order.column} ${order.dir}`;
    let value = built.get(key);
    if (value === undefined) built.set(key, (value = build(order)));
    return value;
  };
}

const pages = pageQueries(memberRows);

/**
 * Shape 1 as a sealed read for the SQLite side thread (row-appender.ts): the page's plain columns,
 * then the end of each row's encryption context (`instance|rid`, after `pds|uid|dataset|r|`),
 * then the ciphertext. The thread returns each row as a tuple, `[id, instance, source, created_at,
 * updated_at, context end, plaintext]`.
 */
export type SealedPageRow = [number, number, string, number, number, string, string];

/** The same row as a database driver returns it on this thread, before it is opened. */
export interface SealedPageRecord {
  id: number;
  instance: number;
  source: string;
  created_at: number;
  updated_at: number;
  context: string;
  ciphertext: string;
}

const sealedPages = pageQueries((db, uid, dataset) =>
  db
    .selectFrom('transaction_rows')
    .select(['id', 'instance', 'source', 'created_at', 'updated_at'])
    .select(sql<string>`instance || '|' || rid`.as('context'))
    .select('ciphertext')
    .where('uid', '=', uid)
    .where('dataset', '=', dataset),
);

/** The order of a read that is a plain page (shape 1: no filter, an order the database knows). */
function plainPageOrder<V>(q: Pick<RowQuery<V>, 'matches' | 'digests' | 'order'>): Order | undefined {
  return 'column' in q.order && !q.matches && !q.digests?.length ? q.order : undefined;
}

/**
 * The compiled query of a read that is a plain page (shape 1: no filter, an order the database
 * knows), to run where the caller chooses: its rows are SealedPageRecords, or SealedPageRows from
 * the SQLite side thread. Undefined for any other read.
 */
export function sealedPageQuery<V>(
  target: Pick<QueryTarget, 'db' | 'dialect'>,
  uid: number,
  dataset: string,
  q: Pick<RowQuery<V>, 'instance' | 'matches' | 'digests' | 'order' | 'limit' | 'offset'>,
): CompiledQuery<SealedPageRecord> | undefined {
  const order = plainPageOrder(q);
  if (!order || q.limit === 0) return undefined;
  const query =
    q.instance === undefined
      ? sealedPages.all(order).compiled(target, uid, dataset, q.limit, q.offset)
      : sealedPages.ofInstance(order).compiled(target, uid, dataset, q.instance, q.limit, q.offset);
  return query as CompiledQuery<SealedPageRecord>;
}

export class RowFinder {
  private readonly db: Db;

  constructor(
    /** the database or the transaction, and how prepared reads reach it */
    private readonly target: QueryTarget,
    private readonly uid: number,
    private readonly dataset: string,
    /** decrypts a stored row's values */
    private readonly open: (row: StoredRowRecord) => Record<string, string | null>,
  ) {
    this.db = target.db;
  }

  async find<V>(q: RowQuery<V>): Promise<V[]> {
    if (q.limit === 0) return [];
    const page = plainPageOrder(q);
    if (page) return this.page(q, page);
    if ('column' in q.order) return this.stream(q, q.order);
    return this.boundedSort(q, q.order.compare);
  }

  private base(q: Pick<RowQuery<unknown>, 'instance' | 'digests'>): RowSelect {
    let s = this.db.selectFrom('transaction_rows').selectAll().where('uid', '=', this.uid).where('dataset', '=', this.dataset);
    if (q.instance !== undefined) s = s.where('instance', '=', q.instance);
    for (const digests of q.digests ?? []) {
      s = s.where('id', 'in', (eb) =>
        eb
          .selectFrom('row_index')
          .select('row_index.row_id')
          .where('row_index.uid', '=', this.uid)
          .where('row_index.dataset', '=', this.dataset)
          .where('row_index.digest', 'in', [...digests]),
      );
    }
    return s;
  }

  /** Shape 1: the page, and nothing else, from the database. */
  private async page<V>(q: RowQuery<V>, order: { column: OrderColumn; dir: 'asc' | 'desc' }): Promise<V[]> {
    const rows =
      q.instance === undefined
        ? await pages.all(order)(this.target, this.uid, this.dataset, q.limit, q.offset)
        : await pages.ofInstance(order)(this.target, this.uid, this.dataset, q.instance, q.limit, q.offset);
    return rows.map((r) => q.view(r, this.open(r)));
  }

  /**
   * Batches of rows in `order`, each after the last row of the one before (keyset paging: each
   * batch is an index range, however deep the read has gone).
   */
  private async *batches(
    q: Pick<RowQuery<unknown>, 'instance' | 'digests'>,
    order: { column: OrderColumn; dir: 'asc' | 'desc' },
  ) {
    let last: StoredRowRecord | undefined;
    for (;;) {
      let s = this.base(q);
      if (last) {
        const after = last;
        const cmp = order.dir === 'asc' ? '>' : '<';
        s =
          order.column === 'id'
            ? s.where('id', cmp, after.id)
            : s.where((eb) =>
                eb.or([
                  eb(order.column, cmp, after[order.column]),
                  eb.and([eb(order.column, '=', after[order.column]), eb('id', '>', after.id)]),
                ]),
              );
      }
      const rows = await inOrder(s, order).limit(BATCH).execute();
      if (!rows.length) return;
      yield rows;
      if (rows.length < BATCH) return;
      last = rows[rows.length - 1];
    }
  }

  /** Shape 2: stream in the database's order until `offset` matches are skipped and `limit` kept. */
  private async stream<V>(q: RowQuery<V>, order: { column: OrderColumn; dir: 'asc' | 'desc' }): Promise<V[]> {
    const out: V[] = [];
    let skip = q.offset;
    let opened = 0;
    for await (const rows of this.batches(q, order)) {
      for (const r of rows) {
        if (++opened > q.maxScanned) throw new ScanLimitExceeded(q.maxScanned);
        const v = q.view(r, this.open(r));
        if (q.matches && !q.matches(v)) continue;
        if (skip > 0) skip--;
        else if (out.push(v) === q.limit) return out;
      }
    }
    return out;
  }

  /** Shape 3: every candidate through the filter, keeping only the best `offset + limit`. */
  private async boundedSort<V>(q: RowQuery<V>, compare: (a: V, b: V) => number): Promise<V[]> {
    const keep = q.offset + q.limit;
    const byOrder = (a: { id: number; v: V }, b: { id: number; v: V }) => compare(a.v, b.v) || a.id - b.id;
    let best: { id: number; v: V }[] = [];
    let opened = 0;
    for await (const rows of this.batches(q, { column: 'id', dir: 'asc' })) {
      for (const r of rows) {
        if (++opened > q.maxScanned) throw new ScanLimitExceeded(q.maxScanned);
        const v = q.view(r, this.open(r));
        if (q.matches && !q.matches(v)) continue;
        best.push({ id: r.id, v });
        // Sorting whenever the list doubles keeps memory at 2 × keep and the work at n log keep.
        if (best.length >= 2 * keep) best = best.sort(byOrder).slice(0, keep);
      }
    }
    return best
      .sort(byOrder)
      .slice(q.offset, keep)
      .map((e) => e.v);
  }
}
