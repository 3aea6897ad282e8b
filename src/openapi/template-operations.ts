/**
 * Template operations (contract §7), made from the template registry as the routes are, so a new
 * template in registry.json is documented without code. Every path also answers as `.json` and
 * `.xml`: those are aliases of one operation, not operations of their own.
 */
import { routeScopeOf } from '../oauth/principal.ts';
import type { FieldDef } from '../pds/schema/catalogue.ts';
import type { Endpoint, TemplateRegistry } from '../templates/template-registry.ts';
import { BEARER_ERRORS, operation, routeSecurity } from './operation-builders.ts';
import type { DocumentationPart, DocumentedOperation, HttpMethod, JsonSchema, ResponseObject } from './openapi-types.ts';
import { ref } from './pdx-components.ts';

const FORMAT_SUFFIXES = ['.json', '.xml'] as const;

const aliasesOf = (path: string) => FORMAT_SUFFIXES.map((s) => `${path}${s}`);
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

function indexOperation(path: string, title: string, operationId: string): DocumentedOperation {
  const scope = routeScopeOf('GET', path.replace(/\/index$/, ''));
  return operation(
    'get',
    path,
    {
      operationId,
      tags: ['Templates'],
      summary: `Describes ${title}.`,
      description: `The next level of the template structure. Needs the route scope \`${scope}\`. ${FORMATS}`,
      security: routeSecurity(scope),
      responses: { '200': data('The description.', { type: 'object' }), ...BEARER_ERRORS },
    },
    aliasesOf(path),
  );
}

function camel(path: string): string {
  return path
    .replace(/^\/api\/pds\//, '')
    .split(/[/-]/)
    .map((w) => (w ? w[0]!.toUpperCase() + w.slice(1) : ''))
    .join('');
}

function dataOperation(e: Endpoint, method: HttpMethod): DocumentedOperation {
  const metadata = e.dataset.type === 'metadata';
  const scope = routeScopeOf(method, e.path);
  const rowId = metadata ? [ref('parameters', 'Instance')] : [ref('parameters', 'RowId')];
  const body = fieldsObject(e);
  const verb = { get: 'Reads', put: 'Writes', post: 'Adds to', delete: 'Clears' }[method as 'get'] ?? method;
  const read = metadata ? ref('schemas', 'MetadataRead') : ref('schemas', 'RowsRead');
  const written = method === 'post' && !metadata ? ref('schemas', 'InsertResult') : ref('schemas', 'Success');
  return operation(
    method,
    e.path,
    {
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
    },
    aliasesOf(e.path),
  );
}

export function templateDocumentation(registry: TemplateRegistry): DocumentationPart {
  const operations: DocumentedOperation[] = [];
  const scopes: Record<string, string> = {};
  const push = (op: DocumentedOperation) => {
    operations.push(op);
    for (const s of op.operation.security?.[0]?.oauth2 ?? [])
      scopes[s] ??= `Route scope of ${s.replace(':', ' ').replace(/^\w+/, (m) => m.toUpperCase())}`;
  };
  for (const t of registry.templates()) {
    for (const level of [
      { path: t.path, title: `the ${t.title} template` },
      ...t.modules.map((m) => ({ path: m.path, title: `the ${m.title} module` })),
    ]) {
      push(indexOperation(level.path, level.title, `get${camel(level.path)}`));
      push(indexOperation(`${level.path}/index`, level.title, `get${camel(level.path)}Index`));
    }
    for (const e of [...t.modules.flatMap((m) => m.subsections), ...t.actions]) {
      push(indexOperation(`${e.path}/index`, e.title.toLowerCase(), `get${camel(e.path)}Index`));
      for (const method of e.methods) push(dataOperation(e, method.toLowerCase() as HttpMethod));
    }
  }
  delete scopes['mydex:pdx'];
  return {
    tags: [
      {
        name: 'Templates',
        description: 'Templates (contract §7), made from the template registry: each level lists the next at `…/index`.',
      },
    ],
    operations,
    scopes,
  };
}
