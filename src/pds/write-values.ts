/**
 * Checks a write body against the dataset schema and the connection's DSSA before anything is
 * written: unknown fields → 400, fields the connection may not write → 403 (listing them), values
 * of the wrong type → 400 naming the field. Nothing is written unless every field passes.
 */
import type { DssaPermissions } from '../connections/dssa.ts';
import { canWrite } from '../connections/dssa.ts';
import { listed, MAX_REASON_LENGTH, PdxError } from '../errors.ts';
import type { FieldValues } from './pds-store.ts';
import type { Catalogue, DatasetDef } from './schema/catalogue.ts';
import { didYouMean } from './schema/closest-names.ts';
import { validateValue } from './schema/values.ts';

/** Row ids are the server's: a body that tries to choose one is refused (AZ-05). */
const REFUSED_FIELDS = new Set(['id', 'ds_id']);
/**
 * Set by the server and silently ignored when sent: Mydex's own write examples send
 * created_timestamp and updated_timestamp in every row (contract §6.2: the server sets them).
 */
export const SERVER_SET_FIELDS: ReadonlySet<string> = new Set(['instance', 'source', 'created_timestamp', 'updated_timestamp']);

export function checkWrite(
  ds: DatasetDef,
  permissions: DssaPermissions,
  body: Record<string, unknown>,
  catalogue: Catalogue,
): FieldValues {
  const system = ds.type === 'transactional';
  const entries = Object.entries(body).filter(([f]) => !(system && SERVER_SET_FIELDS.has(f)));
  if (entries.length === 0) throw new PdxError(400, 'Nothing to write', `The body names no field of ${ds.name}.`);
  const serverSet = entries.filter(([f]) => system && REFUSED_FIELDS.has(f)).map(([f]) => f);
  if (serverSet.length) {
    throw new PdxError(400, 'Invalid fields', `Set by the server, not writable: ${listed(serverSet)}.`);
  }
  const unknown = entries.filter(([f]) => !ds.fields.has(f) || ds.fields.get(f)?.system).map(([f]) => f);
  if (unknown.length) {
    const writable = [...ds.fields.values()].filter((f) => !f.system).map((f) => f.name);
    const hint = unknown.length === 1 ? didYouMean(unknown[0]!, writable) : '';
    throw new PdxError(400, 'Unknown fields', `${ds.name} has no field ${listed(unknown)}.${hint}`);
  }
  const denied = entries.filter(([f]) => !canWrite(permissions, ds.name, f)).map(([f]) => f);
  if (denied.length) {
    throw new PdxError(403, 'Access denied', `This connection may not write: ${listed(denied)}. Nothing was written.`);
  }
  const out: FieldValues = {};
  const problems: string[] = [];
  for (const [f, raw] of entries) {
    const r = validateValue(ds.fields.get(f)!, raw, catalogue);
    if (r.ok) out[f] = r.value;
    else problems.push(`${f} ${r.problem}`);
  }
  if (problems.length) throw new PdxError(400, 'Invalid value', `${listed(problems, '; ', MAX_REASON_LENGTH)}.`);
  return out;
}

/** `{"<dataset>": {...}}` (or its legacy alias) unwraps to the inner object; a flat body stays. */
export function unwrapDatasetBody(
  body: Record<string, unknown>,
  ds: DatasetDef,
  catalogue: Catalogue,
): { value: unknown; wrapped: boolean } {
  const keys = Object.keys(body);
  if (keys.length === 1 && catalogue.canonicalName(keys[0]!) === ds.name) return { value: body[keys[0]!], wrapped: true };
  return { value: body, wrapped: false };
}
