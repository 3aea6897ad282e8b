/**
 * A member's encrypted datasets. Callers get a reader or a writer already scoped to one member
 * and one set of unwrapped data keys (`read` / `transact`), so no code path can touch another
 * member's rows or decrypt a dataset whose key it was not given.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { openText, seal } from '../crypto/aead.ts';
import { IntegrityFailure } from '../errors.ts';
import type { DataKeyRing } from '../members/key-ring.ts';
import { forUpdate, type DatabaseHandle, type Dialect } from '../storage/dialect.ts';
import type { Database } from '../storage/schema.ts';
import { prepared, type QueryTarget } from '../storage/prepared.ts';
import type { Clock } from '../clock.ts';
import { AccessLogBuffer, type AccessLogSink } from './access-log-buffer.ts';
import { AppendError, type OpenedRow } from '../storage/row-appender.ts';
import { blindDigest, blindIndexKey, normalise, rowDigests } from './blind-index.ts';
import { RowFinder, ScanLimitExceeded, type RowQuery, type StoredRowRecord } from './row-finder.ts';

/** A committed-with-the-write change, for notifications (contract §5.4). */
export interface DataChange {
  uid: number;
  dataset: string;
  action: 'create' | 'update' | 'delete';
  updatedId: string;
  writerNid: number | null;
  /** the fields written, cleared or deleted: only connections that may read one of them are told */
  fields: readonly string[];
}

export type ChangeHook = (trx: Transaction<Database>, change: DataChange) => Promise<void>;

export type FieldValues = Record<string, string | null>;

export interface StoredRow {
  id: number;
  instance: number;
  source: string;
  createdAt: number;
  updatedAt: number;
  values: FieldValues;
}

export interface AccessEntry {
  nid: number | null;
  actor: 'connection' | 'member';
  dataset: string;
  fields: readonly string[];
  action: 'read' | 'write' | 'delete';
}

/** An equality a matching row's field must satisfy: its value is one of `values`. */
export interface Equality {
  field: string;
  values: readonly string[];
}

/** A read of rows (see RowFinder): the equalities let the blind index narrow the candidates. */
export type RowRead<V> = Omit<RowQuery<V>, 'digests' | 'view'> & {
  view: (row: StoredRow) => V;
  equalities?: readonly Equality[];
};

export interface PdsReader {
  /** Every stored instance of a metadata dataset (or just `instance`), decrypted. */
  metadata(dataset: string, instance?: number): Promise<Map<number, FieldValues>>;
  /** Every row of a dataset (or of one instance), decrypted: the member's own whole view. */
  rows(dataset: string, instance?: number): Promise<StoredRow[]>;
  row(dataset: string, id: number): Promise<StoredRow | undefined>;
  /** One page of rows; the cost follows the page and the filter, not the dataset (RowFinder). */
  findRows<V>(dataset: string, read: RowRead<V>): Promise<V[]>;
}

export interface PdsWriter extends PdsReader {
  /** Merges `values` into the instance (null clears a field); returns the merged record. */
  mergeMetadata(dataset: string, instance: number, values: FieldValues): Promise<FieldValues>;
  /** Replaces the instance's record; an empty record deletes it. */
  replaceMetadata(dataset: string, instance: number, values: FieldValues): Promise<void>;
  insertRow(dataset: string, instance: number, source: string, values: FieldValues): Promise<number>;
  updateRow(dataset: string, id: number, values: FieldValues): Promise<FieldValues>;
  deleteRow(dataset: string, id: number): Promise<void>;
  recordAccess(entry: AccessEntry): Promise<void>;
}

type Db = Kysely<Database> | Transaction<Database>;

/** Rows indexed per transaction by the blind-index backfill (see indexReady). */
const BACKFILL_BATCH = 500;
/** Index rows per INSERT: 4 parameters each, well inside SQLite's 32,766 and PostgreSQL's 65,535. */
const INDEX_ROWS_PER_INSERT = 2000;

const ctxMetaPrefix = (uid: number, ds: string) => `pds|${uid}|${ds}|m|`;
const ctxMeta = (uid: number, ds: string, instance: number) => `${ctxMetaPrefix(uid, ds)}${instance}`;
const ctxRow = (uid: number, ds: string, instance: number, rid: string) => `pds|${uid}|${ds}|r|${instance}|${rid}`;
/** The additional data that binds a row's ciphertext to its member, dataset, instance and rid. */
export const rowContext = ctxRow;

