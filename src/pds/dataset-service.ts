/**
 * The dataset API's use cases (contract §6): metadata instances and transactional rows, read and
 * written by a subscriber's connection with field-level permissions from its DSSA, every access
 * recorded in the member's access log.
 */
import { readableFields, type FieldAccess } from '../connections/dssa.ts';
import { PdxError } from '../errors.ts';
import { type ClientPrincipal } from '../oauth/principal.ts';
import type { ConnectionAccess } from '../members/connection-access.ts';
import type { Members } from '../members/members.ts';
import type { OutboxService } from '../outbox/outbox-service.ts';
import type { ServiceDeps } from '../service-deps.ts';
import {
  unreadableSort,
  type MetadataClear,
  type MetadataRead,
  type MetadataWrite,
  type RowDelete,
  type RowsInsert,
  type RowsRead,
  type RowUpdate,
} from './dataset-requests.ts';
import { compare, isNumericField, requireReadable, rowMatches, type RowFilter } from './filters.ts';
import { PdsStore, type Equality, type PdsWriter, type RowRead, type StoredRow } from './pds-store.ts';
import { MAX_INDEXED_VALUES, ScanLimitExceeded, type OrderColumn } from './row-read-store.ts';
import type { MetadataView } from './render.ts';
import { ROW_VIEW_KEYS, RowPage, RowShape, type RowView } from './row-page.ts';
import type { DatasetDef } from './schema/catalogue.ts';
import { checkWrite } from './write-values.ts';

/**
 * Who calls, as the route parsed it: the subscriber's client, and the member connection it acts
 * through (`con_id` and the member key; members.access (ConnectionAccessCheck) checks them together).
 */
export interface DataCaller {
  principal: ClientPrincipal;
  /** uid from the path or query, when the route has one: it must be the connection's member */
  uid: number | undefined;
  conId: string;
  key: string;
}

const NO_ACCESS: FieldAccess = Object.freeze({ r: Object.freeze({ a: 0, s: 'A' }), w: Object.freeze({ a: 0, s: 'A' }) });

export class DatasetService {
  readonly pds: PdsStore;

  constructor(private readonly deps: ServiceDeps & { members: Members; outbox: OutboxService }) {
    this.pds = new PdsStore(
      deps.db,
      deps.dialect,
      deps.clock,
      (trx, change) => deps.outbox.enqueueChange(trx, change),
      {
        append: (rows) => deps.appendAccessLog(rows),
        runJobs: deps.runSideJobs,
      },
      deps.selectNow,
      deps.writeTransaction,
    );
  }

  /** A dataset of the catalogue by name, for callers inside the server (an unknown name is a bug). */
  dataset(name: string): DatasetDef {
    const ds = this.deps.catalogue.dataset(name);
    if (!ds) throw new Error(`no dataset named ${name} in the catalogue`);
    return ds;
  }

  private denyUngranted(access: ConnectionAccess, ds: DatasetDef, mode: 'read' | 'write'): never {
    access.keys.wipe();
    throw new PdxError(403, 'Access denied', `This connection may not ${mode} ${ds.name}.`);
  }

  private async withAccess<T>(
    call: DataCaller,
    datasets: readonly DatasetDef[],
    fn: (a: ConnectionAccess) => Promise<T>,
  ): Promise<T> {
    const names = datasets.map((d) => d.name);
    const access = await this.deps.members.access.check(call.principal, call.conId, call.key, names, call.uid);
    try {
      return await fn(access);
    } finally {
      access.keys.wipe();
    }
  }

  /** One all-or-nothing write as the connection: it must hold the dataset's key. */
  private write<T>(call: DataCaller, ds: DatasetDef, fn: (w: PdsWriter, access: ConnectionAccess) => Promise<T>): Promise<T> {
    return this.withAccess(call, [ds], async (access) => {
      if (!access.keys.has(ds.name)) this.denyUngranted(access, ds, 'write');
      return this.pds.transact(access.uid, access.keys, (w) => fn(w, access), access.nid);
    });
  }

  async readMetadata(call: DataCaller, { datasets, instance }: MetadataRead): Promise<MetadataView> {
    return this.withAccess(call, datasets, async (access) => {
      const perms = access.dssa.permissions;
      // Any dataset in the list that is not readable refuses the whole request (MX-10, pinned).
      for (const ds of datasets)
        if (!access.keys.has(ds.name) || !readableFields(perms, ds.name).length) this.denyUngranted(access, ds, 'read');
      const records = await this.pds.readMetadataLogged(
        access.uid,
        access.keys,
        datasets.map((ds) => ({ dataset: ds.name, instance })),
        datasets.map((ds) => this.entry(access, ds, readableFields(perms, ds.name), 'read')),
      );
      const view: MetadataView = {};
      datasets.forEach((ds, i) => {
        const fields = readableFields(perms, ds.name);
        const fieldAccess = perms[ds.name] ?? {};
        const stored = records[i]!;
        if (stored.size === 0) stored.set(instance ?? 0, {});
        const dsView: MetadataView[string] = {};
        for (const [n, values] of stored) {
          const fieldsView: MetadataView[string][string] = {};
          for (const f of fields) fieldsView[f] = { value: values[f] ?? null, access: fieldAccess[f] ?? NO_ACCESS };
          dsView[`instance_${n}`] = fieldsView;
        }
        view[ds.name] = dsView;
      });
      return view;
    });
  }

