/**
 * A member's encrypted datasets. Callers get a reader or a writer already scoped to one member
 * and one set of unwrapped data keys (`read` / `transact`), so no code path can touch another
 * member's rows or decrypt a dataset whose key it was not given.
 */
import { randomBytes } from 'node:crypto';
import type { CompiledQuery, Kysely, Transaction } from 'kysely';
import { openText, seal } from '../crypto/aead.ts';
import { IntegrityFailure } from '../errors.ts';
import type { DataKeyRing } from '../members/key-ring.ts';
import { forUpdate, type DatabaseHandle, type Dialect } from '../storage/dialect.ts';
import type { Database } from '../storage/schema.ts';
import { prepared, type QueryTarget } from '../storage/prepared.ts';
import type { Clock } from '../clock.ts';
import { AccessLogBuffer, type AccessLogSink } from './access-log-buffer.ts';
import { MetadataReadBatch } from './metadata-batch-store.ts';
import { AppendError, type OpenedRow, type SealedRead } from '../storage/row-appender.ts';
import { RowIndex } from './row-index-store.ts';
import {
  RowFinder,
  ScanLimitExceeded,
  sealedPageQuery,
  type RowQuery,
  type SealedPageRow,
  type StoredRowRecord,
} from './row-read-store.ts';

/** A committed-with-the-write change, for notifications (contract §5.4). */
interface DataChange {
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

const ctxMetaPrefix = (uid: number, ds: string) => `pds|${uid}|${ds}|m|`;
const ctxMeta = (uid: number, ds: string, instance: number) => `${ctxMetaPrefix(uid, ds)}${instance}`;
const rowContextPrefix = (uid: number, ds: string) => `pds|${uid}|${ds}|r|`;
const ctxRow = (uid: number, ds: string, instance: number, rid: string) => `${rowContextPrefix(uid, ds)}${instance}|${rid}`;
/** The additional data that binds a row's ciphertext to its member, dataset, instance and rid. */
export const rowContext = ctxRow;

export class PdsStore {
  private readonly accessLog: AccessLogBuffer;
  /** on PostgreSQL, the metadata reads of one event-loop turn in one query (metadata-batch-store.ts) */
  private readonly metadataBatch: MetadataReadBatch | undefined;

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
    this.metadataBatch = dialect.name === 'postgres' ? new MetadataReadBatch(db) : undefined;
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
      const { metadataBatch } = this;
      const records = metadataBatch
        ? await Promise.all(
            reads.map(async ({ dataset, instance }) => {
              const sealed = await metadataBatch.read({ uid, dataset, instance });
              const key = dataKey(keys, dataset);
              return new Map(sealed.map((r) => [r.instance, openValues(key, r.ciphertext, ctxMeta(uid, dataset, r.instance))]));
            }),
          )
        : await this.read(uid, keys, async (r) => {
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
      const query =
        instance === undefined
          ? metadataInstances.compiled(target, uid, dataset)
          : metadataInstance.compiled(target, uid, dataset, instance);
      // The query selects (instance, ciphertext): the instance ends each record's context.
      return sealedRead(keys, dataset, query, ctxMetaPrefix(uid, dataset));
    });
    const results = await this.sideRead(uid, sealed, entries);
    return results.map(
      (rows) => new Map(rows.map(([instance, plaintext]) => [instance as number, parseRecord(plaintext as string)])),
    );
  }

  /**
   * A page of rows (PdsReader.findRows), with `entry` appended to the access log once the read has
   * succeeded. On a SQLite file a plain page (no filter, an order the database knows) is read,
   * decrypted and logged on the side thread as one job, as metadata reads are: that moves the
   * SELECT and the decryption, most of a large page's cost, off the event loop.
   */
  async findRowsLogged<V>(uid: number, keys: DataKeyRing, dataset: string, read: RowRead<V>, entry: AccessEntry): Promise<V[]> {
    const page =
      this.accessLog.carriesReads && !read.equalities?.length
        ? sealedPageQuery({ db: this.db, dialect: this.dialect.name }, uid, dataset, read)
        : undefined;
    if (!page) {
      const rows = await this.read(uid, keys, (r) => r.findRows(dataset, read));
      await this.recordAccess(uid, entry);
      return rows;
    }
    const sealed = { ...sealedRead(keys, dataset, page, rowContextPrefix(uid, dataset)), expectedRows: read.limit };
    const [rows] = await this.sideRead(uid, [sealed], [entry]);
    return rows!.map((r) => {
      const [id, instance, source, createdAt, updatedAt, , plaintext] = r as SealedPageRow;
      return read.view({ id, instance, source, createdAt, updatedAt, values: parseRecord(plaintext) });
    });
  }

  /** Sealed reads on the side thread, then `entries` logged if they all succeeded (AccessLogBuffer). */
  private async sideRead(uid: number, reads: SealedRead[], entries: readonly AccessEntry[]): Promise<OpenedRow[][]> {
    const now = this.clock.now();
    try {
      return await this.accessLog.readThenLog(
        reads,
        entries.map((e) => accessRow(uid, e, now)),
      );
    } catch (err) {
      if (err instanceof AppendError && err.code === 'INTEGRITY') throw new IntegrityFailure(err);
      throw err;
    }
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
        await w.index.flush();
        return out;
      } finally {
        w.index.forgetKeys();
      }
    });
  }

  /** Appends to the access log outside any data transaction (reads), committed in groups. */
  async recordAccess(uid: number, e: AccessEntry): Promise<void> {
    await this.accessLog.append(accessRow(uid, e, this.clock.now()));
  }
}

function sealedRead(keys: DataKeyRing, dataset: string, query: CompiledQuery, contextPrefix: string): SealedRead {
  return { sql: query.sql, params: query.parameters, key: dataKey(keys, dataset), contextPrefix };
}

/** The dataset's key in this scope; reaching here without it is a programming error (callers check grants first). */
function dataKey(keys: DataKeyRing, dataset: string): Buffer {
  const key = keys.get(dataset)?.key;
  if (!key) throw new Error(`no data key for ${dataset} in this scope`);
  return key;
}

/** A sealed record's values; one that fails to open or to parse is an integrity failure. */
function openValues(key: Buffer, ciphertext: string, context: string): FieldValues {
  let plaintext: string;
  try {
    plaintext = openText(key, ciphertext, context);
  } catch (err) {
    throw new IntegrityFailure(err);
  }
  return parseRecord(plaintext);
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
  /** this member's blind index: digests of the rows written here, lookups, the backfill */
  readonly index: RowIndex;

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
    this.index = new RowIndex(this.db, dialect, uid, (dataset) => this.key(dataset).key);
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
    return openValues(this.key(dataset).key, ciphertext, context);
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
    const indexPending =
      !!equalities?.length && !(await this.index.ready(dataset, read.maxScanned, (r) => this.openRow(dataset, r)));
    const digests = equalities?.length && !indexPending ? this.index.lookup(dataset, equalities) : undefined;
    const finder = new RowFinder(this.target, this.uid, dataset, (r) => this.openRow(dataset, r));
    try {
      return await finder.find({ ...query, digests, view: (r, values) => view(this.toStoredRow(dataset, r, values)) });
    } catch (err) {
      if (err instanceof ScanLimitExceeded && indexPending) throw new ScanLimitExceeded(err.limit, true);
      throw err;
    }
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
    await this.index.add(dataset, r.id, values, false);
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
    await this.index.add(dataset, id, merged, true);
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
    this.index.dropPending(id);
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
