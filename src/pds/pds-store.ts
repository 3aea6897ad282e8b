/**
 * A member's encrypted datasets. Callers get a reader or a writer already scoped to one member
 * and one set of unwrapped data keys (`read` / `transact`), so no code path can touch another
 * member's rows or decrypt a dataset whose key it was not given.
 */
import type { CompiledQuery, Kysely, Transaction } from 'kysely';
import type { DataKeyRing } from '../members/key-ring.ts';
import type { DatabaseHandle, Dialect } from '../storage/dialect.ts';
import type { Database } from '../storage/schema.ts';
import type { Clock } from '../clock.ts';
import type { ChangeInput } from '../outbox/outbox-service.ts';
import { AccessLogBuffer, type AccessLogSink } from './access-log-buffer.ts';
import { MetadataReadBatch } from './metadata-batch-store.ts';
import { AppendError, type OpenedRow, type SealedRead } from '../storage/row-appender.ts';
import { IntegrityFailure } from '../errors.ts';
import {
  accessRow,
  ctxMeta,
  ctxMetaPrefix,
  dataKey,
  MemberPds,
  metadataInstance,
  metadataInstances,
  openValues,
  parseRecord,
  rowContextPrefix,
} from './member-pds-store.ts';
import { sealedPageQuery, type RowQuery, type SealedPageRow } from './row-read-store.ts';

/** A committed-with-the-write change goes to the outbox in the write's transaction (contract §5.4). */
export type ChangeHook = (trx: Transaction<Database>, change: ChangeInput) => Promise<void>;

export type FieldValues = Record<string, string | null>;

export interface StoredRow {
  id: number;
  instance: number;
  source: string;
  /** the connection that added the row (undefined: the member, or a row from before migration 0008) */
  writerNid?: number | undefined;
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
  /** `writerNid`: the connection adding the row, kept so the member can see who did */
  insertRow(dataset: string, instance: number, source: string, values: FieldValues, writerNid?: number): Promise<number>;
  updateRow(dataset: string, id: number, values: FieldValues): Promise<FieldValues>;
  deleteRow(dataset: string, id: number): Promise<void>;
  recordAccess(entry: AccessEntry): Promise<void>;
}

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
    /** DatabaseHandle.writeTransaction: on SQLite, concurrent writes share a commit */
    private readonly writeTransaction: DatabaseHandle['writeTransaction'],
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
              const { key } = dataKey(keys, dataset);
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
   * succeeded. A plain page (no filter, an order the database knows) selects only what the page
   * shows, with each row's context: on a SQLite file it is read, decrypted and logged on the side
   * thread as one job, as metadata reads are, which moves the SELECT and the decryption, most of a
   * large page's cost, off the event loop; elsewhere the same query runs here.
   */
  async findRowsLogged<V>(uid: number, keys: DataKeyRing, dataset: string, read: RowRead<V>, entry: AccessEntry): Promise<V[]> {
    const page = read.equalities?.length
      ? undefined
      : sealedPageQuery({ db: this.db, dialect: this.dialect.name }, uid, dataset, read);
    if (!page) {
      const rows = await this.read(uid, keys, (r) => r.findRows(dataset, read));
      await this.recordAccess(uid, entry);
      return rows;
    }
    const contextPrefix = rowContextPrefix(uid, dataset);
    if (!this.accessLog.carriesReads) {
      const { key } = dataKey(keys, dataset);
      const sealedRows = await this.selectNow(page);
      const rows = sealedRows.map((r) =>
        read.view({
          id: r.id,
          instance: r.instance,
          source: r.source,
          createdAt: r.created_at,
          updatedAt: r.updated_at,
          values: openValues(key, r.ciphertext, `${contextPrefix}${r.context}`),
        }),
      );
      await this.recordAccess(uid, entry);
      return rows;
    }
    const sealed = { ...sealedRead(keys, dataset, page, contextPrefix), expectedRows: read.limit };
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
   * One all-or-nothing write, resolved once committed. Every change is reported to the change hook inside the same
   * transaction, so a notification is queued exactly when the data commits.
   */
  async transact<T>(
    uid: number,
    keys: DataKeyRing,
    fn: (w: PdsWriter) => Promise<T>,
    writerNid: number | null = null,
  ): Promise<T> {
    return this.writeTransaction(async (trx) => {
      const w = new MemberPds({ db: trx, dialect: this.dialect.name }, this.dialect, this.clock, uid, keys, writerNid, (c) =>
        this.onChange(trx, c),
      );
      const out = await fn(w);
      await w.index.flush();
      return out;
    });
  }

  /** Appends to the access log outside any data transaction (reads), committed in groups. */
  async recordAccess(uid: number, e: AccessEntry): Promise<void> {
    await this.accessLog.append(accessRow(uid, e, this.clock.now()));
  }
}

function sealedRead(keys: DataKeyRing, dataset: string, query: CompiledQuery, contextPrefix: string): SealedRead {
  return { sql: query.sql, params: query.parameters, key: dataKey(keys, dataset).key, contextPrefix };
}
