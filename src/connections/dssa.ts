/** Data sharing and services agreement permissions (contract §5.1). */
export interface AccessFlag {
  /** 1 = granted */
  a: 0 | 1;
  /** A = automatic, R = on request */
  s: 'A' | 'R';
}

export interface FieldAccess {
  r: AccessFlag;
  w: AccessFlag;
}

/** canonical dataset name → field name → access */
export type DssaPermissions = Record<string, Record<string, FieldAccess>>;

export interface Dssa {
  nid: number;
  version: number;
  uuid: string;
  purpose: string;
  gdprStatement: string;
  permissions: DssaPermissions;
  createdAt: number;
}

export function canWrite(p: DssaPermissions, dataset: string, field: string): boolean {
  return p[dataset]?.[field]?.w.a === 1;
}

// Per permissions object (DSSAs are cached and never mutated): every data read asks, often twice.
const readableCache = new WeakMap<DssaPermissions, Map<string, readonly string[]>>();

export function readableFields(p: DssaPermissions, dataset: string): readonly string[] {
  let byDataset = readableCache.get(p);
  if (!byDataset) readableCache.set(p, (byDataset = new Map()));
  let fields = byDataset.get(dataset);
  if (!fields) {
    fields = Object.freeze(
      Object.entries(p[dataset] ?? {})
        .filter(([, acc]) => acc.r.a === 1)
        .map(([f]) => f),
    );
    byDataset.set(dataset, fields);
  }
  return fields;
}

/** Datasets in which at least one field is readable or writable: their data keys are granted. */
export function grantedDatasets(p: DssaPermissions): string[] {
  return Object.entries(p)
    .filter(([, fields]) => Object.values(fields).some((acc) => acc.r.a === 1 || acc.w.a === 1))
    .map(([ds]) => ds);
}
