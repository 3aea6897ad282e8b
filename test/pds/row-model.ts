/** The simple model of a row's view that the row-read tests compare the server's answers with. */
import type { StoredRow } from '../../src/pds/pds-store.ts';

/** A row as the API shows it, built the plain way: an object assigned key by key. */
export function modelRowView(row: StoredRow, fields: readonly string[]): Record<string, string | null> {
  const id = String(row.id);
  const view: Record<string, string | null> = {
    id,
    ds_id: id,
    instance: String(row.instance),
    source: row.source,
    created_timestamp: String(row.createdAt),
    updated_timestamp: String(row.updatedAt),
  };
  for (const f of fields) view[f] = row.values[f] ?? null;
  return view;
}
