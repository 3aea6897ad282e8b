import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument, toOpenApiPath } from './document.ts';
import type { DocumentationPart } from './openapi-types.ts';
import type { RegisteredRoute } from './route-collector.ts';

const INFO = { title: 'T', version: '1', description: 'd', serverUrl: 'http://localhost', issuer: 'http://localhost' };
const route = (method: string, url: string, schema?: RegisteredRoute['schema']): RegisteredRoute => ({ method, url, schema });
const op = (operationId: string, extra: object = {}) => ({
  operationId,
  summary: operationId,
  tags: ['A'],
  responses: { '200': { description: 'ok' } },
  ...extra,
});

const part: DocumentationPart = {
  tags: [{ name: 'A' }, { name: 'Unused' }],
  operations: [
    { method: 'get', path: '/things/{id}', operation: op('getThing', { security: [{ oauth2: ['mydex:pdx', 'get:/things'] }] }) },
    { method: 'get', path: '/list', operation: op('getList'), aliases: ['/list.json'] },
    { method: 'post', path: '/idaas/a', operation: op('idaasA'), group: 'idaas' },
    { method: 'post', path: '/idaas/b', operation: op('idaasB'), group: 'idaas' },
  ],
  scopes: { 'mydex:pdx': 'Global' },
};

describe('toOpenApiPath', () => {
  it('writes Fastify parameters as OpenAPI path templates', () => {
    expect(toOpenApiPath('/ftc/begin/:nid/:token/:version')).toBe('/ftc/begin/{nid}/{token}/{version}');
    expect(toOpenApiPath('/files/:name(^\\d+).json')).toBe('/files/{name}.json');
  });
});

describe('buildOpenApiDocument', () => {
  const routes = [
    route('GET', '/things/:id'),
    route('GET', '/list'),
    route('GET', '/list.json'),
    route('DELETE', '/list', { undocumentedBecause: 'answers 405' } as RegisteredRoute['schema']),
  ];

  it('describes registered routes, with used tags and scopes only, and reports no drift when all match', () => {
    const { document, drift } = buildOpenApiDocument(routes, [part], INFO);
    expect(drift).toEqual({ undocumented: [], unrouted: [] });
    expect(Object.keys(document.paths)).toEqual(['/things/{id}', '/list']);
    expect(document.tags).toEqual([{ name: 'A' }]);
    const scheme = (
      document.components as {
        securitySchemes: { oauth2: { flows: { clientCredentials: { scopes: object; tokenUrl: string } } } };
      }
    ).securitySchemes.oauth2.flows.clientCredentials;
    expect(scheme).toEqual({
      tokenUrl: 'http://localhost/oauth2/token',
      scopes: { 'mydex:pdx': 'Global', 'get:/things': 'Route scope of GET /things' },
    });
  });

  it('reports a registered route that nothing describes', () => {
    const { drift, document } = buildOpenApiDocument([...routes, route('PUT', '/things/:id')], [part], INFO);
    expect(drift.undocumented).toEqual(['PUT /things/{id}']);
    expect(document.paths['/things/{id}']?.put).toBeUndefined();
  });

  it('reports a described operation, or alias, whose route is gone', () => {
    const { drift, document } = buildOpenApiDocument([route('GET', '/list')], [part], INFO);
    expect(drift.unrouted).toEqual(['GET /things/{id}', 'GET /list.json']);
    expect(document.paths['/things/{id}']).toBeUndefined();
  });

  it('leaves out a group until one of its routes exists, and then wants all of them', () => {
    expect(buildOpenApiDocument(routes, [part], INFO).document.paths['/idaas/a']).toBeUndefined();
    const { drift, document } = buildOpenApiDocument([...routes, route('POST', '/idaas/a')], [part], INFO);
    expect(document.paths['/idaas/a']?.post?.operationId).toBe('idaasA');
    expect(drift.unrouted).toEqual(['POST /idaas/b']);
  });

  it('uses a route’s own response schema, and documents a route that carries a summary in its schema', () => {
    const token = { type: 'object', properties: { access_token: { type: 'string' } } };
    const withSchemas = [
      route('GET', '/things/:id', { response: { 200: token } }),
      route('GET', '/list'),
      route('GET', '/list.json'),
      route('GET', '/self/:x', {
        summary: 'Self-described',
        tags: ['B'],
        params: { type: 'object', properties: { x: { type: 'string' } } },
        response: { 200: token },
      } as never),
    ];
    const { document, drift } = buildOpenApiDocument(withSchemas, [part], INFO);
    expect(drift.undocumented).toEqual([]);
    expect(document.paths['/things/{id}']?.get?.responses['200']).toEqual({
      description: 'ok',
      content: { 'application/json': { schema: token } },
    });
    expect(document.paths['/self/{x}']?.get).toMatchObject({
      operationId: 'getSelfX',
      summary: 'Self-described',
      tags: ['B'],
      parameters: [{ name: 'x', in: 'path', required: true, schema: { type: 'string' } }],
    });
  });

  it('describes by rule the routes of a family that have no entry of their own', () => {
    const family: DocumentationPart = {
      tags: [],
      operations: [],
      families: [{ family: 'web', describe: (method, path) => op(`${method}${path.length}`) }],
    };
    const { document, drift } = buildOpenApiDocument(
      [...routes, { ...route('GET', '/me/:id'), family: 'web' }, { ...route('GET', '/elsewhere'), family: 'other' }],
      [part, family],
      INFO,
    );
    expect(document.paths['/me/{id}']?.get?.operationId).toBe('get8');
    expect(drift.undocumented).toEqual(['GET /elsewhere']);
  });

  it('refuses two descriptions of one operation', () => {
    expect(() => buildOpenApiDocument(routes, [part, { tags: [], operations: [part.operations![0]!] }], INFO)).toThrow(
      'GET /things/{id} is documented twice',
    );
  });

  it('keeps only the components the paths reach', () => {
    const withRefs: DocumentationPart = {
      tags: [],
      operations: [
        {
          method: 'get',
          path: '/r',
          operation: op('r', {
            responses: {
              '200': { description: 'x', content: { 'application/json': { schema: { $ref: '#/components/schemas/A' } } } },
            },
          }),
        },
      ],
      components: { schemas: { A: { $ref: '#/components/schemas/B' }, B: { type: 'string' }, C: { type: 'string' } } },
    };
    const { document } = buildOpenApiDocument([route('GET', '/r')], [withRefs], INFO);
    expect(Object.keys((document.components as { schemas: object }).schemas)).toEqual(['A', 'B']);
  });
});
