/**
 * The OpenAPI operations of the dataset API (contract §6): metadata instances and transactional
 * rows, in JSON or XML; dataset-routes.ts declares each with its route. Their parameters are
 * documentation only: these are the hot paths, and their values are checked by
 * dataset-requests.ts with the contract's own messages, not by Fastify's schema validation.
 */
import { BEARER_ERRORS, jsonResponse, PDX_SECURITY, pdxBody } from '../openapi/operation-builders.ts';
import type { HttpMethod, JsonSchema, ParameterObject, Reference, ResponseObject } from '../openapi/openapi-types.ts';
import { ref } from '../openapi/pdx-components.ts';
import type { RouteSchema } from '../openapi/route-schema.ts';

const p = (name: string) => ref('parameters', name);
const MEMBER = [p('MemberKey'), p('ConnectionTokenHeader'), p('ConIdQuery'), p('SourceType')];
const ROW_QUERY: ParameterObject[] = [
  {
    name: 'filters',
    in: 'query',
    style: 'deepObject',
    explode: true,
    description: '`filters[<field>][operator]` (`= != < <= > >= LIKE IN`; IN takes a comma list) and `filters[<field>][value]`',
    schema: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        required: ['value'],
        properties: {
          operator: { type: 'string', enum: ['=', '!=', '<', '<=', '>', '>=', 'LIKE', 'IN'] },
          value: { type: 'string' },
        },
      },
    },
  },
  {
    name: 'limit',
    in: 'query',
    description: 'Default 1000, at most 10000',
    schema: { type: 'integer', minimum: 1, maximum: 10000 },
  },
  { name: 'offset', in: 'query', schema: { type: 'integer', minimum: 0 } },
  { name: 'sort', in: 'query', description: '`<field>` ascending or `-<field>` descending', schema: { type: 'string' } },
];

/** JSON, or the same structure as XML when the path ends in `.xml`. */
function data(description: string, schema: JsonSchema): ResponseObject {
  return { description, content: { 'application/json': { schema }, 'application/xml': { schema: { type: 'string' } } } };
}

const ERRORS: Record<string, Reference> = {
  '400': ref('responses', 'BadRequest'),
  ...BEARER_ERRORS,
  '404': ref('responses', 'NotFound'),
  '413': ref('responses', 'PayloadTooLarge'),
};

interface Row {
  method: HttpMethod;
  path: string;
  id: string;
  summary: string;
  parameters: (ParameterObject | Reference)[];
  body?: JsonSchema;
  ok: ResponseObject;
}

const FILE = p('DataFile');
const DATASET = [p('Dataset'), p('Instance')];
const success = data('Done.', ref('schemas', 'Success'));
const inserted = jsonResponse('Inserted: the new row’s id (and every id of a batch).', ref('schemas', 'InsertResult'));

const ROWS: Row[] = [
  {
    method: 'get',
    path: '/api/pds/pds/{file}',
    id: 'getMetadata',
    summary: 'Reads metadata dataset instances.',
    parameters: [FILE, ...DATASET],
    ok: data('The readable fields.', ref('schemas', 'MetadataRead')),
  },
  {
    method: 'post',
    path: '/api/pds/pds/{file}',
    id: 'postMetadata',
    summary: 'Writes fields of a metadata instance.',
    parameters: [FILE, ...DATASET],
    body: ref('schemas', 'DatasetWrite'),
    ok: success,
  },
  {
    method: 'put',
    path: '/api/pds/pds/{file}',
    id: 'putMetadata',
    summary: 'Writes fields of a metadata instance (flat body).',
    parameters: [FILE, ...DATASET, p('RowId')],
    body: ref('schemas', 'DatasetWrite'),
    ok: success,
  },
  {
    method: 'delete',
    path: '/api/pds/pds/{file}',
    id: 'deleteMetadata',
    summary: 'Clears a metadata instance.',
    parameters: [FILE, ...DATASET],
    ok: success,
  },
  {
    method: 'get',
    path: '/api/pds/transaction/{file}',
    id: 'getRows',
    summary: 'Reads transactional rows.',
    parameters: [FILE, ...DATASET, p('RowId'), ...ROW_QUERY],
    ok: data('The rows.', ref('schemas', 'RowsRead')),
  },
  {
    method: 'post',
    path: '/api/pds/transaction',
    id: 'postRows',
    summary: 'Inserts a row, or a batch of rows.',
    parameters: [p('UidQuery'), ...DATASET],
    body: ref('schemas', 'RowsWrite'),
    ok: inserted,
  },
  {
    method: 'post',
    path: '/api/pds/transaction/{file}',
    id: 'postRowsForMember',
    summary: 'Inserts a row, or a batch of rows (uid in the path).',
    parameters: [FILE, ...DATASET],
    body: ref('schemas', 'RowsWrite'),
    ok: inserted,
  },
  {
    method: 'put',
    path: '/api/pds/transaction/{file}',
    id: 'putRow',
    summary: 'Updates a row (flat body).',
    parameters: [FILE, ...DATASET, p('RowId')],
    body: ref('schemas', 'DatasetWrite'),
    ok: success,
  },
  {
    method: 'delete',
    path: '/api/pds/transaction/{file}',
    id: 'deleteRow',
    summary: 'Deletes a row.',
    parameters: [FILE, ...DATASET, p('RowId')],
    ok: success,
  },
];

/** The schema of the dataset route `method url` (Fastify's form, e.g. `/api/pds/pds/:file`). */
export function datasetRouteSchema(method: string, url: string): RouteSchema {
  const path = url.replace(/:(\w+)/g, '{$1}');
  const r = ROWS.find((row) => row.method === method.toLowerCase() && row.path === path);
  if (!r) throw new Error(`no OpenAPI description for the dataset route ${method} ${url}`);
  return {
    operationId: r.id,
    tags: ['Datasets'],
    summary: r.summary,
    description:
      'The member is named by `key` (or Connection-Token) and `con_id`; fields the connection’s DSSA does not grant are invisible and cannot be written. Never cached.',
    security: PDX_SECURITY,
    parameters: [...r.parameters, ...MEMBER],
    ...(r.body ? { requestBody: pdxBody(r.body) } : {}),
    responses: { '200': r.ok, ...ERRORS },
  };
}