export class PdsStore {
  private readonly accessLog: AccessLogBuffer;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
    private readonly clock: Clock,
    private readonly onChange: ChangeHook,
    /** DatabaseHandle.appendRelaxed and runSideJobs, for the access log (see AccessLogBuffer) */
    readLog: AccessLogSink,
    /** DatabaseHandle.selectNow, for the hot reads outside transactions */
    private readonly selectNow: DatabaseHandle['selectNow'],
  ) {
    this.accessLog = new AccessLogBuffer(readLog);
  }

  /**
   * Metadata records (one instance, or all of a dataset's when `instance` is undefined) for each
   * read, decrypted, with `entries` appended to the access log once every read has succeeded. On a
   * SQLite file the reads and the log entries go to the side thread as one job (see
   * AccessLogBuffer); elsewhere the reads run here and the entries are logged after them.
   */
  async readMetadataLogged(
    uid: number,
    keys: DataKeyRing,
    reads: readonly { dataset: string; instance: number | undefined }[],
    entries: readonly AccessEntry[],
  ): Promise<Map<number, FieldValues>[]> {
    if (!this.accessLog.carriesReads) {
      const records = await this.read(uid, keys, async (r) => {
        const out: Map<number, FieldValues>[] = [];
        for (const { dataset, instance } of reads) out.push(await r.metadata(dataset, instance));
        return out;
      });
      // Queued together, the entries share one group commit (and one INSERT) rather than one each.
      await Promise.all(entries.map((e) => this.recordAccess(uid, e)));
      return records;
    }
    const target = { db: this.db, dialect: this.dialect.name };
    const sealed = reads.map(({ dataset, instance }) => {
      const key = keys.get(dataset)?.key;
      // Reaching here without the key is a programming error: callers check grants first.
      if (!key) throw new Error(`no data key for ${dataset} in this scope`);
      const query =
        instance === undefined
          ? metadataInstances.compiled(target, uid, dataset)
          : metadataInstance.compiled(target, uid, dataset, instance);
      const { sql, parameters } = query;
      // The query selects (instance, ciphertext): the instance ends each record's context.
      return { sql, params: parameters, key, contextPrefix: ctxMetaPrefix(uid, dataset) };
    });
    const now = this.clock.now();
    let results: OpenedRow[][];
    try {
      results = await this.accessLog.readThenLog(
        sealed,
        entries.map((e) => accessRow(uid, e, now)),
      );
    } catch (err) {
      if (err instanceof AppendError && err.code === 'INTEGRITY') throw new IntegrityFailure(err);
      throw err;
    }
    return results.map((rows) => new Map(rows.map(([instance, plaintext]) => [instance as number, parseRecord(plaintext)])));
  }

  async read<T>(uid: number, keys: DataKeyRing, fn: (r: PdsReader) => Promise<T>): Promise<T> {
    const target = { db: this.db, dialect: this.dialect.name, selectNow: this.selectNow };
    return fn(new MemberPds(target, this.dialect, this.clock, uid, keys, null, async () => {}));
  }

  /**
   * One all-or-nothing write. Every change is reported to the change hook inside the same
   * transaction, so a notification is queued exactly when the data commits.
   */
  async transact<T>(
    uid: number,
    keys: DataKeyRing,
    fn: (w: PdsWriter) => Promise<T>,
    writerNid: number | null = null,
  ): Promise<T> {
    return this.db.transaction().execute(async (trx) => {
      const w = new MemberPds({ db: trx, dialect: this.dialect.name }, this.dialect, this.clock, uid, keys, writerNid, (c) =>
        this.onChange(trx, c),
      );
      try {
        const out = await fn(w);
        await w.flushIndex();
        return out;
      } finally {
        w.forgetIndexKeys();
      }
    });
  }

  /** Appends to the access log outside any data transaction (reads), committed in groups. */
  async recordAccess(uid: number, e: AccessEntry): Promise<void> {
    await this.accessLog.append(accessRow(uid, e, this.clock.now()));
  }
}

function accessRow(uid: number, e: AccessEntry, at: number) {
  return { uid, nid: e.nid, actor: e.actor, dataset: e.dataset, fields: e.fields.join(','), action: e.action, at };
}

