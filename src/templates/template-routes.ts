/**
 * Template routes (contract §7), registered from the registry alone: for each template, module
 * and leaf an `…/index` describing the next level, and each leaf's data methods. Every path also
 * answers with `.json` or `.xml` (contract §6 formats), which `routeScopeOf` strips, so the
 * route scope is the same. Decided: a level's index (`/api/pds/mam` and `/api/pds/mam/index`)
 * needs that level's `get:` scope, e.g. `get:/api/pds/mam`; a leaf's (`…/personal-details/index`)
 * likewise needs `get:` of the leaf's own path.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app-context.ts';
import { memberCall } from '../features/feature-routes.ts';
import { requireBearer } from '../http/auth.ts';
import { routeScopeOf } from '../oauth/principal.ts';
import { parsePdxBody } from '../http/body.ts';
import type { WireFields } from '../wire.ts';
import { orderedJson, renderXml, renderXmlRows, type Format } from '../pds/render.ts';
import { templateRequest } from './template-requests.ts';
import type { TemplateResult, TemplateService } from './template-service.ts';
import { PDX_API, registerRouteFamily } from '../http/route-family.ts';
import type { HttpMethod } from '../openapi/openapi-types.ts';
import type { RouteSchema } from '../openapi/route-schema.ts';
import { aliasSchema, dataSchema, indexSchema } from './template-docs.ts';

const FORMATS: readonly (readonly [string, Format])[] = [
  ['', 'json'],
  ['.json', 'json'],
  ['.xml', 'xml'],
];

export function registerTemplateRoutes(app: FastifyInstance, ctx: Pick<AppContext, 'oauth' | 'templates' | 'catalogue'>): void {
  registerRouteFamily(app, PDX_API, (scope) => templateRoutes(scope, ctx));
}

function templateRoutes(app: FastifyInstance, ctx: Pick<AppContext, 'oauth' | 'templates' | 'catalogue'>): void {
  const svc: TemplateService = ctx.templates;
  const scoped = (method: string, path: string) => requireBearer(ctx.oauth, { routeScope: () => routeScopeOf(method, path) });

  /** `url` in every format: the operation's schema on the plain path, its aliases on the others. */
  const schemaOf = (url: string, suffix: string, schema: () => RouteSchema) => (suffix ? aliasSchema(url) : schema());

  /** GET `urls`, each in every format, answered by `describe`, needing `level`'s route scope. */
  const index = (level: string, urls: readonly string[], title: string, describe: () => unknown) => {
    const onRequest = scoped('GET', level);
    for (const url of urls) {
      for (const [suffix, format] of FORMATS) {
        const schema = schemaOf(url, suffix, () => indexSchema(url, title));
        app.get(`${url}${suffix}`, { onRequest, schema }, async (_req, reply) => send(reply, format, { value: describe() }));
      }
    }
  };
  const level = (path: string, title: string, describe: () => unknown) => index(path, [path, `${path}/index`], title, describe);

  for (const t of svc.registry.templates()) {
    level(t.path, `the ${t.title} template`, () => svc.templateIndex(t));
    for (const m of t.modules) level(m.path, `the ${m.title} module`, () => svc.moduleIndex(t, m));
    for (const e of [...t.modules.flatMap((m) => m.subsections), ...t.actions]) {
      index(e.path, [`${e.path}/index`], e.title.toLowerCase(), () => svc.endpointIndex(e));
      for (const method of e.methods) {
        for (const [suffix, format] of FORMATS) {
          app.route({
            method,
            url: `${e.path}${suffix}`,
            schema: schemaOf(e.path, suffix, () => dataSchema(e, method.toLowerCase() as HttpMethod)),
            onRequest: scoped(method, e.path),
            handler: async (req: FastifyRequest, reply) => {
              const body = method === 'GET' ? {} : parsePdxBody(req.body);
              const call = memberCall(req);
              const request = templateRequest(e, method, req.query as WireFields, body, ctx.catalogue);
              return send(reply, format, await svc.run(e, call, request));
            },
          });
        }
      }
    }
  }
}

function send(reply: FastifyReply, format: Format, result: TemplateResult): FastifyReply {
  // Personal data (or, for indexes, nothing worth caching): never cached (BT-08).
  reply.header('cache-control', 'no-store');
  if ('rows' in result) {
    if (format === 'xml') return reply.type('application/xml; charset=utf-8').send(renderXmlRows(result.rows));
    return reply.type('application/json; charset=utf-8').send(orderedJson(result.rows));
  }
  if (format === 'xml') return reply.type('application/xml; charset=utf-8').send(renderXml(result.value));
  return reply.type('application/json; charset=utf-8').send(JSON.stringify(result.value));
}
