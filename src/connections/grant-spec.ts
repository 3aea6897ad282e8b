import type { Catalogue } from '../pds/schema/catalogue.ts';
import type { DssaPermissions, FieldAccess } from './dssa.ts';

/**
 * Parses the admin CLI's grant specs into DSSA permissions:
 * `dataset:rw` (every field), `dataset:r:field1,field2` (listed fields), modes r, w or rw.
 * Several specs for one dataset merge.
 */
export function parseGrantSpecs(specs: readonly string[], catalogue: Catalogue): DssaPermissions {
  const out: DssaPermissions = {};
  for (const spec of specs) {
    const [dsName, mode, fieldList, ...rest] = spec.split(':');
    if (!dsName || !mode || rest.length > 0 || !/^(r|w|rw)$/.test(mode)) {
      throw new Error(`grant "${spec}" must look like dataset:rw or dataset:r:field1,field2`);
    }
    const ds = catalogue.dataset(dsName);
    if (!ds) throw new Error(`grant "${spec}": unknown dataset ${dsName}`);
    // System fields (id, timestamps…) are always visible with a row and never granted.
    const grantable = [...ds.fields.values()].filter((f) => !f.system).map((f) => f.name);
    const fields = fieldList
      ? fieldList
          .split(',')
          .map((f) => f.trim())
          .filter(Boolean)
      : grantable;
    for (const f of fields) {
      if (!grantable.includes(f)) throw new Error(`grant "${spec}": dataset ${ds.name} has no field ${f}`);
    }
    const target = (out[ds.name] ??= {});
    for (const f of fields) {
      const prev: FieldAccess = target[f] ?? { r: { a: 0, s: 'A' }, w: { a: 0, s: 'A' } };
      target[f] = {
        r: mode.includes('r') ? { a: 1, s: 'A' } : prev.r,
        w: mode.includes('w') ? { a: 1, s: 'A' } : prev.w,
      };
    }
  }
  return out;
}

/**
 * The inverse of parseGrantSpecs, for display: one spec per dataset and mode, `dataset:rw` when
 * the mode covers every grantable field, else `dataset:r:field1,field2`. Feeding the result back
 * to parseGrantSpecs gives the same permissions (the `s` flags aside).
 */
export function formatGrantSpecs(permissions: DssaPermissions, catalogue: Catalogue): string[] {
  const specs: string[] = [];
  for (const [dsName, fields] of Object.entries(permissions)) {
    const ds = catalogue.dataset(dsName);
    const grantable = ds ? [...ds.fields.values()].filter((f) => !f.system).map((f) => f.name) : [];
    const byMode = new Map<string, string[]>();
    for (const [field, access] of Object.entries(fields)) {
      const mode = `${access.r.a === 1 ? 'r' : ''}${access.w.a === 1 ? 'w' : ''}`;
      if (mode) byMode.set(mode, [...(byMode.get(mode) ?? []), field]);
    }
    for (const [mode, list] of byMode) {
      const every = list.length === grantable.length && grantable.every((f) => list.includes(f));
      specs.push(every ? `${dsName}:${mode}` : `${dsName}:${mode}:${list.join(',')}`);
    }
  }
  return specs;
}
