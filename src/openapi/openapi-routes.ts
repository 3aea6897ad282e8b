/**
 * `GET /openapi.json`, `GET /docs` (Swagger UI, api-viewer.ts) and `GET /docs/plain`. Call `registerOpenApi` right after the server is made,
 * before any other module adds a route: it starts recording routes as they are registered, and
 * builds the document from them once, on the first request (all routes exist by then).
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import pkg from '../../package.json' with { type: 'json' };
import { registerApiViewer } from './api-viewer.ts';
import { DOCS_CSP, renderDocsPage } from './docs-page.ts';
import { buildOpenApiDocument, type Drift, type OpenApiDocument } from './document.ts';
import { openPdxDocumentation, type DocumentationContext } from './documentation.ts';
import { collectRoutes, type RouteCatalogue } from './route-collector.ts';
import { htmlResponse, jsonResponse, NO_SECURITY } from './operation-builders.ts';
import type { RouteSchema } from './route-schema.ts';

const OPENAPI_PATH = '/openapi.json';
const PLAIN_DOCS_PATH = '/docs/plain';

const documentSchema: RouteSchema = {
  operationId: 'getOpenApiDocument',
  tags: ['Service'],
  summary: 'This OpenAPI 3.1 document.',
  description: 'Made from the registered routes; cacheable for five minutes, with an ETag.',
  security: NO_SECURITY,
  responses: {
    '200': jsonResponse('The document.', { type: 'object', required: ['openapi', 'info', 'paths'] }),
    '304': { description: 'Unchanged since the ETag given in If-None-Match.' },
  },
};
const docsSchema: RouteSchema = {
  operationId: 'getPlainApiDocs',
  tags: ['Service'],
  summary: 'This document as a readable page without JavaScript (the Swagger UI page is /docs).',
  security: NO_SECURITY,
  responses: { '200': htmlResponse('The API reference.') },
};

/** Short enough that a redeploy shows within minutes; the ETag makes revalidation cheap. */
const CACHE = 'public, max-age=300';

const DESCRIPTION =
  'OpenPDX: a self-hostable Personal Data eXchange, wire-compatible with the Mydex PDX API. ' +
  'The feature-block and IDaaS operations and schemas come from Mydex CIC’s OpenAPI documents (Apache License 2.0), ' +
  'with the additions the OpenPDX contract makes.';

export interface OpenApiPublication {
  readonly routes: RouteCatalogue;
  /**
   * The document, its drift, and every OAuth scope its operations name (with a description); built
   * on first use, after every route is registered.
   */
  build(): { document: OpenApiDocument; drift: Drift; scopes: Record<string, string> };
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The OpenAPI document of this server, and how it drifts from the registered routes. */
    openapi: OpenApiPublication;
  }
}

export function registerOpenApi(app: FastifyInstance, ctx: DocumentationContext): OpenApiPublication {
  const routes = collectRoutes(app);
  let built:
    | { document: OpenApiDocument; drift: Drift; scopes: Record<string, string>; json: string; etag: string; html?: string }
    | undefined;
  const build = () => {
    if (!built) {
      const result = buildOpenApiDocument(routes.routes(), openPdxDocumentation(ctx), {
        title: 'OpenPDX',
        version: pkg.version,
        description: DESCRIPTION,
        serverUrl: ctx.config.publicUrl,
        issuer: ctx.config.issuer,
      });
      if (result.drift.undocumented.length || result.drift.unrouted.length)
        app.log.warn({ drift: result.drift }, 'OpenAPI document drift');
      const json = JSON.stringify(result.document);
      built = { ...result, json, etag: `"${createHash('sha256').update(json).digest('base64url').slice(0, 27)}"` };
    }
    return built;
  };

  const fresh = (req: FastifyRequest, reply: FastifyReply, etag: string) => {
    reply.header('cache-control', CACHE).header('etag', etag);
    return req.headers['if-none-match'] === etag;
  };

  app.get(OPENAPI_PATH, { schema: documentSchema }, async (req, reply) => {
    const b = build();
    // A public description of a public API: any origin may read it (no credentials involved).
    reply.header('access-control-allow-origin', '*');
    if (fresh(req, reply, b.etag)) return reply.code(304).send();
    return reply.type('application/json; charset=utf-8').send(b.json);
  });

  app.get(PLAIN_DOCS_PATH, { schema: docsSchema }, async (req, reply) => {
    const b = build();
    b.html ??= renderDocsPage(b.document);
    reply.header('content-security-policy', DOCS_CSP).header('referrer-policy', 'no-referrer');
    if (fresh(req, reply, b.etag)) return reply.code(304).send();
    return reply.type('text/html; charset=utf-8').send(b.html);
  });

  registerApiViewer(app, {
    title: 'OpenPDX',
    documentUrl: OPENAPI_PATH,
    plainUrl: PLAIN_DOCS_PATH,
    tryItOut: ctx.config.env === 'sandbox',
  });

  const publication: OpenApiPublication = { routes, build: () => build() };
  app.decorate('openapi', publication);
  return publication;
}
