/**
 * Validates responses against Mydex's feature-block OpenAPI (vendored in test/reference, read, never
 * edited). The document is OpenAPI 3.0, so it is turned into JSON Schema for ajv here:
 *
 * - `nullable: true` is kept: ajv implements that OpenAPI keyword itself.
 * - The branches of each `oneOf` are closed (`additionalProperties: false`). None of them has a
 *   required property, so open branches would all match any item and `oneOf` would always fail;
 *   closed, an item must be exactly one of the shapes, as a strict client reads it.
 * - `service_identifier` (uuid) is added to the referral and secure-message response shapes: the
 *   newer SDK revision has it and the contract (§7) adopts it.
 * - int32/int64/float formats are range checks; uri and email come from ajv-formats.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import yaml from 'js-yaml';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const REFERENCE = join(REPO, 'test', 'reference', 'mydex-pdx-feature-blocks.openapi.yaml');

type Json = Record<string, unknown>;

interface OpenApi {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: Json }> }> }>>;
  components: { schemas: Record<string, Json> };
}

const WITH_SERVICE_IDENTIFIER = [
  'ReferralListResponse_referrals_inner',
  'ReferralSingleResponse_referral',
  'TimelineItemReferral',
  'TimelineResponse_timeline_inner_oneOf',
  'SecureMessage',
  'TimelineItemSecureMessage',
  'TimelineResponse_timeline_inner_oneOf_1',
];

export const doc = yaml.load(readFileSync(REFERENCE, 'utf8')) as OpenApi;

function toJsonSchema(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toJsonSchema);
  if (typeof value !== 'object' || value === null) return value;
  const out: Json = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === 'example') continue;
    out[k] = k === '$ref' && typeof v === 'string' ? v.replace('#/components/schemas/', '#/$defs/') : toJsonSchema(v);
  }
  return out;
}

function buildDefs(): Record<string, Json> {
  const defs = toJsonSchema(doc.components.schemas) as Record<string, Json>;
  for (const def of Object.values(defs)) {
    for (const branch of (def.oneOf as { $ref: string }[] | undefined) ?? []) {
      const target = defs[branch.$ref.replace('#/$defs/', '')]!;
      target.additionalProperties = false;
    }
  }
  for (const name of WITH_SERVICE_IDENTIFIER) {
    (defs[name]!.properties as Json).service_identifier = { type: 'string', format: 'uuid' };
  }
  return defs;
}

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
addFormats(ajv);
ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && Math.abs(n) < 2 ** 31 });
ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isSafeInteger(n) });
ajv.addFormat('float', { type: 'number', validate: (n: number) => Number.isFinite(n) });
ajv.addSchema({ $id: 'pdx', $defs: buildDefs() });

const cache = new Map<string, ValidateFunction>();

/** The validator of `status` for `method path`; throws when the reference defines no such response. */
function responseValidator(method: string, path: string, status: number): ValidateFunction {
  const key = `${method} ${path} ${status}`;
  let fn = cache.get(key);
  if (!fn) {
    const op = doc.paths[path]?.[method.toLowerCase()];
    const schema = op?.responses[String(status)]?.content?.['application/json']?.schema;
    if (!schema) throw new Error(`the reference defines no ${status} response for ${key}`);
    const ref = String(schema.$ref).replace('#/components/schemas/', 'pdx#/$defs/');
    fn = ajv.compile({ $ref: ref });
    cache.set(key, fn);
  }
  return fn;
}

/** The statuses the reference defines for an operation. */
export function definedStatuses(method: string, path: string): number[] {
  return Object.keys(doc.paths[path]?.[method.toLowerCase()]?.responses ?? {}).map(Number);
}

/** Null when the body matches the reference schema, otherwise ajv's errors as text. */
export function schemaErrors(method: string, path: string, status: number, body: unknown): string | null {
  const validate = responseValidator(method, path, status);
  return validate(body) ? null : ajv.errorsText(validate.errors, { separator: '\n' });
}