  async writeMetadata(call: DataCaller, { dataset: ds, instance, values: wire }: MetadataWrite): Promise<void> {
    await this.write(call, ds, async (w, access) => {
      const values = checkWrite(ds, access.dssa.permissions, wire, this.deps.catalogue);
      await w.mergeMetadata(ds.name, instance, values);
      await w.recordAccess(this.entry(access, ds, Object.keys(values), 'write'));
    });
  }

  /**
   * Clears an instance. Decided: allowed only when the connection may write every field that
   * holds a value there, otherwise 403 naming the readable ones, and nothing changes.
   */
  async clearMetadata(call: DataCaller, { dataset: ds, instance }: MetadataClear): Promise<void> {
    await this.write(call, ds, async (w, access) => {
      const current = (await w.metadata(ds.name, instance)).get(instance) ?? {};
      this.requireWritable(access, ds, Object.keys(current), 'instance');
      await w.replaceMetadata(ds.name, instance, {});
      await w.recordAccess(this.entry(access, ds, Object.keys(current), 'delete'));
    });
  }

  /**
   * The refusal names only fields the connection may read: a field outside its DSSA is neither
   * named nor counted, only said to exist (the refusal itself shows that much).
   */
  private requireWritable(access: ConnectionAccess, ds: DatasetDef, fields: string[], holder: 'row' | 'instance'): void {
    const perms = access.dssa.permissions[ds.name] ?? {};
    const denied = fields.filter((f) => perms[f]?.w.a !== 1);
    if (!denied.length) return;
    const named = denied.filter((f) => perms[f]?.r.a === 1);
    const reason = !named.length
      ? `This connection may not write every field this ${holder} holds.`
      : named.length < denied.length
        ? `This connection may not write: ${named.join(', ')}, and fields it may not read.`
        : `This connection may not write: ${named.join(', ')}.`;
    throw new PdxError(403, 'Access denied', `${reason} Nothing was changed.`);
  }

  /** Rows as [id, view] pairs, in the read's order (for callers inside the server). */
  async readRows(call: DataCaller, read: RowsRead): Promise<[string, RowView][]> {
    return (await this.readRowPage(call, read)).entries();
  }

  /** One page of rows as the connection may see them (contract §6.2). */
  async readRowPage(call: DataCaller, { dataset: ds, instance, id, limit, offset, filters, sort }: RowsRead): Promise<RowPage> {
    return this.withAccess(call, [ds], async (access) => {
      const fields = readableFields(access.dssa.permissions, ds.name);
      if (!access.keys.has(ds.name) || !fields.length) this.denyUngranted(access, ds, 'read');
      const visible = new Set<string>([...fields, ...systemFields(ds)]);
      requireReadable(filters, (f) => visible.has(f));
      if (sort && !visible.has(sort.field)) throw unreadableSort(ds);
      const shape = new RowShape(fields);
      const matches = filters.length ? (r: StoredRow) => rowMatches((f) => shape.value(r, f), filters) : undefined;
      const logged = this.entry(access, ds, fields, 'read');
      let rows: StoredRow[];
      if (id !== undefined) {
        const row = await this.pds.read(access.uid, access.keys, (r) => r.row(ds.name, id));
        rows = (row ? [row] : []).filter((r) => !matches || matches(r)).slice(offset, offset + limit);
        await this.pds.recordAccess(access.uid, logged);
      } else {
        const read: RowRead<StoredRow> = {
          instance,
          view: (row) => row,
          matches,
          equalities: indexedEqualities(filters),
          order: rowOrder(ds, sort, shape),
          limit,
          offset,
          maxScanned: this.deps.config.maxRowsScanned,
        };
        try {
          rows = await this.pds.findRowsLogged(access.uid, access.keys, ds.name, read, logged);
        } catch (err) {
          if (err instanceof ScanLimitExceeded) throw readTooBroad(ds, err);
          throw err;
        }
      }
      return new RowPage(rows, shape);
    });
  }

