/** GET /openapi.json: a valid OpenAPI 3.1 document of the whole server, that openapi-typescript turns into types. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEATURE_ROUTES } from '../../src/features/feature-routes.ts';
import { routeScopeOf } from '../../src/oauth/principal.ts';
import { buildOpenApiDocument, type OpenApiDocument } from '../../src/openapi/document.ts';
import { openPdxDocumentation } from '../../src/openapi/documentation.ts';
import { IDAAS_REFERENCE } from '../../src/openapi/reference-operations.ts';
import type { OperationObject, ParameterObject, Reference } from '../../src/openapi/openapi-types.ts';
import { createTestApp, type TestApp } from '../harness.ts';
import { componentSchemaErrors, danglingRefs, openApiErrors } from './openapi-validity.ts';

let t: TestApp;
let doc: OpenApiDocument;
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options'] as const;

function operations(): { path: string; method: string; op: OperationObject }[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    METHODS.flatMap((method) => (item[method] ? [{ path, method, op: item[method] }] : [])),
  );
}

beforeAll(async () => {
  t = await createTestApp({ startWorkers: false });
  doc = (await t.app.inject({ url: '/openapi.json' })).json();
});
afterAll(async () => t?.close());

describe('the OpenAPI 3.1 validator', () => {
  it('refuses a document that breaks the specification', () => {
    const broken = { openapi: '3.1.0', info: { title: 'x' }, paths: { '/a': { get: { responses: { '200': {} } } } } };
    expect(openApiErrors(broken).join('\n')).toMatch(/version[\s\S]*description/);
    expect(componentSchemaErrors({ A: { type: 'strin' } })).toHaveLength(1);
    expect(componentSchemaErrors({ A: { $ref: '#/components/schemas/Missing' } })).toHaveLength(1);
  });
});

describe('GET /openapi.json', () => {
  it('answers JSON, cacheable for five minutes, with an ETag that revalidates to 304', async () => {
    const res = await t.app.inject({ url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    expect(res.headers['access-control-allow-origin']).toBe('*');
    const again = await t.app.inject({ url: '/openapi.json', headers: { 'if-none-match': String(res.headers.etag) } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
  });

  it('is a valid OpenAPI 3.1 document', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(openApiErrors(doc)).toEqual([]);
  });

  it('has component schemas that compile as strict JSON Schema 2020-12, and no dangling $ref', () => {
    const components = doc.components as { schemas: Record<string, unknown> };
    expect(Object.keys(components.schemas).length).toBeGreaterThan(40);
    expect(componentSchemaErrors(components.schemas)).toEqual([]);
    expect(danglingRefs(doc)).toEqual([]);
  });

  it('gives every operation a unique operationId, a tag, a summary and a parameter for each path template', () => {
    const ops = operations();
    expect(new Set(ops.map((o) => o.op.operationId)).size).toBe(ops.length);
    const parameters = (doc.components as { parameters: Record<string, ParameterObject> }).parameters;
    const resolve = (p: ParameterObject | Reference) => ('name' in p ? p : parameters[(p as Reference).$ref.split('/').pop()!]!);
    for (const { path, method, op } of ops) {
      expect(op.tags.length, `${method} ${path}`).toBeGreaterThan(0);
      expect(op.summary, `${method} ${path}`).toBeTruthy();
      const inPath = (op.parameters ?? [])
        .map(resolve)
        .filter((p) => p.in === 'path')
        .map((p) => p.name)
        .sort();
      expect(inPath, `${method} ${path}`).toEqual([...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort());
    }
  });

  it('describes the success response of every operation, so the reference and Postman show an example', () => {
    // RFC 7009: revocation answers 200 with an empty body, so there is nothing to show.
    const emptyByDesign = new Set(['post /oauth2/revoke']);
    const bare = operations()
      .filter(({ path, method }) => !emptyByDesign.has(`${method} ${path}`))
      .filter(({ op }) =>
        Object.entries(op.responses)
          .filter(([status]) => status.startsWith('2'))
          .every(([, r]) => !('$ref' in r) && !(r as { content?: unknown }).content),
      )
      .map(({ path, method }) => `${method} ${path}`);
    expect(bare).toEqual([]);
  });

  it('names every feature-block route scope in the operation and in the oauth2 scheme', () => {
    const scheme = (
      doc.components as { securitySchemes: { oauth2: { flows: { clientCredentials: { scopes: Record<string, string> } } } } }
    ).securitySchemes;
    const scopes = scheme.oauth2.flows.clientCredentials.scopes;
    for (const [method, path] of FEATURE_ROUTES) {
      const scope = routeScopeOf(method, path);
      const op = doc.paths[path]?.[method.toLowerCase() as 'get'];
      expect(op?.security, scope).toEqual([{ oauth2: expect.arrayContaining(['mydex:pdx', scope]) }]);
      expect(scopes[scope], scope).toBeTruthy();
    }
  });

  it('lists the member web pages as text/html under member-web, and the API under its tags', () => {
    const login = doc.paths['/login']?.get;
    expect(login?.tags).toEqual(['member-web']);
    expect(Object.keys((login?.responses['200'] as { content: object }).content)).toEqual(['text/html']);
    expect(doc.paths['/api/pds/pds/{file}']?.get?.tags).toEqual(['Datasets']);
    expect(doc.paths['/.well-known/oauth-authorization-server']?.get).toBeDefined();
  });

  it('takes the token response schema from the route’s own Fastify schema', () => {
    const ok = doc.paths['/oauth2/token']?.post?.responses['200'] as unknown as {
      content: { 'application/json': { schema: { required: string[] } } };
    };
    expect(ok.content['application/json'].schema.required).toEqual(['access_token', 'token_type', 'expires_in', 'scope']);
  });

  it('stays valid and complete once the IDaaS routes are registered', () => {
    const idaasRoutes = Object.entries(IDAAS_REFERENCE.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => ({
        method: method.toUpperCase(),
        url: path.replace(/\{(\w+)\}/g, ':$1'),
        schema: undefined,
      })),
    );
    expect(idaasRoutes).toHaveLength(9);
    const info = {
      title: 'OpenPDX',
      version: '0',
      description: '',
      serverUrl: 'http://localhost:8080',
      issuer: 'http://localhost:8080',
    };
    const { document, drift } = buildOpenApiDocument(
      [...t.app.openapi.routes.routes(), ...idaasRoutes],
      openPdxDocumentation(t.ctx),
      info,
    );
    expect(drift).toEqual({ undocumented: [], unrouted: [] });
    expect(openApiErrors(document)).toEqual([]);
    expect(componentSchemaErrors((document.components as { schemas: Record<string, unknown> }).schemas)).toEqual([]);
    expect(danglingRefs(document)).toEqual([]);
    expect(document.paths['/members/notify']?.post?.security).toEqual([{ oauth2: ['mydex:identifiers'] }]);
    expect(document.paths['/ftc/setup']?.post?.tags).toEqual(['Connections']);
  });

  it('turns into TypeScript types with openapi-typescript, and they compile', async () => {
    const source = astToString(await openapiTS(doc as never));
    expect(source).toContain('"/calendar/add-event": {');
    expect(source).toContain('"/api/pds/pds/{file}": {');
    const dir = mkdtempSync(join(tmpdir(), 'openpdx-types-'));
    try {
      const file = join(dir, 'openpdx.ts');
      writeFileSync(file, source);
      const program = ts.createProgram([file], { strict: true, noEmit: true, skipLibCheck: true, types: [] });
      const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      expect(diagnostics).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
