/**
 * A page of transactional rows as the API shows them (contract §6.2): each row is its system
 * fields (id, ds_id, instance, source, timestamps) followed by the connection's readable fields,
 * null where the row holds no value. The page keeps the stored rows and writes that view only
 * when asked: JSON bytes straight from the rows, because a 100-row read spent about a third of its
 * CPU building one object per row and then serialising it, and then a tenth of what remained
 * flattening and encoding the page's string (bench:cpu rows; json-bytes.ts).
 */
import type { StoredRow } from './pds-store.ts';
import { JsonBytes } from './json-bytes.ts';

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
  /** `"key":` for each key (`,"key":` after the first), encoded once per read rather than once per row */
  private readonly jsonKeys: readonly Uint8Array[];
  /** the same followed by `null`, the value of most keys of most rows */
  private readonly jsonNullKeys: readonly Uint8Array[];

  constructor(readonly fields: readonly string[]) {
    this.readable = new Set(fields);
    const keys = ROW_VIEW_KEYS.map((key) => ({ key, stored: this.readable.has(key) }));
    for (const f of fields) if (!ROW_VIEW_KEYS.includes(f)) keys.push({ key: f, stored: true });
    this.keys = keys;
    const jsonKeys = keys.map(({ key }, i) => `${i ? ',' : ''}${JSON.stringify(key)}:`);
    this.jsonKeys = jsonKeys.map((k) => JsonBytes.encode(k));
    this.jsonNullKeys = jsonKeys.map((k) => JsonBytes.encode(`${k}null`));
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

  /** Writes exactly JSON.stringify(this.view(row)), without the object. */
  writeJson(row: StoredRow, out: JsonBytes): void {
    out.char(0x7b); // {
    const { keys, jsonKeys, jsonNullKeys } = this;
    for (let i = 0; i < keys.length; i++) {
      const { key, stored } = keys[i]!;
      const v = stored ? (row.values[key] ?? null) : systemValue(row, key as SystemKey);
      if (v === null) out.raw(jsonNullKeys[i]!);
      else {
        out.raw(jsonKeys[i]!);
        out.string(v);
      }
    }
    out.char(0x7d); // }
  }
}

/** Pages are written one at a time (synchronously), so one writer serves them all. */
const pageWriter = new JsonBytes();

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
   * integer-like keys in ascending order, so it is written entry by entry), as UTF-8 bytes.
   */
  json(): Buffer {
    const out = pageWriter;
    out.clear();
    out.char(0x7b); // {
    for (let i = 0; i < this.rows.length; i++) {
      const row = this.rows[i]!;
      if (i) out.char(0x2c); // ,
      out.char(0x22); // "
      out.integer(row.id);
      out.char(0x22);
      out.char(0x3a); // :
      this.shape.writeJson(row, out);
    }
    out.char(0x7d);
    return out.take();
  }
}
