/**
 * Validates responses against Mydex's IDaaS OpenAPI (test/reference/mydex-idaas.openapi.yaml, read,
 * never edited), turned into JSON Schema for ajv:
 *
 * - `nullable: true` is kept (ajv implements that OpenAPI keyword); examples are dropped.
 * - Every object schema is closed (`additionalProperties: false`): none of the reference's
 *   response schemas lists required properties, so an open schema would accept almost anything;
 *   closed, a body may carry only the properties the reference names, with the reference's types
 *   (`success` an integer, `con_nid` a string...), as a strict generated client reads it.
 * - Statuses the reference does not define for an operation are checked against the reference's
 *   own error schemas: 403 (contract §3) against AuthErrorResponse, any other error against
 *   ErrorResponse.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import yaml from 'js-yaml';
import { expect } from 'vitest';

const REFERENCE = join(import.meta.dirname, '..', 'reference', 'mydex-idaas.openapi.yaml');

type Json = Record<string, unknown>;
type Method = 'get' | 'post' | 'patch' | 'put' | 'delete';

interface Operation {
  operationId: string;
  security: { oauth2: string[] }[];
  responses: Record<string, { content?: Record<string, { schema: Json }> }>;
}

interface OpenApi {
  paths: Record<string, Partial<Record<Method, Operation>>>;
  components: { schemas: Record<string, Json> };
}

const doc = yaml.load(readFileSync(REFERENCE, 'utf8'), { schema: yaml.CORE_SCHEMA }) as OpenApi;

function toJsonSchema(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toJsonSchema);
  if (typeof value !== 'object' || value === null) return value;
  const out: Json = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === 'example') continue;
    out[k] = k === '$ref' && typeof v === 'string' ? v.replace('#/components/schemas/', '#/$defs/') : toJsonSchema(v);
  }
  if (out.type === 'object' && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
addFormats(ajv);
ajv.addSchema({ $id: 'idaas', $defs: toJsonSchema(doc.components.schemas) as Record<string, Json> });

/** Every operation of the reference: method (upper case), path as written there, its scopes. */
export const OPERATIONS = Object.entries(doc.paths).flatMap(([path, item]) =>
  Object.entries(item).map(([method, op]) => ({
    method: method.toUpperCase(),
    path,
    operationId: op.operationId,
    scopes: op.security.flatMap((s) => s.oauth2),
  })),
);

function operation(method: string, path: string): Operation {
  const op = doc.paths[path]?.[method.toLowerCase() as Method];
  if (!op) throw new Error(`the reference has no operation ${method} ${path}`);
  return op;
}

const cache = new Map<string, ValidateFunction>();

function validator(ref: string): ValidateFunction {
  let fn = cache.get(ref);
  if (!fn) {
    fn = ajv.compile({ $ref: ref.replace('#/components/schemas/', 'idaas#/$defs/') });
    cache.set(ref, fn);
  }
  return fn;
}

/** The schema a response of `status` must match: the operation's own, else the reference's error schemas. */
function schemaRefFor(method: string, path: string, status: number): string {
  const schema = operation(method, path).responses[String(status)]?.content?.['application/json']?.schema;
  if (schema) return String(schema.$ref);
  if (status < 400) throw new Error(`the reference defines no ${status} response for ${method} ${path}`);
  return status === 401 || status === 403 ? '#/components/schemas/AuthErrorResponse' : '#/components/schemas/ErrorResponse';
}

/** Null when the body matches, otherwise ajv's errors as text. */
export function schemaErrors(method: string, path: string, status: number, body: unknown): string | null {
  const validate = validator(schemaRefFor(method, path, status));
  return validate(body) ? null : ajv.errorsText(validate.errors, { separator: '\n' });
}

/** Asserts a JSON response conforms to the reference (for `path` as the reference writes it) and returns its body. */
export function expectConforms(
  res: { statusCode: number; body: string; headers: LightMyRequestResponse['headers'] },
  method: string,
  path: string,
): unknown {
  expect(String(res.headers['content-type'])).toMatch(/^application\/json/);
  const body: unknown = JSON.parse(res.body);
  expect(schemaErrors(method, path, res.statusCode, body), `${method} ${path} ${res.statusCode}: ${res.body}`).toBeNull();
  return body;
}
