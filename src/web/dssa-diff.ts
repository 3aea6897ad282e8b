/**
 * What changed between the DSSA version a member accepted and the one they are asked to accept
 * (contract §4.3), field by field. A field granted neither read nor write counts as absent.
 */
import type { DssaPermissions, FieldAccess } from '../connections/dssa.ts';

type Change = 'added' | 'removed' | 'changed' | 'same';

export interface FieldDiff {
  dataset: string;
  field: string;
  change: Change;
  before: FieldAccess | undefined;
  after: FieldAccess | undefined;
}

const granted = (acc: FieldAccess | undefined): acc is FieldAccess => acc !== undefined && (acc.r.a === 1 || acc.w.a === 1);

const sameAccess = (a: FieldAccess, b: FieldAccess): boolean =>
  a.r.a === b.r.a && a.w.a === b.w.a && (a.r.a === 0 || a.r.s === b.r.s) && (a.w.a === 0 || a.w.s === b.w.s);

/** Every field granted before or after, grouped by dataset, in the order the new DSSA lists them. */
export function diffPermissions(before: DssaPermissions | undefined, after: DssaPermissions): Map<string, FieldDiff[]> {
  const out = new Map<string, FieldDiff[]>();
  const datasets = [...new Set([...Object.keys(after), ...Object.keys(before ?? {})])];
  for (const dataset of datasets) {
    const a = after[dataset] ?? {};
    const b = before?.[dataset] ?? {};
    const rows: FieldDiff[] = [];
    for (const field of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const was = granted(b[field]) ? b[field] : undefined;
      const now = granted(a[field]) ? a[field] : undefined;
      if (!was && !now) continue;
      const change: Change = !was ? 'added' : !now ? 'removed' : sameAccess(was, now) ? 'same' : 'changed';
      rows.push({ dataset, field, change, before: was, after: now });
    }
    if (rows.length) out.set(dataset, rows);
  }
  return out;
}

export function hasChanges(diff: Map<string, FieldDiff[]>): boolean {
  return [...diff.values()].some((rows) => rows.some((r) => r.change !== 'same'));
}