async function insertAccess(db: Db, uid: number, e: AccessEntry, at: number): Promise<void> {
  await db
    .insertInto('access_log')
    .values(accessRow(uid, e, at))
    .execute();
}

// The metadata read is the API's most frequent query: compiled once (see prepared.ts).
const metadataInstances = prepared((db, uid: number, dataset: string) =>
  db
    .selectFrom('metadata_records')
    .select(['instance', 'ciphertext'])
    .where('uid', '=', uid)
    .where('dataset', '=', dataset)
    .orderBy('instance'),
);
const metadataInstance = prepared((db, uid: number, dataset: string, instance: number) =>
  db
    .selectFrom('metadata_records')
    .select(['instance', 'ciphertext'])
    .where('uid', '=', uid)
    .where('dataset', '=', dataset)
    .where('instance', '=', instance),
);

class MemberPds implements PdsWriter {
  private readonly db: Db;

  constructor(
    /** the database or the write transaction, and how prepared reads reach it */
    private readonly target: QueryTarget,
    private readonly dialect: Dialect,
    private readonly clock: Clock,
    private readonly uid: number,
    private readonly keys: DataKeyRing,
    private readonly writerNid: number | null,
    private readonly changed: (c: DataChange) => Promise<void>,
  ) {
    this.db = target.db;
  }

  private emit(dataset: string, action: DataChange['action'], updatedId: number, fields: readonly string[]): Promise<void> {
    return this.changed({ uid: this.uid, dataset, action, updatedId: String(updatedId), writerNid: this.writerNid, fields });
  }

  private key(dataset: string): { key: Buffer; version: number } {
    const k = this.keys.get(dataset);
    // Reaching here without the key is a programming error: callers check grants first.
    if (!k) throw new Error(`no data key for ${dataset} in this scope`);
    return k;
  }

  private decrypt(dataset: string, ciphertext: string, context: string): FieldValues {
    const { key } = this.key(dataset);
    let plaintext: string;
    try {
      plaintext = openText(key, ciphertext, context);
    } catch (err) {
      throw new IntegrityFailure(err);
    }
    return parseRecord(plaintext);
  }

  private encrypt(dataset: string, values: FieldValues, context: string): string {
    const k = this.key(dataset);
    return seal(k.key, JSON.stringify(values), context, k.version);
  }

  async metadata(dataset: string, instance?: number): Promise<Map<number, FieldValues>> {
    const rows =
      instance === undefined
        ? await metadataInstances(this.target, this.uid, dataset)
        : await metadataInstance(this.target, this.uid, dataset, instance);
    return new Map(rows.map((r) => [r.instance, this.decrypt(dataset, r.ciphertext, ctxMeta(this.uid, dataset, r.instance))]));
  }

  async rows(dataset: string, instance?: number): Promise<StoredRow[]> {
    let q = this.db.selectFrom('transaction_rows').selectAll().where('uid', '=', this.uid).where('dataset', '=', dataset);
    if (instance !== undefined) q = q.where('instance', '=', instance);
    const rows = await q.orderBy('id').execute();
    return rows.map((r) => this.toStoredRow(dataset, r));
  }

  async row(dataset: string, id: number): Promise<StoredRow | undefined> {
    const r = await this.db
      .selectFrom('transaction_rows')
      .selectAll()
      .where('uid', '=', this.uid)
      .where('dataset', '=', dataset)
      .where('id', '=', id)
      .executeTakeFirst();
    return r ? this.toStoredRow(dataset, r) : undefined;
  }

  private toStoredRow(dataset: string, r: StoredRowRecord, values?: FieldValues): StoredRow {
    return {
      id: r.id,
      instance: r.instance,
      source: r.source,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      values: values ?? this.openRow(dataset, r),
    };
  }

  private openRow(dataset: string, r: { instance: number; rid: string; ciphertext: string }): FieldValues {
    return this.decrypt(dataset, r.ciphertext, ctxRow(this.uid, dataset, r.instance, r.rid));
  }

