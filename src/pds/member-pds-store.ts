/**
 * One member's encrypted datasets, as a reader or a writer scoped to that member and to the data
 * keys it was given (PdsStore.read / transact hand it out): metadata and rows sealed and opened
 * with their context strings, the blind index kept with each row write, every change reported to
 * the change hook inside the write's transaction.
 */
import { randomBytes } from 'node:crypto';
import { CompiledQuery, type Kysely, type Transaction } from 'kysely';
import { openText, seal } from '../crypto/aead.ts';
import { IntegrityFailure } from '../errors.ts';
import type { DataKeyRing } from '../members/key-ring.ts';
import { forUpdate, type Dialect } from '../storage/dialect.ts';
import type { Database } from '../storage/schema.ts';
import { asPreparedStatement, prepared, type QueryTarget } from '../storage/prepared.ts';
import type { Clock } from '../clock.ts';
import type { ChangeInput } from '../outbox/outbox-service.ts';
import type { AccessEntry, FieldValues, PdsWriter, RowRead, StoredRow } from './pds-store.ts';
import { RowIndex } from './row-index-store.ts';
import { BLIND_INDEX_LABEL, blindIndexKey } from './blind-index.ts';
import { RowFinder, ScanLimitExceeded, type StoredRowRecord } from './row-read-store.ts';

type Db = Kysely<Database> | Transaction<Database>;

export const ctxMetaPrefix = (uid: number, ds: string) => `pds|${uid}|${ds}|m|`;
export const ctxMeta = (uid: number, ds: string, instance: number) => `${ctxMetaPrefix(uid, ds)}${instance}`;
export const rowContextPrefix = (uid: number, ds: string) => `pds|${uid}|${ds}|r|`;
const ctxRow = (uid: number, ds: string, instance: number, rid: string) => `${rowContextPrefix(uid, ds)}${instance}|${rid}`;
/** The additional data that binds a row's ciphertext to its member, dataset, instance and rid. */
export const rowContext = ctxRow;

/** The dataset's key in this scope; reaching here without it is a programming error (callers check grants first). */
export function dataKey(keys: DataKeyRing, dataset: string): { key: Buffer; version: number } {
  const k = keys.get(dataset);
  if (!k) throw new Error(`no data key for ${dataset} in this scope`);
  return k;
}

/** A sealed record's values; one that fails to open or to parse is an integrity failure. */
export function openValues(key: Buffer, ciphertext: string, context: string): FieldValues {
  let plaintext: string;
  try {
    plaintext = openText(key, ciphertext, context);
  } catch (err) {
    throw new IntegrityFailure(err);
  }
  return parseRecord(plaintext);
}

export function accessRow(uid: number, e: AccessEntry, at: number) {
  return { uid, nid: e.nid, actor: e.actor, dataset: e.dataset, fields: e.fields.join(','), action: e.action, at };
}

/**
 * Logs a write's entry in the write's own transaction (fully durable, as the write is), not yet
 * chained: taking the member's chain head here would hold it until the commit, and make every
 * write of one member wait for the one before to reach the disk. The checkpoint pass chains it
 * within 30 seconds, before it signs (docs/access-log.md).
 */
async function insertAccess(target: QueryTarget, uid: number, e: AccessEntry, at: number): Promise<void> {
  const r = accessRow(uid, e, at);
  await insertAccessRow(target, r.uid, r.nid, r.actor, r.dataset, r.fields, r.action, r.at);
}

// A write's own statements, on every write: compiled once (see prepared.ts).
const insertAccessRow = prepared(
  (db, uid: number, nid: number | null, actor: string, dataset: string, fields: string, action: string, at: number) =>
    db.insertInto('access_log').values({ uid, nid, actor, dataset, fields, action, at }),
);
const insertTransactionRow = prepared(
  (
    db,
    uid: number,
    dataset: string,
    instance: number,
    rid: string,
    source: string,
    writerNid: number | null,
    ciphertext: string,
    createdAt: number,
    updatedAt: number,
  ) =>
    db
      .insertInto('transaction_rows')
      .values({
        uid,
        dataset,
        instance,
        rid,
        source,
        writer_nid: writerNid,
        ciphertext,
        created_at: createdAt,
        updated_at: updatedAt,
      })
      .returning('id'),
);

/** insertTransactionRow's row and, in the same statement, its digests in the blind index. */
const INSERT_ROW_WITH_DIGESTS_POSTGRES = `with r as (
    insert into transaction_rows (uid, dataset, instance, rid, source, writer_nid, ciphertext, created_at, updated_at)
    values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning id
  ), i as (
    insert into row_index (row_id, uid, dataset, digest)
    select r.id, $1, $2, d from r cross join unnest($10::text[]) as d on conflict do nothing
  )
  select id from r`;

// The metadata read is the API's most frequent query: compiled once (see prepared.ts).
export const metadataInstances = prepared((db, uid: number, dataset: string) =>
  db
    .selectFrom('metadata_records')
    .select(['instance', 'ciphertext'])
    .where('uid', '=', uid)
    .where('dataset', '=', dataset)
    .orderBy('instance'),
);
export const metadataInstance = prepared((db, uid: number, dataset: string, instance: number) =>
  db
    .selectFrom('metadata_records')
    .select(['instance', 'ciphertext'])
    .where('uid', '=', uid)
    .where('dataset', '=', dataset)
    .where('instance', '=', instance),
);

export class MemberPds implements PdsWriter {
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
    private readonly changed: (c: ChangeInput) => Promise<void>,
  ) {
    this.db = target.db;
    this.index = new RowIndex(this.db, dialect, uid, (dataset) =>
      keys.derived(dataset, BLIND_INDEX_LABEL, (dataKey) => blindIndexKey(dataKey, uid, dataset)),
    );
  }

  private emit(dataset: string, action: ChangeInput['action'], updatedId: number, fields: readonly string[]): Promise<void> {
    return this.changed({ uid: this.uid, dataset, action, updatedId: String(updatedId), writerNid: this.writerNid, fields });
  }

  private key(dataset: string): { key: Buffer; version: number } {
    return dataKey(this.keys, dataset);
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
      writerNid: r.writer_nid ?? undefined,
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

  async insertRow(dataset: string, instance: number, source: string, values: FieldValues, writerNid?: number): Promise<number> {
    const rid = randomBytes(12).toString('base64url');
    const now = this.clock.now();
    const ciphertext = this.encrypt(dataset, values, ctxRow(this.uid, dataset, instance, rid));
    const row = [this.uid, dataset, instance, rid, source, writerNid ?? null, ciphertext, now, now] as const;
    let id: number | undefined;
    if (this.dialect.name === 'postgres') {
      // The row and its blind-index digests in one statement: on PostgreSQL each statement is a
      // round trip, the server's and the database's work alike (about a sixth of a one-row write).
      const query = asPreparedStatement(
        CompiledQuery.raw(INSERT_ROW_WITH_DIGESTS_POSTGRES, [...row, this.index.digests(dataset, values)]),
      );
      id = ((await this.db.executeQuery(query)).rows[0] as { id: number } | undefined)?.id;
    } else {
      id = (await insertTransactionRow(this.target, ...row))[0]?.id;
      if (id !== undefined) await this.index.add(dataset, id, values, false);
    }
    if (id === undefined) throw new Error('the row insert returned no id');
    await this.emit(dataset, 'create', id, Object.keys(values));
    return id;
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
    await insertAccess(this.target, this.uid, entry, this.clock.now());
  }
}

/** A decrypted record; one that does not parse is as corrupt as one that fails to open. */
export function parseRecord(plaintext: string): FieldValues {
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