  async insertRows(
    call: DataCaller,
    { dataset: ds, instance, rows: items, batch }: RowsInsert,
  ): Promise<{ success: 1; last_insert_id: number; insert_ids?: number[] }> {
    const ids = await this.write(call, ds, async (w, access) => {
      // Every row is checked before the first is written: all or nothing.
      const rows = items.map((item) => checkWrite(ds, access.dssa.permissions, item, this.deps.catalogue));
      const out: number[] = [];
      for (const values of rows) out.push(await w.insertRow(ds.name, instance, 'connection', values, access.nid));
      await w.recordAccess(this.entry(access, ds, [...new Set(rows.flatMap((r) => Object.keys(r)))], 'write'));
      return out;
    });
    const last = ids[ids.length - 1]!;
    return batch ? { success: 1, last_insert_id: last, insert_ids: ids } : { success: 1, last_insert_id: last };
  }

  async updateRow(call: DataCaller, { dataset: ds, id, values: wire }: RowUpdate): Promise<void> {
    await this.write(call, ds, async (w, access) => {
      const values = checkWrite(ds, access.dssa.permissions, wire, this.deps.catalogue);
      if (!(await w.row(ds.name, id))) throw new PdxError(404, 'Not found', `No ${ds.name} row with id ${id}.`);
      await w.updateRow(ds.name, id, values);
      await w.recordAccess(this.entry(access, ds, Object.keys(values), 'write'));
    });
  }

  /** Decided: a row may be deleted only by a connection that may write every field it holds. */
  async deleteRow(call: DataCaller, { dataset: ds, id }: RowDelete): Promise<void> {
    await this.write(call, ds, async (w, access) => {
      const row = await w.row(ds.name, id);
      if (!row) throw new PdxError(404, 'Not found', `No ${ds.name} row with id ${id}.`);
      this.requireWritable(access, ds, Object.keys(row.values), 'row');
      await w.deleteRow(ds.name, id);
      await w.recordAccess(this.entry(access, ds, Object.keys(row.values), 'delete'));
    });
  }

  private entry(access: ConnectionAccess, ds: DatasetDef, fields: readonly string[], action: 'read' | 'write' | 'delete') {
    return { nid: access.nid, actor: 'connection' as const, dataset: ds.name, fields, action };
  }
}

function systemFields(ds: DatasetDef): string[] {
  return [...ds.fields.values()].filter((f) => f.system).map((f) => f.name);
}

/** System fields the database can order rows by, with the column that holds them. */
const ORDER_COLUMNS: Record<string, OrderColumn> = {
  id: 'id',
  instance: 'instance',
  created_timestamp: 'created_at',
  updated_timestamp: 'updated_at',
};

/**
 * The filters the blind index can narrow: `=` and IN on a field whose value is encrypted. (The
 * index holds normalised values, so it can only narrow; the filter itself still decides.)
 */
function indexedEqualities(filters: readonly RowFilter[]): Equality[] {
  const out: Equality[] = [];
  for (const f of filters) {
    if (ROW_VIEW_KEYS.includes(f.field)) continue;
    if (f.list && f.list.size <= MAX_INDEXED_VALUES) out.push({ field: f.field, values: [...f.list] });
    else if (f.operator === '=' && !f.like && !f.list) out.push({ field: f.field, values: [f.value] });
  }
  return out;
}

/**
 * The read's order: a column when the sort is by a numeric system field (numbers compare as the
 * database orders them, and ties keep id order as the stable sort did), otherwise a comparison
 * of the decrypted views. No sort is id order.
 */
function rowOrder(
  ds: DatasetDef,
  sort: { field: string; dir: 1 | -1 } | undefined,
  shape: RowShape,
): RowRead<StoredRow>['order'] {
  if (!sort) return { column: 'id', dir: 'asc' };
  const column = ORDER_COLUMNS[sort.field];
  const numeric = isNumericField(ds, sort.field);
  if (column && numeric && !shape.fields.includes(sort.field)) return { column, dir: sort.dir === 1 ? 'asc' : 'desc' };
  const { field } = sort;
  return { compare: (a, b) => sort.dir * compareNullable(shape.value(a, field), shape.value(b, field), numeric) };
}

function readTooBroad(ds: DatasetDef, err: ScanLimitExceeded): PdxError {
  if (err.indexPending) {
    return new PdxError(
      400,
      'Read too broad',
      `The equality index of ${ds.name} for this member is still being built from rows written before an upgrade, ` +
        `and without it this read would decrypt more than ${err.limit} rows. Each read like this one builds more of it: try again.`,
    );
  }
  return new PdxError(
    400,
    'Read too broad',
    `Answering this would decrypt more than ${err.limit} rows of ${ds.name}. Add an equality (=) or IN filter, ` +
      'narrow it to one instance, or sort by id, instance, created_timestamp or updated_timestamp; ' +
      'range and LIKE filters and sorts on other fields decrypt every row they consider.',
  );
}

function compareNullable(a: string | null, b: string | null, numeric: boolean): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  return compare(a, b, numeric);
}
