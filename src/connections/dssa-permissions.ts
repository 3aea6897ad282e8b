import { ValidationError } from '../errors.ts';
import type { Catalogue } from '../pds/schema/catalogue.ts';
import type { AccessFlag, DssaPermissions, FieldAccess } from './dssa.ts';

/**
 * Checks DSSA permissions against the master schema before they are stored: known datasets
 * (legacy aliases become canonical names), known fields, well-formed flags (contract §5.1).
 */
export function normalisePermissions(input: DssaPermissions, catalogue: Catalogue): DssaPermissions {
  const out: DssaPermissions = {};
  for (const [dsName, fields] of Object.entries(input)) {
    const ds = catalogue.dataset(dsName);
    if (!ds) throw new ValidationError('Invalid DSSA permissions', `Unknown dataset ${dsName}.`);
    const target = (out[ds.name] ??= {});
    for (const [field, access] of Object.entries(fields)) {
      if (!ds.fields.has(field) || ds.fields.get(field)?.system) {
        throw new ValidationError('Invalid DSSA permissions', `Dataset ${ds.name} has no field ${field}.`);
      }
      target[field] = checkAccess(access, `${ds.name}.${field}`);
    }
  }
  return out;
}

function checkAccess(access: FieldAccess, where: string): FieldAccess {
  return { r: checkFlag(access?.r, `${where} r`), w: checkFlag(access?.w, `${where} w`) };
}

function checkFlag(flag: AccessFlag | undefined, where: string): AccessFlag {
  if (!flag || (flag.a !== 0 && flag.a !== 1) || (flag.s !== 'A' && flag.s !== 'R')) {
    throw new ValidationError('Invalid DSSA permissions', `${where} must be {"a":0|1,"s":"A"|"R"}.`);
  }
  return { a: flag.a, s: flag.s };
}
