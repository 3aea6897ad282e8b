/**
 * The OpenAPI operations of the template routes (contract §7), made from the template registry as
 * the routes are (template-routes.ts declares each with its route), so a new template in
 * registry.json is documented without code. Every path also answers as `.json` and `.xml`: those
 * routes are the same operation, left out of the document as such (`aliasSchema`).
 */
import { routeScopeOf } from '../oauth/principal.ts';
import { BEARER_ERRORS, routeSecurity } from '../openapi/operation-builders.ts';
import type { HttpMethod, JsonSchema, ResponseObject } from '../openapi/openapi-types.ts';
import { ref } from '../openapi/pdx-components.ts';
import type { RouteSchema } from '../openapi/route-schema.ts';
import type { FieldDef } from '../pds/schema/catalogue.ts';
import type { Endpoint } from './template-registry.ts';

/** The `.json` or `.xml` route of a path: the operation of the path itself. */
export const aliasSchema = (path: string): RouteSchema => ({ undocumentedBecause: `the same operation as ${path}` });
const MEMBER = [
  ref('parameters', 'ConnectionTokenHeader'),
  ref('parameters', 'MemberKey'),
  {
    name: 'uid',
    in: 'query' as const,
    required: true,
    description: 'The member’s numeric id',
    schema: { type: 'string', pattern: '^\\d+$' },
  },
  ref('parameters', 'ConIdQuery'),
];
const ERRORS = { '400': ref('responses', 'BadRequest'), ...BEARER_ERRORS, '404': ref('responses', 'NotFound') };
const FORMATS = 'Also answered at the same path ending in `.json` (JSON) or `.xml` (XML).';

function data(description: string, schema: JsonSchema): ResponseObject {
  return { description, content: { 'application/json': { schema }, 'application/xml': { schema: { type: 'string' } } } };
}

/** A written value: numbers may come as strings and strings as numbers (contract §4); null clears. */
function fieldSchema(f: FieldDef): JsonSchema {
  return {
    type: ['string', 'number', 'null'],
    description: f.description ? `${f.label}: ${f.description}` : f.label,
    ...(f.enum ? { enum: [...f.enum, null] } : {}),
  };
}

function fieldsObject(e: Endpoint): JsonSchema {
  const properties = Object.fromEntries(e.fields.map((name) => [name, fieldSchema(e.dataset.fields.get(name)!)]));
  return { type: 'object', properties, additionalProperties: false };
}

/** A level's (or leaf's) `…/index`, or the level's own path: what the next level holds. */
export function indexSchema(path: string, title: string): RouteSchema {
  const scope = routeScopeOf('GET', path.replace(/\/index$/, ''));
  return {
    operationId: `get${camel(path)}`,
    tags: ['Templates'],
    summary: `Describes ${title}.`,
    description: `The next level of the template structure. Needs the route scope \`${scope}\`. ${FORMATS}`,
    security: routeSecurity(scope),
    responses: { '200': data('The description.', { type: 'object' }), ...BEARER_ERRORS },
  };
}

function camel(path: string): string {
  return path
    .replace(/^\/api\/pds\//, '')
    .split(/[/-]/)
    .map((w) => (w ? w[0]!.toUpperCase() + w.slice(1) : ''))
    .join('');
}

/** A leaf's data method. */
export function dataSchema(e: Endpoint, method: HttpMethod): RouteSchema {
  const metadata = e.dataset.type === 'metadata';
  const scope = routeScopeOf(method, e.path);
  const rowId = metadata ? [ref('parameters', 'Instance')] : [ref('parameters', 'RowId')];
  const body = fieldsObject(e);
  const verb = { get: 'Reads', put: 'Writes', post: 'Adds to', delete: 'Clears' }[method as 'get'] ?? method;
  const read = metadata ? ref('schemas', 'MetadataRead') : ref('schemas', 'RowsRead');
  const written = method === 'post' && !metadata ? ref('schemas', 'InsertResult') : ref('schemas', 'Success');
  return {
    operationId: `${method}${camel(e.path)}`,
    tags: ['Templates'],
    summary: `${verb} ${e.title.charAt(0).toLowerCase()}${e.title.slice(1)} (${e.dataset.name}).`,
    description: `${e.description ?? e.title}. Fields: ${e.fields.join(', ')}. Needs the route scope \`${scope}\`. ${FORMATS}`,
    security: routeSecurity(scope),
    parameters: [...MEMBER, ...(method === 'get' && !metadata ? [] : rowId)],
    ...(method === 'get' || method === 'delete'
      ? {}
      : {
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  anyOf: [body, { type: 'object', properties: { [e.dataset.name]: body }, required: [e.dataset.name] }],
                },
              },
              'application/x-www-form-urlencoded': { schema: body },
            },
          },
        }),
    responses: { '200': data(method === 'get' ? 'The fields.' : 'Done.', method === 'get' ? read : written), ...ERRORS },
  };
}
