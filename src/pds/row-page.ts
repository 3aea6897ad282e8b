/**
 * A page of transactional rows as the API shows them (contract §6.2): each row is its system
 * fields (id, ds_id, instance, source, timestamps) followed by the connection's readable fields,
 * null where the row holds no value. The page keeps the stored rows and writes that view only
 * when asked: JSON straight from the rows, because a 100-row read spent about a third of its CPU
 * building one object per row and then serialising it (bench:cpu rows).
 */
import type { StoredRow } from './pds-store.ts';
import { jsonString } from './render.ts';

export type RowView = Record<string, string | null>;

/** The keys a row's view sets from the row itself rather than from its encrypted values. */
export const ROW_VIEW_KEYS: readonly string[] = ['id', 'ds_id', 'instance', 'source', 'created_timestamp', 'updated_timestamp'];

type SystemKey = 'id' | 'ds_id' | 'instance' | 'source' | 'created_timestamp' | 'updated_timestamp';

function systemValue(row: StoredRow, key: SystemKey): string {
  switch (key) {
    case 'id':
    case 'ds_id':
      return String(row.id);
    case 'instance':
      return String(row.instance);
    case 'source':
      return row.source;
    case 'created_timestamp':
      return String(row.createdAt);
    case 'updated_timestamp':
      return String(row.updatedAt);
  }
}

/**
 * How a connection sees rows of one dataset: `value(row, field)` is what the row's view holds for
 * `field`. A readable field named like a system key shows the stored value in the system key's
 * place, as an object assigned key by key would.
 */
export class RowShape {
  /** the view's keys in order, each with where its value comes from */
  private readonly keys: readonly { key: string; stored: boolean }[];
  private readonly readable: ReadonlySet<string>;
  /** `,"key":` for each key, JSON-escaped once per read rather than once per row */
  private readonly jsonKeys: readonly string[];

  constructor(readonly fields: readonly string[]) {
    this.readable = new Set(fields);
    const keys = ROW_VIEW_KEYS.map((key) => ({ key, stored: this.readable.has(key) }));
    for (const f of fields) if (!ROW_VIEW_KEYS.includes(f)) keys.push({ key: f, stored: true });
    this.keys = keys;
    this.jsonKeys = keys.map(({ key }, i) => `${i ? ',' : ''}${JSON.stringify(key)}:`);
  }

  value(row: StoredRow, field: string): string | null {
    if (this.readable.has(field)) return row.values[field] ?? null;
    return ROW_VIEW_KEYS.includes(field) ? systemValue(row, field as SystemKey) : null;
  }

  view(row: StoredRow): RowView {
    const view: RowView = {};
    for (const { key, stored } of this.keys) view[key] = stored ? (row.values[key] ?? null) : systemValue(row, key as SystemKey);
    return view;
  }

  /** Exactly JSON.stringify(this.view(row)), without the object. */
  json(row: StoredRow): string {
    let out = '{';
    const { keys, jsonKeys } = this;
    for (let i = 0; i < keys.length; i++) {
      const { key, stored } = keys[i]!;
      const v = stored ? (row.values[key] ?? null) : systemValue(row, key as SystemKey);
      out += jsonKeys[i]! + (v === null ? 'null' : jsonString(v));
    }
    return `${out}}`;
  }
}

/** Rows keyed by id, in the read's order. */
export class RowPage {
  constructor(
    readonly rows: readonly StoredRow[],
    readonly shape: RowShape,
  ) {}

  /** [id, view] pairs in order (XML, templates, feature blocks). */
  entries(): [string, RowView][] {
    return this.rows.map((r) => [String(r.id), this.shape.view(r)]);
  }

  /**
   * The page as a JSON object keyed by id, in the read's order (a JavaScript object would put
   * integer-like keys in ascending order, so it is written entry by entry).
   */
  json(): string {
    let out = '{';
    for (let i = 0; i < this.rows.length; i++) {
      const row = this.rows[i]!;
      out += `${i ? ',' : ''}"${row.id}":${this.shape.json(row)}`;
    }
    return `${out}}`;
  }
}