  async findRows<V>(dataset: string, read: RowRead<V>): Promise<V[]> {
    const { equalities, view, ...query } = read;
    let digests: string[][] | undefined;
    const indexPending = !!equalities?.length && !(await this.indexReady(dataset, read.maxScanned));
    if (equalities?.length && !indexPending) {
      digests = this.withIndexKey(dataset, (key) =>
        equalities.map((e) => [...new Set(e.values.map((v) => blindDigest(key, e.field, normalise(v))))]),
      );
    }
    const finder = new RowFinder(this.target, this.uid, dataset, (r) => this.openRow(dataset, r));
    try {
      return await finder.find({ ...query, digests, view: (r, values) => view(this.toStoredRow(dataset, r, values)) });
    } catch (err) {
      if (err instanceof ScanLimitExceeded && indexPending) throw new ScanLimitExceeded(err.limit, true);
      throw err;
    }
  }

  /** The index key of `dataset`, for `fn` only: it is zeroed afterwards. */
  private withIndexKey<T>(dataset: string, fn: (key: Buffer) => T): T {
    const key = blindIndexKey(this.key(dataset).key, this.uid, dataset);
    try {
      return fn(key);
    } finally {
      key.fill(0);
    }
  }

  /**
   * Index keys derived during a write transaction, one per dataset, zeroed when it ends
   * (forgetIndexKeys): a batch of rows then costs one key derivation, not one per row.
   */
  private readonly indexKeys = new Map<string, Buffer>();
  /** Digests of the rows written in this transaction, inserted together by flushIndex. */
  private pendingIndex: { row_id: number; uid: number; dataset: string; digest: string }[] = [];

  /** Queues a row's blind-index digests (after removing its old ones when `replace`). */
  private async indexRow(dataset: string, id: number, values: FieldValues, replace: boolean, db: Db = this.db): Promise<void> {
    if (replace) {
      await db.deleteFrom('row_index').where('row_id', '=', id).execute();
      this.dropPendingIndex(id);
    }
    let key = this.indexKeys.get(dataset);
    if (!key) this.indexKeys.set(dataset, (key = blindIndexKey(this.key(dataset).key, this.uid, dataset)));
    for (const digest of rowDigests(key, values)) this.pendingIndex.push({ row_id: id, uid: this.uid, dataset, digest });
  }

  /** Inserts the queued digests, in as few statements as the databases' parameter limits allow. */
  async flushIndex(db: Db = this.db): Promise<void> {
    const rows = this.pendingIndex;
    this.pendingIndex = [];
    for (let i = 0; i < rows.length; i += INDEX_ROWS_PER_INSERT) {
      await db
        .insertInto('row_index')
        .values(rows.slice(i, i + INDEX_ROWS_PER_INSERT))
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
  }

  /** Forgets queued digests of a row rewritten or deleted later in the same transaction. */
  private dropPendingIndex(id: number): void {
    if (this.pendingIndex.length) this.pendingIndex = this.pendingIndex.filter((p) => p.row_id !== id);
  }

  forgetIndexKeys(): void {
    for (const key of this.indexKeys.values()) key.fill(0);
    this.indexKeys.clear();
  }

  /**
   * Whether the blind index covers every row of `dataset`. Rows written before the index existed
   * (listed in row_index_backfill by migration 0006) are indexed here, by a caller that holds the
   * key, in transactions of BACKFILL_BATCH rows that each record how far they got, so an
   * interrupted backfill resumes where it stopped. At most `budget` rows are indexed per call.
   */
  private async indexReady(dataset: string, budget: number): Promise<boolean> {
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
        try {
          for (const r of rows) await this.indexRow(dataset, r.id, this.openRow(dataset, r), true, db);
          await this.flushIndex(db);
        } finally {
          this.forgetIndexKeys();
        }
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

  async mergeMetadata(dataset: string, instance: number, values: FieldValues): Promise<FieldValues> {
    const current = await forUpdate(
      this.dialect,
      this.db
        .selectFrom('metadata_records')
        .select('ciphertext')
        .where('uid', '=', this.uid)
        .where('dataset', '=', dataset)
        .where('instance', '=', instance),
    ).executeTakeFirst();
    const merged = mergeValues(
      current ? this.decrypt(dataset, current.ciphertext, ctxMeta(this.uid, dataset, instance)) : {},
      values,
    );
    await this.writeRecord(dataset, instance, merged, current ? 'update' : 'create', Object.keys(values));
    return merged;
  }

  async replaceMetadata(dataset: string, instance: number, values: FieldValues): Promise<void> {
    const before = (await this.metadata(dataset, instance)).get(instance) ?? {};
    const fields = [...new Set([...Object.keys(before), ...Object.keys(values)])];
    await this.writeRecord(dataset, instance, values, 'update', fields);
  }

  private async writeRecord(
    dataset: string,
    instance: number,
    values: FieldValues,
    action: 'create' | 'update',
    fields: readonly string[],
  ): Promise<void> {
    const where = this.db
      .deleteFrom('metadata_records')
      .where('uid', '=', this.uid)
      .where('dataset', '=', dataset)
      .where('instance', '=', instance);
    if (Object.keys(values).length === 0) {
      const res = await where.executeTakeFirst();
      if (Number(res.numDeletedRows) > 0) await this.emit(dataset, 'delete', instance, fields);
      return;
    }
    const ciphertext = this.encrypt(dataset, values, ctxMeta(this.uid, dataset, instance));
    const now = this.clock.now();
    await this.db
      .insertInto('metadata_records')
      .values({ uid: this.uid, dataset, instance, ciphertext, updated_at: now })
      .onConflict((oc) => oc.columns(['uid', 'dataset', 'instance']).doUpdateSet({ ciphertext, updated_at: now }))
      .execute();
    await this.emit(dataset, action, instance, fields);
  }

  async insertRow(dataset: string, instance: number, source: string, values: FieldValues): Promise<number> {
    const rid = randomBytes(12).toString('base64url');
    const now = this.clock.now();
    const ciphertext = this.encrypt(dataset, values, ctxRow(this.uid, dataset, instance, rid));
    const r = await this.db
      .insertInto('transaction_rows')
      .values({ uid: this.uid, dataset, instance, rid, source, ciphertext, created_at: now, updated_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    await this.indexRow(dataset, r.id, values, false);
    await this.emit(dataset, 'create', r.id, Object.keys(values));
    return r.id;
  }

  async updateRow(dataset: string, id: number, values: FieldValues): Promise<FieldValues> {
    const r = await forUpdate(
      this.dialect,
      this.db
        .selectFrom('transaction_rows')
        .select(['instance', 'rid', 'ciphertext'])
        .where('uid', '=', this.uid)
        .where('dataset', '=', dataset)
        .where('id', '=', id),
    ).executeTakeFirst();
    if (!r) throw new Error('row vanished');
    const merged = mergeValues(this.decrypt(dataset, r.ciphertext, ctxRow(this.uid, dataset, r.instance, r.rid)), values);
    const ciphertext = this.encrypt(dataset, merged, ctxRow(this.uid, dataset, r.instance, r.rid));
    await this.db
      .updateTable('transaction_rows')
      .set({ ciphertext, updated_at: this.clock.now() })
      .where('id', '=', id)
      .where('uid', '=', this.uid)
      .execute();
    await this.indexRow(dataset, id, merged, true);
    await this.emit(dataset, 'update', id, Object.keys(values));
    return merged;
  }

  async deleteRow(dataset: string, id: number): Promise<void> {
    const gone = await this.db
      .deleteFrom('transaction_rows')
      .where('uid', '=', this.uid)
      .where('dataset', '=', dataset)
      .where('id', '=', id)
      .returning(['instance', 'rid', 'ciphertext'])
      .executeTakeFirst();
    if (!gone) return;
    this.dropPendingIndex(id);
    const fields = Object.keys(this.decrypt(dataset, gone.ciphertext, ctxRow(this.uid, dataset, gone.instance, gone.rid)));
    await this.emit(dataset, 'delete', id, fields);
  }

  async recordAccess(entry: AccessEntry): Promise<void> {
    await insertAccess(this.db, this.uid, entry, this.clock.now());
  }
}

/** A decrypted record; one that does not parse is as corrupt as one that fails to open. */
function parseRecord(plaintext: string): FieldValues {
  try {
    return JSON.parse(plaintext) as FieldValues;
  } catch (err) {
    throw new IntegrityFailure(err);
  }
}

/** `values` over `base`; null clears a field. */
function mergeValues(base: FieldValues, values: FieldValues): FieldValues {
  const out = { ...base };
  for (const [f, v] of Object.entries(values)) {
    if (v === null) delete out[f];
    else out[f] = v;
  }
  return out;
}
